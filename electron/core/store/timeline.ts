import type { CallRequest, CallResponse } from '../../../shared/contract.ts';
import type { Ledger } from './ledger.ts';

type Query = CallRequest<'ledger.page'>;
type Row = { seq: number; id: string; ts: string; type: string; actor: string; payload: string };

/**
 * One page of the audit timeline, newest first, below `before`. Filters combine with AND and `total`
 * counts what matches them, so the UI can say "1,204 of the chosen events" rather than the whole ledger.
 */
export function timelinePage(ledger: Ledger, { before, limit = 100, types, actors, phase, text }: Query): CallResponse<'ledger.page'> {
  const where: string[] = [];
  const args: unknown[] = [];
  if (types && types.length > 0) {
    where.push(`type IN (${types.map(() => '?').join(',')})`);
    args.push(...types);
  }
  if (actors && actors.length > 0) {
    where.push(`actor IN (${actors.map(() => '?').join(',')})`);
    args.push(...actors);
  }
  if (phase !== undefined) {
    // Events without a phase (alerts, commands…) belong to no phase, so they drop out.
    where.push("json_extract(payload, '$.phase') = ?");
    args.push(phase);
  }
  const q = text?.trim();
  if (q) {
    // A literal substring, case-insensitive (SQLite's LIKE folds ASCII): % and _ typed by the user are escaped.
    const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push("(payload LIKE ? ESCAPE '\\' OR type LIKE ? ESCAPE '\\' OR actor LIKE ? ESCAPE '\\' OR id LIKE ? ESCAPE '\\')");
    args.push(like, like, like, like);
  }
  const total = where.length > 0 ? (ledger.db.prepare<unknown[], { n: number }>(`SELECT COUNT(*) AS n FROM events WHERE ${where.join(' AND ')}`).get(...args)?.n ?? 0) : ledger.count();
  if (before !== undefined) {
    where.push('seq < ?');
    args.push(before);
  }
  const sql = `SELECT seq, id, ts, type, actor, payload FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
  const rows = ledger.db.prepare<unknown[], Row>(sql).all(...args, limit);
  return { events: rows.map((r) => ({ ...r, actor: r.actor as never, payload: JSON.parse(r.payload) as unknown })), total };
}
