import { GovernorError } from '../errors.ts';
import type { Engine } from './engine.ts';
import { raiseConcern } from './records.ts';

export const SETUP_CATEGORY = 'runtime_setup';

/**
 * Can the configured runtimes run this team on this project? Each agent's runtime is built (a missing
 * key or base_url fails here) and asked whether it can play its agent (the scripted runtime only plays
 * the sample project). Agents that share a reason are named together; null when all can.
 */
export function runtimeProblems(e: Engine): string | null {
  const project = e.read.project();
  const agents = e.read.agents().map((a) => a.name);
  const byReason = new Map<string, string[]>();
  for (const agent of agents) {
    let why: string | null = null;
    try {
      why =
        e.runtimeFor(agent).cannot?.({
          kind: 'team',
          agent,
          project: project?.name ?? e.agentsFile.project,
          brief: e.agentsFile.brief,
          agents,
        }) ?? null;
    } catch (err) {
      if (!(err instanceof GovernorError)) throw err;
      why = err.message;
    }
    if (why) byReason.set(why, [...(byReason.get(why) ?? []), agent]);
  }
  if (byReason.size === 0) return null;
  if (byReason.size === 1) return [...byReason.keys()][0] ?? null;
  return [...byReason].map(([why, who]) => `${who.join(', ')}: ${why}`).join('\n\n');
}

/** Runtimes made on first use load what their check needs; one that cannot load says so in the check. */
async function prepareRuntimes(e: Engine): Promise<void> {
  for (const a of e.read.agents()) {
    try {
      await e.runtimeFor(a.name).prepare?.();
    } catch (err) {
      if (!(err instanceof GovernorError)) throw err;
    }
  }
}

/**
 * Before the first step of every run: a runtime that cannot run the team stops the loop with its reason,
 * as a critical concern to the human (raised once, not on every run), instead of failing inside a step.
 * Once agents.yaml is fixed, the next run settles that concern itself.
 */
export async function checkRuntimes(e: Engine): Promise<string | null> {
  await prepareRuntimes(e);
  const problem = runtimeProblems(e);
  const open = e.read.openConcerns().filter((c) => c.category === SETUP_CATEGORY);
  const settled = open.filter((c) => c.details !== problem);
  const raise = problem !== null && !open.some((c) => c.details === problem);
  if (settled.length === 0 && !raise) return problem;
  e.ledger.transact((tx) => {
    const ts = e.clock().toISOString();
    for (const c of settled) {
      tx.append({
        type: 'concern.resolved',
        actor: 'System',
        ts,
        payload: {
          concern_id: c.id,
          by: 'System',
          note: problem ? 'superseded: the runtimes changed' : 'the configured runtimes can now run the team',
        },
      });
    }
    if (problem && raise) {
      const phase = e.read.project()?.phase ?? 1;
      raiseConcern(
        tx,
        {
          phase,
          from: 'System',
          to: 'Human',
          severity: 'critical',
          category: SETUP_CATEGORY,
          summary: `The configured runtimes cannot run this project: ${problem.split('\n')[0]?.slice(0, 180) ?? ''}`,
          details: problem,
        },
        ts,
      );
    }
  });
  return problem;
}
