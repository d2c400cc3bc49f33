import type Database from 'better-sqlite3';

/**
 * Human-friendly ids in the seed's style (`concern_0372`, `cmd_20251029_001`, `handoff_20251029_004`).
 * They are allocated inside the write transaction from the projection's row count, so two
 * processes can never hand out the same one.
 */
const pad = (n: number, w: number) => String(n).padStart(w, '0');
// Rows of these projections are only ever added (a rebuild empties them first), so the highest rowid is
// their count, found in one b-tree step: COUNT(*) walked 100,000 commands on every command.
const count = (db: Database.Database, table: string) =>
  db.prepare<[], { n: number }>(`SELECT COALESCE(MAX(rowid), 0) AS n FROM ${table}`).get()?.n ?? 0;
const day = (ts: string) => ts.slice(0, 10).replaceAll('-', '');

export const nextId = {
  review: (db: Database.Database) => `review_${pad(count(db, 'reviews') + 1, 4)}`,
  concern: (db: Database.Database) => `concern_${pad(count(db, 'concerns') + 1, 4)}`,
  variation: (db: Database.Database) => ({
    id: `variation_${pad(count(db, 'variations') + 1, 4)}`,
    number: count(db, 'variations') + 1,
  }),
  clarification: (db: Database.Database) => `clarification_${pad(count(db, 'clarifications') + 1, 4)}`,
  handoff: (db: Database.Database, ts: string) => `handoff_${day(ts)}_${pad(count(db, 'handoffs') + 1, 3)}`,
  command: (db: Database.Database, ts: string) => `cmd_${day(ts)}_${pad(count(db, 'commands') + 1, 3)}`,
  response: (db: Database.Database) => `resp_${pad(count(db, 'responses') + 1, 4)}`,
  gitAction: (db: Database.Database) => `git_${pad(count(db, 'git_actions') + 1, 4)}`,
  testRun: (db: Database.Database) => `run_${pad(count(db, 'test_runs') + 1, 4)}`,
  task: (db: Database.Database) => {
    const ids = db
      .prepare<[], { id: string }>('SELECT id FROM tasks')
      .all()
      .map((r) => Number(r.id.slice(1)) || 0);
    return `T${Math.max(0, ...ids) + 1}`;
  },
};

/** Accept `review_0003`, `0003` or `3` for a review (likewise concerns): what people type on a phone. */
export function normaliseId(kind: 'review' | 'concern' | 'variation' | 'clarification', raw: string): string {
  const t = raw.trim().replace(/^#/, '');
  if (/^\d+$/.test(t)) return `${kind}_${pad(Number(t), 4)}`;
  return t;
}
