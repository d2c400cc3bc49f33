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

/** A filter as the search index runs it: the FTS5 query, plus the literal text a match must contain. */
interface Filter {
  match: string;
  literal: string | null;
}

/**
 * One page of the audit timeline, newest first, below `before`. Filters combine with AND. Each filter is
 * one query on the search index (search.ts) that reads a page worth of its posting lists: the time depends
 * on the page, not on the ledger. `total` counts what matches (the whole ledger when nothing is set), up
 * to COUNT_CAP; `total_capped` says there are more.
 */
export function timelinePage(
  ledger: Ledger,
  { before, limit = 100, types, actors, phase, text }: Query,
): CallResponse<'ledger.page'> {
  const db = ledger.db;
  const below = before ?? Number.MAX_SAFE_INTEGER;
  const match = searchQuery({ types, actors, phase, text });
  if (match === null) {
    const rows = db
      .prepare<[number, number], Row>(`SELECT ${COLUMNS} FROM events e WHERE e.seq < ? ORDER BY e.seq DESC LIMIT ?`)
      .all(below, limit);
    return { events: rows.map(toTimeline), total: ledger.count(), total_capped: false };
  }
  const q = text?.trim() ?? '';
  // An event id (a ULID) is not a word of any event: look it up as what it is.
  const byId = q && !/\s/.test(q) ? ledger.byId(q) : null;
  if (byId) {
    const only = searchQuery({ types, actors, phase });
    const passes =
      only === null ||
      db
        .prepare<[string, number], { n: number }>(
          'SELECT 1 AS n FROM events_search WHERE events_search MATCH ? AND rowid = ?',
        )
        .get(only, byId.seq) !== undefined;
    const events =
      passes && byId.seq < below
        ? [{ seq: byId.seq, id: byId.id, ts: byId.ts, type: byId.type, actor: byId.actor, payload: byId.payload }]
        : [];
    return { events, total: passes ? 1 : 0, total_capped: false };
  }
  if (match === '') return { events: [], total: 0, total_capped: false };
  // Text with punctuation inside it (`cmd_20261125_003`, `phase1/pm`) must also appear as typed: the index
  // finds the few events holding its words, and a substring check (ASCII case folded, as LIKE did) keeps them.
  const f: Filter = { match, literal: /[^\p{L}\p{N}\s]/u.test(q) ? q.toLowerCase() : null };
  const rows = pageRows(ledger, f, before, limit);
  // A first page that is not full is everything there is.
  if (before === undefined && rows.length < limit)
    return { events: rows.map(toTimeline), total: rows.length, total_capped: false };
  const n = countMatches(ledger, f);
  return { events: rows.map(toTimeline), total: Math.min(n, COUNT_CAP), total_capped: n > COUNT_CAP };
}

function fromClause(f: Filter): { sql: string; args: unknown[] } {
  const exact =
    f.literal === null ? '' : 'AND (instr(lower(e.payload), ?) OR instr(lower(e.type), ?) OR instr(lower(e.actor), ?))';
  return {
    sql: `FROM events_search s JOIN events e ON e.seq = s.rowid WHERE s.events_search MATCH ? ${exact}`,
    args: f.literal === null ? [f.match] : [f.match, f.literal, f.literal, f.literal],
  };
}

/** The newest `limit` matches below `before`: FTS5 walks its posting lists backwards and stops after the page. */
function pageRows(ledger: Ledger, f: Filter, before: number | undefined, limit: number): Row[] {
  const { sql, args } = fromClause(f);
  return ledger.db
    .prepare<unknown[], Row>(`SELECT ${COLUMNS} ${sql} AND s.rowid < ? ORDER BY s.rowid DESC LIMIT ?`)
    .all(...args, before ?? Number.MAX_SAFE_INTEGER, limit);
}

/**
 * How many events match, up to COUNT_CAP + 1. Events are only ever appended, so a count taken up to some
 * seq stays true below it: each ledger keeps its last counts and adds only what matched since.
 */
const counts = new WeakMap<Ledger, Map<string, { n: number; upTo: number }>>();
const KEEP_COUNTS = 32;

function countMatches(ledger: Ledger, f: Filter): number {
  let cache = counts.get(ledger);
  if (!cache) {
    cache = new Map();
    counts.set(ledger, cache);
  }
  const key = `${f.match}\u0000${f.literal ?? ''}`;
  const head = ledger.count();
  const prior = cache.get(key) ?? { n: 0, upTo: 0 };
  let n = prior.n;
  if (n <= COUNT_CAP && prior.upTo < head) {
    const { sql, args } = fromClause(f);
    // Bounded above by the head read first, so an append by another process meanwhile is counted next time.
    n +=
      ledger.db
        .prepare<unknown[], { n: number }>(
          `SELECT count(*) AS n FROM (SELECT 1 ${sql} AND s.rowid > ? AND s.rowid <= ? LIMIT ?)`,
        )
        .get(...args, prior.upTo, head, COUNT_CAP + 1 - n)?.n ?? 0;
  }
  cache.delete(key);
  cache.set(key, { n, upTo: head });
  if (cache.size > KEEP_COUNTS) cache.delete(cache.keys().next().value ?? '');
  return n;
}

function toTimeline(r: Row) {
  return {
    seq: r.seq,
    id: r.id,
    ts: decodeTs(r.ts),
    type: r.type,
    actor: r.actor as never,
    payload: JSON.parse(r.payload) as unknown,
  };
}
