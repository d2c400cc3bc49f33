import type Database from 'better-sqlite3';
import { type Review, Timestamp } from '../../../shared/index.ts';
import { docQueries } from './doc-queries.ts';

/** A review's request time, as the (phase, requested_at) index holds it (migration 10). */
const REQUESTED_AT = "json_extract(doc, '$.requested_at')";
/** The ledger's `Timestamp` form (ISO-8601 UTC to the second or finer), as a GLOB: these compare by their text. */
const ISO_GLOB = '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z';

/**
 * The reviews the test results and the QA report sign off (render/signoff.ts, sources.ts's results loaders),
 * read from the newest run's and gate's time on, so a long phase's earlier reviews are never read.
 */
export function resultReviewReads(db: Database.Database) {
  const { docs } = docQueries(db);
  return {
    /**
     * What the results documents sign off (render/signoff.ts): the reviews of the newest test run's phase
     * requested at or after that run, and of the newest gate's phase at or after that gate.
     */
    resultScopes: (): Array<{ phase: number; since: string }> => {
      const newest = (table: 'test_runs' | 'gates') =>
        db
          .prepare<[], { phase: number; at: unknown }>(
            `SELECT phase, json_extract(doc, '$.at') AS at FROM ${table} ORDER BY seq DESC LIMIT 1`,
          )
          .get();
      return [newest('test_runs'), newest('gates')].flatMap((r) =>
        r && typeof r.at === 'string' ? [{ phase: r.phase, since: r.at }] : [],
      );
    },
    /**
     * The reviews of each scope's phase requested at or after its `since` that mention one of `paths` (or
     * more: the caller checks what they cover and compares the instants), in the order of `reviews()`,
     * through the (phase, requested_at) index: a phase's older reviews are not read, and a review naming
     * none of the paths is not parsed. An ISO-8601 UTC time at or after `since` has its first 19 characters
     * (to the second) at or after since's, so comparing the text with that prefix misses none; a review
     * whose time is in another form cannot be compared by its text and is always taken.
     */
    reviewsMentioning(paths: readonly string[], scopes: ReadonlyArray<{ phase: number; since: string }>): Review[] {
      if (scopes.length === 0 || paths.length === 0) return [];
      const args: Array<number | string> = [];
      const parts = scopes.map(({ phase, since }) => {
        if (!Timestamp.safeParse(since).success) {
          args.push(phase);
          return 'SELECT rowid FROM reviews WHERE phase = ?';
        }
        args.push(phase, since.slice(0, 19), phase, since.slice(0, 19));
        return (
          `SELECT rowid FROM reviews WHERE phase = ? AND ${REQUESTED_AT} >= ? UNION ` +
          `SELECT rowid FROM reviews WHERE phase = ? AND ${REQUESTED_AT} < ? AND ${REQUESTED_AT} NOT GLOB '${ISO_GLOB}'`
        );
      });
      // A path in a review's JSON is its text as written (JSON escapes no character a path here holds).
      const mentions = paths.map(() => 'instr(doc, ?) > 0').join(' OR ');
      return docs(
        `SELECT doc FROM reviews WHERE rowid IN (${parts.join(' UNION ')}) AND (${mentions}) ORDER BY seq, id`,
        ...args,
        ...paths,
      );
    },
  };
}
