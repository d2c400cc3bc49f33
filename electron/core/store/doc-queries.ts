import type Database from 'better-sqlite3';

/**
 * The two shapes most reads take: rows of a projection's JSON `doc` column, parsed, and the one row a key
 * finds (or null). Shared by the reader and the query groups composed into it.
 */
export function docQueries(db: Database.Database) {
  return {
    docs: <T>(sql: string, ...params: unknown[]): T[] =>
      db
        .prepare<unknown[], { doc: string }>(sql)
        .all(...params)
        .map((r) => JSON.parse(r.doc) as T),
    one: <T>(sql: string, ...params: unknown[]): T | null => {
      const r = db.prepare<unknown[], { doc: string }>(sql).get(...params);
      return r ? (JSON.parse(r.doc) as T) : null;
    },
  };
}
