import type Database from 'better-sqlite3';

/** At most this many distinct reads are held between two changes (a step makes a few dozen). */
const MAX_HELD = 256;

/**
 * The projections' rows as last read, held until the database changes, so a read repeated between two
 * writes (the loop asks for the project row at every turn; the exports read the same lists for several
 * documents) costs one check instead of a query. Hand-written because the check is SQLite's own and cheap:
 * `total_changes()` counts every row this connection changed (appends, projections, a rebuild), and
 * `PRAGMA data_version` moves when any other connection commits: another process (a `governor decide` in
 * a terminal) or another Ledger on the same file. Either moving drops everything held.
 *
 * Rows are handed out shared: callers parse them into fresh objects, never hand them on. Nothing is held
 * from inside a transaction (a rollback would not move either counter, and the rows read after its writes
 * would outlive them); reads there still use what was held before its first write.
 */
export function rowCache(db: Database.Database) {
  let changes = -1;
  let version = -1;
  const held = new Map<string, readonly unknown[]>();
  const current = (): void => {
    const c = db.prepare<[], { c: number }>('SELECT total_changes() AS c').get()?.c ?? -1;
    const v = db.pragma('data_version', { simple: true }) as number;
    if (c !== changes || v !== version || c < 0) {
      held.clear();
      changes = c;
      version = v;
    }
  };
  const read = <R>(key: string, load: () => R[]): readonly R[] => {
    current();
    const hit = held.get(key);
    if (hit) return hit as readonly R[];
    const rows = load();
    if (!db.inTransaction) {
      if (held.size >= MAX_HELD) held.clear();
      held.set(key, rows);
    }
    return rows;
  };
  return {
    /** Every row of `sql` with these parameters. */
    all<R>(sql: string, params: readonly unknown[]): readonly R[] {
      return read(`a\u0000${sql}\u0000${JSON.stringify(params)}`, () => db.prepare<unknown[], R>(sql).all(...params));
    },
    /** The first row of `sql` with these parameters, if any. */
    first<R>(sql: string, params: readonly unknown[]): R | undefined {
      return read(`g\u0000${sql}\u0000${JSON.stringify(params)}`, () => {
        const row = db.prepare<unknown[], R>(sql).get(...params);
        return row === undefined ? [] : [row];
      })[0];
    },
  };
}
