import { describe, expect, it } from 'vitest';
import type { ReviewCursor } from '../shared/contract.ts';
import { dispatch } from '../electron/core/api.ts';
import { pagedHistory } from './support/paged-history.ts';

/**
 * The Reviews view on a long history: `reviews.list` reads a page, never the list (a busy year holds a
 * thousand decided reviews, and every refresh of the view read them all). Rows are counted as
 * bounded-reads-concerns.test.ts counts them, and the page's statements are checked against SQLite's own
 * query plan: a walk of the status index from the cursor, no sort.
 */
const h = pagedHistory({ history: 120_000, table: 'reviews', timeoutMs: 180_000 });

const allReviews = () =>
  h.p.ledger.db.prepare<[], { id: string; status: string; seq: number }>('SELECT id, status, seq FROM reviews').all();

describe('reviews.list pages the history', () => {
  it('reads a page of rows, first page or deep, whatever the history holds', async () => {
    expect(allReviews().filter((r) => r.status === 'decided').length).toBeGreaterThan(100);
    const first = await h.counted(() => dispatch(h.api, 'reviews.list', { limit: 40 }));
    expect(first.value.items).toHaveLength(40);
    expect(first.value.next).not.toBeNull();
    // The page, the one past it (is there more?), and the two counts by status.
    expect(first.rows).toBeLessThanOrEqual(40 + 2 + 2);
    const deep = await h.counted(() =>
      dispatch(h.api, 'reviews.list', { limit: 40, after: first.value.next ?? undefined }),
    );
    expect(deep.value.items).toHaveLength(40);
    expect(deep.rows).toBeLessThanOrEqual(40 + 2 + 2);
  });

  it('walks the status index from the cursor: no scan, no sort', () => {
    const pages = [...h.statements].filter((s) => /FROM reviews WHERE status = \?/.test(s));
    expect(pages.length).toBeGreaterThan(0);
    for (const sql of pages) {
      const plan = h.p.ledger.db
        .prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .all('decided', Number.MAX_SAFE_INTEGER, 10)
        .map((r) => String((r as { detail: string }).detail))
        .join('\n');
      expect(plan, sql).toMatch(/SEARCH reviews USING (COVERING )?INDEX reviews_status \(status=\? AND seq<\?\)/);
      expect(plan, sql).not.toMatch(/\bSCAN reviews\b|TEMP B-TREE/);
    }
  });

  it('every review once, pending ones first, each side newest first, across pages', async () => {
    const seen: Array<{ id: string; status: string }> = [];
    let after: ReviewCursor | undefined;
    let pages = 0;
    do {
      const page = await dispatch(h.api, 'reviews.list', { limit: 33, ...(after ? { after } : {}) });
      seen.push(...page.items.map((r) => ({ id: r.id, status: r.status })));
      expect(page.totals.pending + page.totals.decided).toBe(allReviews().length);
      after = page.next ?? undefined;
      pages += 1;
    } while (after && pages < 1_000);
    const every = allReviews();
    expect(seen.map((r) => r.id).sort()).toEqual(every.map((r) => r.id).sort());
    const firstDecided = seen.findIndex((r) => r.status === 'decided');
    expect(seen.slice(firstDecided).every((r) => r.status === 'decided')).toBe(true);
    const seqOf = new Map(every.map((r) => [r.id, r.seq]));
    const order = seen.slice(firstDecided).map((r) => seqOf.get(r.id) ?? 0);
    expect(order.every((x, i) => i === 0 || x < (order[i - 1] ?? 0))).toBe(true);
  });

  it("lists one document's reviews, and pending ones only when asked", async () => {
    const path = 'docs/PROJECT_VARIATIONS.md';
    const mine = await dispatch(h.api, 'reviews.list', { path, limit: 500 });
    expect(mine.items.length).toBeGreaterThan(100);
    expect(mine.items.every((r) => r.subject.path === path)).toBe(true);
    expect(mine.totals.pending + mine.totals.decided).toBe(mine.items.length);
    const open = await dispatch(h.api, 'reviews.list', { open: true });
    expect(open.items.every((r) => r.status === 'pending')).toBe(true);
    expect(open.items.length).toBe(open.totals.pending);
  });
});
