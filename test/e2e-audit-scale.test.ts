import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { bigProject, fillEvent } from '../bench/big-ledger.ts';
import type { InPage } from './support/in-page.ts';
import { uiTransports } from '../e2e/targets/target.ts';
import { type UiPage, openUiPage, uiPageUnavailable } from './support/hosted-page.ts';
import { tempDir } from './support/tmp.ts';

/**
 * The audit timeline on a 100,000-event ledger, in real Chromium: it pages as you scroll to the very
 * first event without ever rendering more than a screenful, filters by type, agent and phase on the host,
 * searches the whole ledger, shows an event's JSON, and verifies the chain.
 */
const N = 100_000;
const UI = { timeout: 30_000 };

interface ShownRow {
  seq: number;
  type: string;
  actor: string;
}

const rows = (page: Page): Promise<ShownRow[]> =>
  page.$$eval('[data-testid=timeline-row]', (els) =>
    els.map((e) => ({
      seq: Number(e.getAttribute('data-seq')),
      type: e.getAttribute('data-type') ?? '',
      actor: e.querySelector('.tl-actor')?.textContent ?? '',
    })),
  );

/** Wait until the timeline has settled on `total` matching events (the count is the host's answer). */
async function settledOn(page: Page, total: number): Promise<void> {
  await page.waitForFunction(
    (t) => {
      const { document } = globalThis as unknown as InPage;
      const c = document.querySelector('[data-testid=timeline-count]');
      return (
        c !== null &&
        c.getAttribute('data-total') === String(t) &&
        !c.textContent?.includes('loading') &&
        document.querySelectorAll('[data-testid=timeline-row]').length > 0
      );
    },
    total,
    UI,
  );
}

/** The big ledger every transport opens: filled once, then only read. */
let big: Promise<{ root: string; dir: string; firstSeq: number; total: number }> | null = null;
function bigLedger() {
  big ??= (async () => {
    const root = tempDir('governor-e2e-audit-');
    const dir = join(root, 'big');
    return { root, dir, ...(await bigProject(dir, N)) };
  })();
  return big;
}
afterAll(async () => {
  const b = await big?.catch(() => null);
  if (b) rmSync(b.root, { recursive: true, force: true });
});

