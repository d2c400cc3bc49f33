import type { AgentState } from '../../../shared/domain/agent.ts';
import type { AgentName } from '../../../shared/domain/common.ts';
import type { EventPayloads } from '../../../shared/events.ts';
import type { z } from 'zod';

type Configured = z.infer<(typeof EventPayloads)['agents.configured']>;

/**
 * What agents.yaml says now against what the ledger knows: runtimes that changed and agents that are new
 * (a higher Implementer count), or null when nothing did. Agents no longer in the file are left as they
 * are: they keep their history, tasks and branches, and simply get no new work.
 */
export function agentConfigChanges(
  names: readonly AgentName[],
  runtimes: Readonly<Record<string, string>>,
  known: readonly AgentState[],
): Configured | null {
  const byName = new Map(known.map((a) => [a.name, a]));
  const added: AgentName[] = [];
  const changes: string[] = [];
  const changed: Record<string, string> = {};
  for (const n of names) {
    const runtime = runtimes[n] ?? 'scripted';
    const a = byName.get(n);
    if (!a) {
      added.push(n);
      changed[n] = runtime;
      changes.push(`${n} added (${runtime})`);
    } else if (a.runtime !== runtime) {
      changed[n] = runtime;
      changes.push(`${n}: ${a.runtime} → ${runtime}`);
    }
  }
  return changes.length === 0 ? null : { runtimes: changed, added, changes };
}
