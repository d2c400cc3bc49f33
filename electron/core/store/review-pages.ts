import type Database from 'better-sqlite3';
import type { ReviewCursor } from '../../../shared/contract.ts';
import type { Review } from '../../../shared/index.ts';

/**
 * The Reviews view's reads, a page at a time: pending reviews newest first, then decided ones newest first,
 * each a walk of the (status, seq) index from the cursor (or, for one document's reviews, of the subject
 * index), so a page costs its own rows whatever the history holds.
 */
export function reviewPages(db: Database.Database) {
  const SUBJECT = "json_extract(doc, '$.subject.path')";
  const page = (status: 'pending' | 'decided', path: string | undefined, before: number, n: number) =>
    (path === undefined
      ? db
          .prepare<[string, number, number], { seq: number; doc: string }>(
            'SELECT seq, doc FROM reviews WHERE status = ? AND seq < ? ORDER BY seq DESC LIMIT ?',
          )
          .all(status, before, n)
      : db
          .prepare<[string, string, number, number], { seq: number; doc: string }>(
            // A document has a few reviews: its subject index finds them, the status is checked on each.
            `SELECT seq, doc FROM reviews INDEXED BY reviews_subject WHERE ${SUBJECT} = ? AND status = ? AND ` +
              'seq < ? ORDER BY seq DESC LIMIT ?',
          )
          .all(path, status, before, n)
    ).map((r) => ({ seq: r.seq, review: JSON.parse(r.doc) as Review }));
  return {
    reviewPage(q: { openOnly: boolean; path?: string | undefined; limit: number; after?: ReviewCursor | undefined }): {
      items: Review[];
      next: ReviewCursor | null;
    } {
      const end = Number.MAX_SAFE_INTEGER;
      const pending = q.after?.decided ? [] : page('pending', q.path, q.after?.seq ?? end, q.limit + 1);
      if (pending.length > q.limit) {
        const kept = pending.slice(0, q.limit);
        return { items: kept.map((r) => r.review), next: { decided: false, seq: kept.at(-1)?.seq ?? 0 } };
      }
      if (q.openOnly) return { items: pending.map((r) => r.review), next: null };
      const room = q.limit - pending.length;
      const decided = page('decided', q.path, q.after?.decided ? q.after.seq : end, room + 1);
      const kept = decided.slice(0, room);
      // A page that the pending ones filled exactly continues at the newest decided one.
      const next = decided.length > room ? { decided: true, seq: kept.at(-1)?.seq ?? end } : null;
      return { items: [...pending, ...kept].map((r) => r.review), next };
    },
    /**
     * How many reviews there are by status (of one document, with `path`). Counted on the status index:
     * a busy year holds a thousand reviews, so this stays well under a millisecond.
     */
    reviewTotals(path?: string): { pending: number; decided: number } {
      const rows =
        path === undefined
          ? db
              .prepare<[], { status: string; n: number }>('SELECT status, COUNT(*) AS n FROM reviews GROUP BY status')
              .all()
          : db
              .prepare<[string], { status: string; n: number }>(
                `SELECT status, COUNT(*) AS n FROM reviews INDEXED BY reviews_subject WHERE ${SUBJECT} = ? ` +
                  'GROUP BY status',
              )
              .all(path);
      const n = (s: string) => rows.find((r) => r.status === s)?.n ?? 0;
      return { pending: n('pending'), decided: n('decided') };
    },
  };
}
