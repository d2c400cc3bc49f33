import type { Actor, GitAction } from '../../../shared/index.ts';
import { AgentName, agentSlug, escalationTargets, roleOf } from '../../../shared/index.ts';
import { ProtectedRefError } from '../errors.ts';
import { raiseConcern } from './records.ts';
import type { Tx } from '../store/ledger.ts';
import type { Engine } from './engine.ts';

export const phaseBranch = (phase: number, agent: AgentName) => `phase${phase}/${agentSlug(agent)}`;

/** A git action waiting to be recorded in the same transaction as the step that caused it. */
export type PendingGitAction = Omit<GitAction, 'timestamp'>;

export function recordGitActions(tx: Tx, actions: readonly PendingGitAction[], ts: string): void {
  for (const a of actions)
    tx.append({ type: 'git.action_recorded', actor: a.actor, id: a.id, ts, payload: { ...a, timestamp: ts } });
}

/**
 * An agent commit on its own phase branch. The Audit-ID trailer is the id of the ledger event that
 * will record it, allocated up front; if the process dies before that event is written, the ref is
 * reset on the next open (see recovery), so history never holds a commit the ledger does not know.
 */
export async function agentCommit(
  e: Engine,
  opts: {
    agent: AgentName | 'System';
    actor: Actor;
    branch: string;
    changes: Map<string, string | Uint8Array | null>;
    subject: string;
    body?: string;
    trigger: string;
  },
): Promise<PendingGitAction | null> {
  if (opts.changes.size === 0) return null;
  const auditId = e.ledger.newEventId();
  const res = await guarded(
    e,
    {
      actor: opts.actor,
      target: opts.branch,
      source: opts.agent === 'System' ? 'governor' : `workspace:${opts.agent}`,
      what: opts.subject,
    },
    () =>
      e.git.commitChanges({
        branch: opts.branch,
        actor: opts.actor,
        changes: [...opts.changes].map(([path, content]) => ({ path, content })),
        subject: opts.subject,
        ...(opts.body ? { body: opts.body } : {}),
        auditId,
        timestamp: Math.floor(e.clock().getTime() / 1000),
      }),
  );
  // The tip the commit went on, as the writer's queue read it (no second read of the ref, and no race with it).
  const previous = res.createdBranch ? null : res.parent;
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

/**
 * Run a git write; if the branching model refuses it, the refusal is itself audited (a
 * `protect_refused` git action) and raised as a concern to the actor's escalation target, then rethrown.
 */
export async function guarded<T>(
  e: Engine,
  who: { actor: Actor; target: string; source: string; what: string },
  write: () => Promise<T>,
): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (!(err instanceof ProtectedRefError)) throw err;
    e.ledger.transact((tx) => {
      const ts = e.clock().toISOString();
      const phase = e.read.project()?.phase ?? 1;
      recordGitActions(
        tx,
        [
          {
            id: e.ledger.newEventId(),
            action: 'protect_refused',
            source: who.source,
            target: who.target,
            trigger: who.what,
            actor: who.actor,
            commit: null,
            previous: null,
            message: err.message,
            files: [],
          },
        ],
        ts,
      );
      const parsedActor = AgentName.safeParse(who.actor);
      const to = parsedActor.success
        ? (escalationTargets(e.agentsFile, roleOf(parsedActor.data))[0] ?? 'Human')
        : 'Human';
      raiseConcern(
        tx,
        {
          phase,
          from: who.actor,
          to,
          severity: 'critical',
          category: 'protected_branch',
          summary: `${who.actor} tried to write ${who.target}`,
          details: `${err.message}. Nothing was written.`,
        },
        ts,
      );
    });
    e.progress({ kind: 'warn', agent: who.actor, text: `refused: ${err.message}` });
    throw err;
  }
}
