import { createHash } from 'node:crypto';
import type { PermissionDecision, PermissionDecisionKind, PermissionRequest } from '../../../shared/index.ts';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.ts';
import { byVia, utcStamp } from '../notify/notifications.ts';
import type { Ledger, Tx } from '../store/ledger.ts';
import type { Reader } from '../store/read.ts';
import { canonicalJson } from '../store/hash.ts';

/** sha256 of the canonical JSON of the tool and its exact input: what a decision is bound to. */
export function inputDigest(tool: string, input: unknown): string {
  return createHash('sha256').update(canonicalJson({ tool, input })).digest('hex');
}

const pad = (n: number) => String(n).padStart(4, '0');

/** `perm_0003`, `0003` or `3`: what people type on a phone. */
export function normalisePermissionId(raw: string): string {
  const t = raw.trim().replace(/^#/, '');
  if (/^\d+$/.test(t)) return `perm_${pad(Number(t))}`;
  return t;
}

export type NewRequest = Omit<PermissionRequest, 'id' | 'status' | 'decision' | 'requested_at'>;

/** A durable request in the human's inbox, in the caller's transaction (the id comes from the projection). */
export function recordRequest(tx: Tx, r: NewRequest, ts: string): PermissionRequest {
  // Requests are never removed (a rebuild empties the table first), so the highest rowid is their count.
  const n =
    tx.db.prepare<[], { n: number }>('SELECT COALESCE(MAX(rowid), 0) AS n FROM permission_requests').get()?.n ?? 0;
  const request: PermissionRequest = {
    ...r,
    id: `perm_${pad(n + 1)}`,
    status: 'pending',
    decision: null,
    requested_at: ts,
  };
  tx.append({ type: 'permission.requested', actor: r.agent, ts, payload: request });
  return request;
}

export interface DecideInput {
  requestId: string;
  decision: PermissionDecisionKind;
  /** The digest of the input the human saw (a prefix of 12+ hex characters is enough to type). */
  digest: string;
  message?: string;
  /** For `allow_edited`: the input to run instead. */
  input?: unknown;
  by: string;
  source: PermissionDecision['source'];
}

/**
 * Decide a permission request. The check and the append are one IMMEDIATE transaction, so the first
 * decision wins across processes (CLI, UI, Discord); a second one, a decision for another input, or one
 * after the request timed out, is refused with what happened and changes nothing.
 */
export function decideRequest(
  ledger: Ledger,
  read: Reader,
  d: DecideInput,
  now: () => Date = () => new Date(),
): PermissionRequest {
  const id = normalisePermissionId(d.requestId);
  const digest = d.digest.trim().toLowerCase();
  if (!/^[0-9a-f]{12,64}$/.test(digest))
    throw new InvalidInputError(
      `digest "${d.digest}" is not the request's input digest (12 to 64 hex characters, as \`governor ` +
        `reviews\` shows it)`,
    );
  let edited: { input: Record<string, unknown>; digest: string } | null = null;
  return ledger.transact((tx) => {
    const r = read.permissionRequest(id);
    if (!r) throw new NotFoundError('permission request', id, 'list them with `governor reviews`');
    if (!r.input_digest.startsWith(digest))
      throw new ConflictError(
        `permission request ${id} is for another input (digest ${r.input_digest.slice(0, 12)}…, not ` +
          `${digest.slice(0, 12)}…); look at it again before deciding`,
      );
    if (r.status === 'withdrawn')
      throw new ConflictError(
        `permission request ${id} was withdrawn: the agent stopped waiting for it before anyone decided`,
      );
    if (r.status === 'timed_out')
      throw new ConflictError(
        `permission request ${id} timed out at ${utcStamp(r.timeout_at)}; the agent was told, and will ask ` +
          `again if it still needs it`,
      );
    if (r.status !== 'pending' && r.decision) {
      const x = r.decision;
      throw new ConflictError(
        `permission request ${id} was already decided ${byVia(x.by, x.source)} at ${utcStamp(x.at)}: ` +
          `${x.decision}; the first decision stands`,
      );
    }
    if (d.decision === 'allow_edited') {
      if (typeof d.input !== 'object' || d.input === null || Array.isArray(d.input))
        throw new InvalidInputError('"allow_edited" needs the edited input: a JSON object with the tool\'s fields');
      edited = { input: d.input as Record<string, unknown>, digest: inputDigest(r.tool, d.input) };
    }
    const ts = now().toISOString();
    const grantsRule = d.decision === 'allow_session' || d.decision === 'allow_always';
    if (grantsRule && !r.suggested_rule)
      throw new InvalidInputError(`request ${id} (${r.tool}) has no rule to grant; allow it once instead`);
    const decision: PermissionDecision = {
      decision: d.decision,
      by: d.by,
      source: d.source,
      at: ts,
      message: (d.message ?? '').trim() || (d.decision === 'deny' ? `Denied by ${d.by}.` : ''),
      rule: grantsRule ? r.suggested_rule : null,
      ...(edited ? { edited_input: (edited as { input: Record<string, unknown> }).input } : {}),
      edited_digest: edited ? (edited as { digest: string }).digest : null,
    };
    tx.append({
      type: 'permission.decided',
      actor: 'Human',
      ts,
      payload: { request_id: id, status: d.decision === 'deny' ? 'denied' : 'allowed', decision },
    });
    const after = read.permissionRequest(id);
    if (!after) throw new NotFoundError('permission request', id);
    return after;
  });
}

/** Nobody decided in time: recorded as timed_out (never as a denial), unless a decision got there first. */
export function timeOutRequest(ledger: Ledger, read: Reader, id: string, now: Date): PermissionRequest | null {
  return ledger.transact((tx) => {
    const r = read.permissionRequest(id);
    if (r?.status !== 'pending') return r;
    const after_s = Math.max(0, Math.round((now.getTime() - Date.parse(r.requested_at)) / 1000));
    tx.append({
      type: 'permission.timed_out',
      actor: 'System',
      ts: now.toISOString(),
      payload: { request_id: id, after_s },
    });
    return read.permissionRequest(id);
  });
}

/** The agent stopped waiting (it cancelled the tool use, or its session ended): nothing to decide any more. */
export function withdrawRequest(ledger: Ledger, read: Reader, id: string, reason: string): void {
  ledger.transact((tx) => {
    if (read.permissionRequest(id)?.status === 'pending')
      tx.append({ type: 'permission.withdrawn', actor: 'System', payload: { request_id: id, reason } });
  });
}

/** Rules granted "always" by a human, from the ledger (the policy file gets them too, for people to read). */
export function alwaysRules(read: Reader): string[] {
  return read
    .alwaysAllowed()
    .filter((r) => r.decision?.decision === 'allow_always' && r.decision.rule)
    .map((r) => r.decision?.rule ?? '');
}

/** Rules granted for one session of one agent. */
export function sessionRules(read: Reader, agent: string, sessionId: string | null): string[] {
  if (!sessionId) return [];
  return read
    .sessionPermissions(agent, sessionId)
    .filter((r) => r.decision?.decision === 'allow_session' && r.decision.rule)
    .map((r) => r.decision?.rule ?? '');
}
