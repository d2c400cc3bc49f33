import { describe, expect, it } from 'vitest';
import type { ConcernCursor } from '../shared/contract.ts';
import { dispatch } from '../electron/core/api.ts';
import { pagedHistory } from './support/paged-history.ts';

/**
 * The Concerns view on a long history: `concerns.list` reads a page, never the list. A year of history
 * holds ~100k resolved concerns, and reading them all blocked the host for a third of a second. Rows are
 * counted as bounded-reads.test.ts counts them (every statement's `all`/`get`/`iterate` through a wrapped
 * `prepare`), and the page's statements are checked against SQLite's own query plan: a walk of the status
 * index from the cursor, with no sort of the whole table.
 */
const h = pagedHistory({ history: 8_000, table: 'concerns', timeoutMs: 120_000 });

const allConcerns = () =>
  h.p.ledger.db.prepare<[], { id: string; status: string; seq: number }>('SELECT id, status, seq FROM concerns').all();

describe('concerns.list pages the history', () => {
  it('the fill has thousands of resolved concerns and a few open ones', () => {
    const every = allConcerns();
    expect(every.filter((c) => c.status === 'resolved').length).toBeGreaterThan(500);
    expect(every.filter((c) => c.status !== 'resolved').length).toBeGreaterThan(0);
  });

  it('reads a page of rows, first page or deep, whatever the history holds', async () => {
    const first = await h.counted(() => dispatch(h.api, 'concerns.list', { limit: 50 }));
    expect(first.value.items).toHaveLength(50);
    expect(first.value.next).not.toBeNull();
    // The page, the one past it (is there more?), and the counters by severity and status (a dozen at most).
    expect(first.rows).toBeLessThanOrEqual(50 + 2 + 12);
    const after = first.value.next ?? undefined;
    const deep = await h.counted(() => dispatch(h.api, 'concerns.list', { limit: 50, after }));
    expect(deep.value.items).toHaveLength(50);
    expect(deep.rows).toBeLessThanOrEqual(50 + 2 + 12);
    const open = await h.counted(() => dispatch(h.api, 'concerns.list', { open: true }));
    expect(open.value.items.every((c) => c.status !== 'resolved')).toBe(true);
    expect(open.rows).toBeLessThanOrEqual(open.value.items.length + 2 + 12);
  });

  it('walks the status index from the cursor: no scan, no sort of the resolved ones', () => {
    const pages = [...h.statements].filter((s) => /FROM concerns WHERE status IN/.test(s));
    expect(pages.length).toBeGreaterThan(0);
    for (const sql of pages) {
      const plan = h.p.ledger.db
        .prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .all(Number.MAX_SAFE_INTEGER, 10)
        .map((r) => String((r as { detail: string }).detail))
        .join('\n');
      expect(plan, sql).toMatch(/SEARCH concerns USING INDEX concerns_status \(status=\? AND seq<\?\)/);
      expect(plan, sql).not.toMatch(/\bSCAN concerns\b/);
      if (sql.includes("'resolved'")) expect(plan, sql).not.toMatch(/TEMP B-TREE/);
    }
  });

  it('every concern once, open ones first, each side newest first, across pages', async () => {
    const seen: Array<{ id: string; status: string }> = [];
    let after: ConcernCursor | undefined;
    let pages = 0;
    do {
      const page = await dispatch(h.api, 'concerns.list', { limit: 97, ...(after ? { after } : {}) });
      seen.push(...page.items.map((c) => ({ id: c.id, status: c.status })));
      expect(page.totals.open + page.totals.resolved).toBe(allConcerns().length);
      after = page.next ?? undefined;
      pages += 1;
    } while (after && pages < 1_000);
    const every = allConcerns();
    expect(seen.map((c) => c.id).sort()).toEqual(every.map((c) => c.id).sort());
    const firstResolved = seen.findIndex((c) => c.status === 'resolved');
    expect(seen.slice(firstResolved).every((c) => c.status === 'resolved')).toBe(true);
    const seqOf = new Map(every.map((c) => [c.id, c.seq]));
    const order = (list: typeof seen) => list.map((c) => seqOf.get(c.id) ?? 0);
    const descending = (xs: number[]) => xs.every((x, i) => i === 0 || x < (xs[i - 1] ?? 0));
    expect(descending(order(seen.slice(0, firstResolved)))).toBe(true);
    expect(descending(order(seen.slice(firstResolved)))).toBe(true);
  });

  it('a page the open ones fill exactly goes on with the newest resolved one', async () => {
    const open = (await dispatch(h.api, 'concerns.list', { open: true })).items.length;
    const page = await dispatch(h.api, 'concerns.list', { limit: open });
    expect(page.items.every((c) => c.status !== 'resolved')).toBe(true);
    expect(page.next).toEqual({ resolved: true, seq: Number.MAX_SAFE_INTEGER });
    const rest = await dispatch(h.api, 'concerns.list', { limit: 1, after: page.next ?? undefined });
    expect(rest.items[0]?.status).toBe('resolved');
    expect((await dispatch(h.api, 'concerns.list', { open: true, limit: open })).next).toBeNull();
  });

  it('concerns.get finds an old resolved one the first page does not hold', async () => {
    const oldest = h.p.ledger.db
      .prepare<[], { id: string }>("SELECT id FROM concerns WHERE status = 'resolved' ORDER BY seq LIMIT 1")
      .get();
    expect(oldest).toBeDefined();
    const id = oldest?.id ?? '';
    const first = await dispatch(h.api, 'concerns.list', {});
    expect(first.items.some((c) => c.id === id)).toBe(false);
    expect(await dispatch(h.api, 'concerns.get', { id })).toMatchObject({ id, status: 'resolved' });
  });
});
