import type { Actor, AgentName, GitAction } from '../../../shared/index.ts';
import { agentSlug } from '../../../shared/index.ts';
import type { Tx } from '../store/ledger.ts';
import type { Engine } from './engine.ts';

export const phaseBranch = (phase: number, agent: AgentName) => `phase${phase}/${agentSlug(agent)}`;

/** A git action waiting to be recorded in the same transaction as the step that caused it. */
export type PendingGitAction = Omit<GitAction, 'timestamp'>;

export function recordGitActions(tx: Tx, actions: readonly PendingGitAction[], ts: string): void {
  for (const a of actions) tx.append({ type: 'git.action_recorded', actor: a.actor, id: a.id, ts, payload: { ...a, timestamp: ts } });
}

/**
 * An agent commit on its own phase branch. The Audit-ID trailer is the id of the ledger event that
 * will record it, allocated up front; if the process dies before that event is written, the ref is
 * reset on the next open (see recovery), so history never holds a commit the ledger does not know.
 */
export async function agentCommit(
  e: Engine,
  opts: { agent: AgentName | 'System'; actor: Actor; branch: string; changes: Map<string, string | null>; subject: string; body?: string; trigger: string },
): Promise<PendingGitAction | null> {
  if (opts.changes.size === 0) return null;
  const auditId = e.ledger.newEventId();
  const previous = await e.git.resolveRef(opts.branch);
  const res = await e.git.commitChanges({
    branch: opts.branch,
    actor: opts.actor,
    changes: [...opts.changes].map(([path, content]) => ({ path, content })),
    subject: opts.subject,
    ...(opts.body ? { body: opts.body } : {}),
    auditId,
    timestamp: Math.floor(e.clock().getTime() / 1000),
  });
  if (res.oid === previous) return null;
  return {
    id: auditId,
    action: 'commit',
    source: opts.agent === 'System' ? 'governor' : `workspace:${opts.agent}`,
    target: opts.branch,
    trigger: opts.trigger,
    actor: opts.actor,
    commit: res.oid,
    previous,
    message: opts.subject,
    files: [...opts.changes.keys()].sort(),
  };
}
