import { describe, expect, it } from 'vitest';
import { raiseConcern } from '../electron/core/workflow/records.ts';
import { uiTransports } from '../e2e/targets/target.ts';
import { uiPageUnavailable } from './support/hosted-page.ts';
import { sampleUiPage, showView } from './support/sample-ui.ts';

/**
 * The Concerns view on a project with more concerns than a page holds, in real Chromium against the real
 * host on each transport: resolved ones come a page at a time ("Show more"), and a link to an old one (as
 * the audit timeline makes it) opens it though no page loaded holds it. A project of its own: every
 * concern is posted to Discord, and a burst of them would hold up another file's Discord outbox.
 */
const UI = { timeout: 20_000 };

for (const transport of uiTransports()) {
  const skip = uiPageUnavailable(transport);
  describe.skipIf(skip !== null)(`the Concerns view pages (${transport})`, () => {
    const sample = sampleUiPage(transport, 'governor-e2e-concerns-');

    it('shows resolved concerns a page at a time, and opens an old one a link names', async () => {
      const s = sample.ui;
      const { page } = s;
      const ts = new Date().toISOString();
      const old = s.project.ledger.transact((tx) =>
        Array.from({ length: 120 }, (_, i) => {
          const id = raiseConcern(
            tx,
            {
              phase: 1,
              from: 'Tester',
              to: 'Implementer',
              severity: 'info',
              category: 'flaky_test',
              summary: `Old flake ${i}`,
              details: 'A timing test.',
            },
            ts,
          );
          tx.append({
            type: 'concern.resolved',
            actor: 'Implementer',
            payload: { concern_id: id, by: 'Implementer', note: 'fixed' },
          });
          return id;
        }),
      );
      const total = s.project.read.concernTotals();
      const all = [...Object.values(total.open), ...Object.values(total.resolved)].reduce((a, b) => a + b, 0);
      await showView(page, 'Dashboard');
      await showView(page, 'Concerns');
      const rows = page.getByTestId('concern-row');
      const more = page.getByTestId('concerns-more');
      await more.waitFor(UI);
      expect(await rows.count()).toBe(100);
      expect(await more.textContent()).toContain(`${all - 100} not shown`);
      await more.click();
      await rows.nth(all - 1).waitFor(UI);
      expect(await more.count()).toBe(0);
      expect(await rows.count()).toBe(all);
      // Back to the first page, then a link to the oldest (as the audit timeline makes it): it is not listed.
      await showView(page, 'Dashboard');
      await showView(page, 'Concerns');
      await more.waitFor(UI);
      const oldest = old[0] ?? '';
      expect(await page.locator(`[data-testid=concern-row][data-concern-id="${oldest}"]`).count()).toBe(0);
      await page.evaluate(`location.hash = ${JSON.stringify(`#/concerns/${oldest}`)}`);
      await page.getByTestId('concern-detail').filter({ hasText: 'Old flake 0' }).waitFor(UI);
    });
  });
}
