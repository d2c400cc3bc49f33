import type { Actor, AgentName } from '../../../shared/index.ts';
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

export function ackConcern(tx: Tx, read: Reader, raw: string, by: Actor, note: string, ts: string): string {
  const c = findConcern(read, raw);
  if (c.status === 'resolved') throw new InvalidInputError(`concern ${c.id} is already resolved`);
  tx.append({ type: 'concern.acknowledged', actor: by, ts, payload: { concern_id: c.id, by, note: note || null } });
  return c.id;
}

export function resolveConcern(tx: Tx, read: Reader, raw: string, by: Actor, note: string, ts: string): string {
  const c = findConcern(read, raw);
  if (c.status === 'resolved') throw new InvalidInputError(`concern ${c.id} is already resolved`);
  tx.append({ type: 'concern.resolved', actor: by, ts, payload: { concern_id: c.id, by, note: note || null } });
  return c.id;
}

export function assignConcern(
  tx: Tx,
  read: Reader,
  raw: string,
  to: AgentName,
  by: Actor,
  note: string,
  ts: string,
): string {
  const c = findConcern(read, raw);
  if (c.status === 'resolved') throw new InvalidInputError(`concern ${c.id} is already resolved`);
  tx.append({
    type: 'concern.assigned',
    actor: by,
    ts,
    payload: { concern_id: c.id, by, assigned_to: to, note: note || null },
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