for (const transport of uiTransports()) {
  const skip = uiPageUnavailable(transport);
  describe.skipIf(skip !== null)(`the audit timeline at 100,000 events (${transport})`, () => {
    let s: UiPage;
    let firstSeq: number;
    let total: number;
    /** What the fill put at a seq, or null for the project's own first events. */
    const expected = (seq: number) => (seq >= firstSeq ? fillEvent(seq - firstSeq) : null);
    const fillSeqs = (match: (e: ReturnType<typeof fillEvent>) => boolean) => {
      const out: number[] = [];
      for (let k = 0; k < N; k++) if (match(fillEvent(k))) out.push(firstSeq + k);
      return out;
    };
    /** Every row shown is the event the fill put there, and the rows run without gaps or repeats. */
    const checkWindow = (shown: ShownRow[], step: (seq: number) => number) => {
      for (const [i, r] of shown.entries()) {
        const e = expected(r.seq);
        if (e)
          expect({ seq: r.seq, type: r.type, actor: r.actor }).toEqual({ seq: r.seq, type: e.type, actor: e.actor });
        const next = shown[i + 1];
        if (next) expect(next.seq).toBe(step(r.seq));
      }
    };

    beforeAll(async () => {
      const b = await bigLedger();
      ({ firstSeq, total } = b);
      s = await openUiPage(transport, b.dir);
    });
    afterAll(async () => {
      await s?.close();
    });

    it('opens on the newest event, renders a screenful and counts them all', async () => {
      const { page } = s;
      await page.locator('body').press('5');
      await settledOn(page, total);
      expect(total).toBeGreaterThanOrEqual(N);
      const shown = await rows(page);
      expect(shown[0]?.seq).toBe(total);
      expect(shown.length).toBeLessThan(100);
      checkWindow(shown, (seq) => seq - 1);
      expect(await page.getByTestId('timeline-count').textContent()).toContain(`${total.toLocaleString('en')} events`);
    });

    it('scrolls all the way down to the first event, paging, with a bounded window', async () => {
      const { page } = s;
      const timeline = page.getByTestId('timeline');
      let lowest = total;
      for (let step = 0; lowest > 1; step++) {
        expect(step, 'scrolling stopped making progress').toBeLessThan(400);
        await timeline.evaluate((el) => {
          el.scrollTop = el.scrollHeight;
        });
        // Each jump to the bottom pulls in the next page of older events.
        lowest = await page
          .waitForFunction(
            (prev) => {
              const { document } = globalThis as unknown as InPage;
              const seqs = [...document.querySelectorAll('[data-testid=timeline-row]')].map((e) =>
                Number(e.getAttribute('data-seq')),
              );
              const min = Math.min(...seqs);
              return min < prev ? min : false;
            },
            lowest,
            UI,
          )
          .then((h) => h.jsonValue() as Promise<number>);
        if (step % 25 === 0) checkWindow(await rows(page), (seq) => seq - 1);
      }
      const shown = await rows(page);
      checkWindow(shown, (seq) => seq - 1);
      expect(shown.at(-1)).toMatchObject({ seq: 1, type: 'project.initialized' });
      expect(shown.length).toBeLessThan(100);
      await page.locator('.timeline-edge', { hasText: 'Start of the ledger.' }).waitFor(UI);
      const count = page.getByTestId('timeline-count');
      expect(Number(await count.getAttribute('data-total'))).toBe(total);
      // Only a bounded window of rows is held; the rest were dropped and would be fetched again.
      expect(Number(await count.getAttribute('data-loaded'))).toBeLessThanOrEqual(3000);
    });

    it('jumps back to the newest event', async () => {
      const { page } = s;
      await page.getByRole('button', { name: 'jump to newest' }).click();
      await settledOn(page, total);
      await page.waitForFunction(
        (t) =>
          (globalThis as unknown as InPage).document
            .querySelector('[data-testid=timeline-row]')
            ?.getAttribute('data-seq') === String(t),
        total,
        UI,
      );
    });

    it('filters by type on the host, and pages within the filter', async () => {
      const { page } = s;
      const want = fillSeqs((e) => e.type === 'qa.output_logged');
      await page
        .getByTestId('type-filter')
        .getByRole('button', { name: /Types:/ })
        .click();
      await page.locator('[data-testid=type-option][value="qa.output_logged"]').check();
      await page
        .getByTestId('type-filter')
        .getByRole('button', { name: /Types:/ })
        .click();
      await settledOn(page, want.length);
      expect(await page.getByTestId('timeline-count').textContent()).toContain(
        `${want.length.toLocaleString('en')} events match`,
      );
      const timeline = page.getByTestId('timeline');
      // Past the first page of 500: the next pages hold only the chosen type too, ten seqs apart.
      for (let i = 0; i < 3; i++) {
        await timeline.evaluate((el) => {
          el.scrollTop = el.scrollHeight;
        });
        await page.waitForFunction(
          (n) =>
            Number(
              (globalThis as unknown as InPage).document
                .querySelector('[data-testid=timeline-count]')
                ?.getAttribute('data-loaded'),
            ) >= n,
          500 * (i + 2),
          UI,
        );
      }
      const shown = await rows(page);
      expect(shown.every((r) => r.type === 'qa.output_logged')).toBe(true);
      expect(shown[0]?.seq).toBeLessThan(want.at(-1 - 1000) ?? 0);
      checkWindow(shown, (seq) => seq - 10);
      await page.getByTestId('type-filter').getByRole('button', { name: 'clear' }).click();
      await settledOn(page, total);
    });

    it('filters by agent and phase', async () => {
      const { page } = s;
      const want = fillSeqs((e) => e.actor === 'Designer' && (e.payload as { phase?: number }).phase === 2);
      expect(want.length).toBeGreaterThan(0);
      await page.getByTestId('actor-filter').selectOption('Designer');
      await page.getByTestId('phase-filter').fill('2');
      await settledOn(page, want.length);
      const shown = await rows(page);
      expect(shown.map((r) => r.seq)).toEqual(want.slice(-shown.length).reverse());
      expect(shown.every((r) => r.actor === 'Designer' && r.type === 'agent.usage_recorded')).toBe(true);
      await page.getByTestId('actor-filter').selectOption('');
      await page.getByTestId('phase-filter').fill('');
      await settledOn(page, total);
    });

    it('searches the whole ledger, not just what is loaded, and opens an event', async () => {
      const { page } = s;
      const q = 'alert 4242';
      // Whole words, in any order: "alert 42420" is not a match (a prefix is not a word).
      const words = (e: ReturnType<typeof fillEvent>) =>
        new Set(
          `${e.type} ${e.actor} ${Object.values(e.payload as object).join(' ')}`.toLowerCase().split(/[^a-z0-9]+/),
        );
      const want = fillSeqs((e) => words(e).has('alert') && words(e).has('4242'));
      expect(want).toHaveLength(1);
      await page.getByTestId('timeline-search').fill(q);
      await settledOn(page, want.length);
      expect((await rows(page)).map((r) => r.seq)).toEqual([...want].reverse());
      const target = firstSeq + 4242;
      await page.locator(`[data-testid=timeline-row][data-seq="${target}"]`).click();
      const json = page.getByTestId('event-json');
      await json.waitFor(UI);
      const text = (await json.textContent()) ?? '';
      expect(text).toContain(`"seq": ${target}`);
      expect(text).toContain('"summary": "alert 4242"');
      expect(text).toContain('"details": "details of alert number 4242"');
      expect(await page.getByTestId('event-detail').getByRole('heading').textContent()).toContain(
        `#${target} · alert.raised`,
      );
    });

    it('verifies the whole chain', async () => {
      const { page } = s;
      await page.getByTestId('verify-chain').click();
      const result = page.getByTestId('verify-result');
      await result.waitFor({ timeout: 60_000 });
      expect(await result.getAttribute('data-ok')).toBe('true');
      expect(await result.textContent()).toContain(`Chain intact: ${total.toLocaleString('en')} events checked.`);
      expect(s.errors()).toEqual([]);
    });
  });
}
