import type { CallRequest, CallResponse } from '../../../shared/contract.ts';
import type { Ledger } from './ledger.ts';
import { searchQuery } from './search.ts';
import { decodeTs } from './chain.ts';

type Query = CallRequest<'ledger.page'>;
type Row = { seq: number; id: string; ts: number | string; type: string; actor: string; payload: string };

/**
 * Counts stop here: past it the view says "more than 10,000", since an exact count of a filter over a
 * million events would walk all of them, and nobody reads the difference between 10,001 and 700,000 off
 * a scroll bar.
 */
export const COUNT_CAP = 10_000;

const COLUMNS = 'e.seq, e.id, e.ts, e.type, e.actor, e.payload';

/**
 * One page of the audit timeline, newest first, below `before`. Filters combine with AND. Each filter is
 * one query on the search index (search.ts), which walks its posting lists from the newest event down and
 * stops after the page: the time depends on the page, not on the ledger. `total` counts what matches
 * (the whole ledger when nothing is set), up to COUNT_CAP; `total_capped` says there are more.
 */
export function timelinePage(ledger: Ledger, { before, limit = 100, types, actors, phase, text }: Query): CallResponse<'ledger.page'> {
  const db = ledger.db;
  const below = before ?? Number.MAX_SAFE_INTEGER;
  const match = searchQuery({ types, actors, phase, text });
  if (match === null) {
    const rows = db.prepare<[number, number], Row>(`SELECT ${COLUMNS} FROM events e WHERE e.seq < ? ORDER BY e.seq DESC LIMIT ?`).all(below, limit);
    return { events: rows.map(toTimeline), total: ledger.count(), total_capped: false };
  }
  const q = text?.trim() ?? '';
  // An event id (a ULID) is not a word of any event: look it up as what it is.
  const byId = q && !/\s/.test(q) ? ledger.byId(q) : null;
  if (byId) {
    const only = searchQuery({ types, actors, phase });
    const passes = only === null || db.prepare<[string, number], { n: number }>('SELECT 1 AS n FROM events_search WHERE events_search MATCH ? AND rowid = ?').get(only, byId.seq) !== undefined;
    const events = passes && byId.seq < below ? [{ seq: byId.seq, id: byId.id, ts: byId.ts, type: byId.type, actor: byId.actor, payload: byId.payload }] : [];
    return { events, total: passes ? 1 : 0, total_capped: false };
  }
  if (match === '') return { events: [], total: 0, total_capped: false };
  // Words match the starts of words. Text with punctuation inside it (`cmd_20261125_003`, `phase1/pm`) must
  // also appear as typed: the index finds the few candidates, and the substring check (ASCII case folded,
  // as LIKE did before) keeps the right ones.
  const literal = /[^\p{L}\p{N}\s]/u.test(q) ? q.toLowerCase() : null;
  const exact = literal === null ? '' : 'AND (instr(lower(e.payload), ?) OR instr(lower(e.type), ?) OR instr(lower(e.actor), ?))';
  const exactArgs = literal === null ? [] : [literal, literal, literal];
  const from = `FROM events_search s JOIN events e ON e.seq = s.rowid WHERE s.events_search MATCH ? ${exact}`;
  const rows = db
    .prepare<unknown[], Row>(`SELECT ${COLUMNS} ${from} AND s.rowid < ? ORDER BY s.rowid DESC LIMIT ?`)
    .all(match, ...exactArgs, below, limit);
  const n = db.prepare<unknown[], { n: number }>(`SELECT count(*) AS n FROM (SELECT 1 ${from} LIMIT ?)`).get(match, ...exactArgs, COUNT_CAP + 1)?.n ?? 0;
  return { events: rows.map(toTimeline), total: Math.min(n, COUNT_CAP), total_capped: n > COUNT_CAP };
}

function toTimeline(r: Row) {
  return { seq: r.seq, id: r.id, ts: decodeTs(r.ts), type: r.type, actor: r.actor as never, payload: JSON.parse(r.payload) as unknown };
}
