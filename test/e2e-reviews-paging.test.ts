import { describe, expect, it } from 'vitest';
import { requestReview } from '../electron/core/workflow/records.ts';
import { uiTransports } from '../e2e/targets/target.ts';
import { uiPageUnavailable } from './support/hosted-page.ts';
import { sampleUiPage, showView } from './support/sample-ui.ts';

/**
 * The Reviews view on a project with more decided reviews than a page holds, in real Chromium against the
 * real host on each transport: decided ones come a page at a time ("Show more"), and a link to an old one
 * (as the audit timeline makes it) opens it though no page loaded holds it, with its document's history.
 */
const UI = { timeout: 20_000 };

for (const transport of uiTransports()) {
  const skip = uiPageUnavailable(transport);
  describe.skipIf(skip !== null)(`the Reviews view pages (${transport})`, () => {
    const sample = sampleUiPage(transport, 'governor-e2e-reviews-');

    it('shows decided reviews a page at a time, and opens an old one a link names', async () => {
      const s = sample.ui;
      const { page } = s;
      const ts = new Date().toISOString();
      const old = s.project.ledger.transact((tx) =>
        Array.from({ length: 130 }, (_, i) => {
          const r = requestReview(
            tx,
            {
              kind: 'variation',
              phase: 1,
              title: `Old variation ${i}`,
              requested_by: 'Implementer',
              impact: 'low',
              subject: { path: 'docs/PROJECT_VARIATIONS.md', revision: 1 },
              context: [],
              handoff_id: null,
              summary: 'a small change',
            },
            ts,
          );
          const decision = { reviewed_by: 'Human', decision: 'reject', comment: `no ${i}`, timestamp: ts } as const;
          tx.append({
            type: 'review.decided',
            actor: 'Human',
            payload: { review_id: r.id, decision: { ...decision, inline: [], source: 'ui' } },
          });
          return r.id;
        }),
      );
      const all = s.project.read.reviews().length;
      await showView(page, 'Dashboard');
      await showView(page, 'Reviews');
      await page.getByTestId('toggle-decided').check();
      const items = page.getByTestId('review-item');
      const more = page.getByTestId('reviews-more');
      await more.waitFor(UI);
      expect(await items.count()).toBe(100);
      expect(await more.textContent()).toContain(`${all - 100} not shown`);
      await more.click();
      await items.nth(all - 1).waitFor(UI);
      expect(await more.count()).toBe(0);
      expect(await items.count()).toBe(all);
      // Back to the first page, then a link to the oldest (as the audit timeline makes it): it is not listed.
      await showView(page, 'Dashboard');
      await showView(page, 'Reviews');
      await page.getByTestId('toggle-decided').check();
      await more.waitFor(UI);
      const oldest = old[0] ?? '';
      expect(await page.locator(`[data-testid=review-item][data-review-id="${oldest}"]`).count()).toBe(0);
      await page.evaluate(`location.hash = ${JSON.stringify(`#/reviews/${oldest}`)}`);
      await page.locator('.rv-detail').filter({ hasText: 'Old variation 0' }).waitFor(UI);
      // Its document's history lists the other reviews of it, from any page.
      const history = page.getByTestId('review-history');
      await history.filter({ hasText: old[129] ?? '' }).waitFor(UI);
    });
  });
}
