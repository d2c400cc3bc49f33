import type { PermissionRequest, WorkerActivity } from '../../../shared/index.ts';
import { EventPayloads } from '../../../shared/index.ts';
import type { Engine } from '../workflow/engine.ts';
import { addAllowRule } from './policy-file.ts';
import { type DecideInput, decideRequest } from './requests.ts';
import { decodeTs } from '../store/chain.ts';

/**
 * Decide a permission request from any surface (UI, CLI, Discord): the first decision wins in the
 * ledger; "allow always" then adds its rule to .project_policies.yaml for people to read (the gate
 * already takes it from the ledger, so a failed write loses nothing and is reported as progress).
 */
export async function decidePermission(e: Engine, d: DecideInput): Promise<PermissionRequest> {
  const r = decideRequest(e.ledger, e.read, d, e.clock);
  const rule = r.decision?.decision === 'allow_always' ? r.decision.rule : null;
  if (rule) {
    try {
      if (await addAllowRule(e.dir, rule))
        e.progress({
          kind: 'info',
          text: `${rule} added to agent_permissions.allow in .project_policies.yaml (${r.id})`,
        });
    } catch (err) {
      e.progress({
        kind: 'warn',
        text:
          `${r.id}: allowed always, but .project_policies.yaml could not be updated ` +
          `(${err instanceof Error ? err.message : String(err)}); the rule holds from the ledger`,
      });
    }
  }
  return r;
}

/** The coding agents' recent stream, oldest first. */
export function agentActivity(
  e: Engine,
  agent: string | null,
  limit: number,
): Array<WorkerActivity & { seq: number; ts: string }> {
  const rows = agent
    ? e.ledger.db
        .prepare<[string, number], { seq: number; ts: number | string; payload: string }>(
          "SELECT seq, ts, payload FROM events WHERE type = 'worker.activity' AND actor = ? ORDER BY seq DESC LIMIT ?",
        )
        .all(agent, limit)
    : e.ledger.db
        .prepare<[number], { seq: number; ts: number | string; payload: string }>(
          "SELECT seq, ts, payload FROM events WHERE type = 'worker.activity' ORDER BY seq DESC LIMIT ?",
        )
        .all(limit);
  // Timestamps are stored as integer milliseconds (chain.ts): decoded to the ISO text every event carries.
  return rows
    .reverse()
    .map((r) => ({ ...EventPayloads['worker.activity'].parse(JSON.parse(r.payload)), seq: r.seq, ts: decodeTs(r.ts) }));
}
