import type { Actor, AgentName, CommandSource } from '../../../shared/index.ts';
import { EventPayloads } from '../../../shared/index.ts';
import { decodeTs } from '../store/chain.ts';
import { InvalidInputError, NotFoundError } from '../errors.ts';
import type { Tx } from '../store/ledger.ts';
import type { Reader } from '../store/read.ts';
import { nextId, normaliseId } from './ids.ts';

/** Concern lifecycle moves a human (or an agent) makes: open → acknowledged → assigned → resolved. */
export function findConcern(read: Reader, raw: string) {
  const id = normaliseId('concern', raw);
  const c = read.concern(id);
  if (!c)
    throw new NotFoundError(
      'concern',
      id,
      `open concerns: ${
        read
          .openConcerns()
          .map((x) => x.id)
          .join(', ') || 'none'
      }`,
    );
  return c;
}

export function ackConcern(
  tx: Tx,
  read: Reader,
  raw: string,
  by: Actor,
  note: string,
  ts: string,
  who?: { user: string; source: CommandSource },
): string {
  return closeOrAck(tx, read, 'concern.acknowledged', { raw, by, note, ts, who });
}

/** An acknowledgement and a resolution are the same act on an open concern; only the event differs. */
function closeOrAck(
  tx: Tx,
  read: Reader,
  type: 'concern.acknowledged' | 'concern.resolved',
  a: { raw: string; by: Actor; note: string; ts: string; who: { user: string; source: CommandSource } | undefined },
): string {
  const c = findConcern(read, a.raw);
  if (c.status === 'resolved') throw new InvalidInputError(`concern ${c.id} is already resolved`);
  const payload = {
    concern_id: c.id,
    by: a.by,
    note: a.note || null,
    ...(a.who ? { user: a.who.user, source: a.who.source } : {}),
  };
  tx.append({ type, actor: a.by, ts: a.ts, payload });
  return c.id;
}

/**
 * Who already acknowledged this concern for the human, when that is where it stands: the human's latest
 * acknowledgement with no escalation since (an escalation asks for attention again). Read inside the write
 * transaction that would acknowledge it, so the first of two racing acknowledgements wins.
 */
export function humanAcknowledgement(
  tx: Tx,
  concernId: string,
): { user: string; source: string | null; at: string } | null {
  const row = tx.db
    .prepare<[string], { type: string; ts: number | string; payload: string }>(
      `SELECT type, ts, payload FROM events WHERE type IN ('concern.acknowledged', 'concern.escalated')
         AND json_extract(payload, '$.concern_id') = ? ORDER BY seq DESC LIMIT 1`,
    )
    .get(concernId);
  if (row?.type !== 'concern.acknowledged') return null;
  const p = EventPayloads['concern.acknowledged'].parse(JSON.parse(row.payload));
  if (p.by !== 'Human') return null;
  return { user: p.user ?? 'Human', source: p.source ?? null, at: decodeTs(row.ts) };
}

export function resolveConcern(
  tx: Tx,
  read: Reader,
  raw: string,
  by: Actor,
  note: string,
  ts: string,
  who?: { user: string; source: CommandSource },
): string {
  return closeOrAck(tx, read, 'concern.resolved', { raw, by, note, ts, who });
}

export function assignConcern(
  tx: Tx,
  read: Reader,
  raw: string,
  to: AgentName,
  by: Actor,
  note: string,
  ts: string,
  who?: { user: string; source: CommandSource },
): string {
  const c = findConcern(read, raw);
  if (c.status === 'resolved') throw new InvalidInputError(`concern ${c.id} is already resolved`);
  tx.append({
    type: 'concern.assigned',
    actor: by,
    ts,
    payload: {
      concern_id: c.id,
      by,
      assigned_to: to,
      note: note || null,
      ...(who ? { user: who.user, source: who.source } : {}),
    },
  });
  return c.id;
}

export function escalateConcern(
  tx: Tx,
  read: Reader,
  raw: string,
  to: Actor,
  by: Actor,
  reason: string,
  ts: string,
): string {
  const c = findConcern(read, raw);
  if (c.status === 'resolved') throw new InvalidInputError(`concern ${c.id} is already resolved`);
  tx.append({ type: 'concern.escalated', actor: by, ts, payload: { concern_id: c.id, from: c.to, to, reason } });
  return c.id;
}

/** A new task for an agent in the current phase (`/assign Implementer fix optimizer config bug`). */
export function assignTask(tx: Tx, read: Reader, agent: AgentName, title: string, commandId: string | null): string {
  const project = read.project();
  if (!project) throw new InvalidInputError('the project has not been initialised');
  const id = nextId.task(tx.db);
  tx.append({
    type: 'task.assigned',
    actor: 'Human',
    payload: {
      task: {
        id,
        phase: project.phase,
        title,
        agent,
        status: 'To Do',
        depends_on: [],
        commentary: 'Assigned by Human',
        links: [],
      },
      command_id: commandId,
    },
  });
  return id;
}
