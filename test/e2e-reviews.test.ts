import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UiSession } from '../e2e/targets/target.ts';
import { uiTargets } from '../e2e/targets/ui-targets.ts';

const UI = { timeout: 15_000 };
const LOOP = { timeout: 90_000 };

/** The reviews view on every target: inbox, the Monaco editor, an inline comment and a confirmed approval. */
for (const target of uiTargets()) {
  describe.skipIf(target.unavailable !== null)(`the reviews view (${target.name})`, () => {
    let s: UiSession;
    beforeAll(async () => {
      s = await target.open();
    });
    afterAll(async () => {
      await s?.close();
    });

    it('says what to do when nothing waits, then back to the dashboard', async () => {
      await s.page.locator('body').press('2');
      await s.page.getByTestId('reviews-empty').waitFor(UI);
      expect(await s.page.getByTestId('reviews-empty').textContent()).toMatch(/Nothing is waiting on you/);
      await s.page.locator('body').press('1');
      await s.page.getByTestId('pipeline').waitFor(UI);
    });

    it('lists the plan review, shows it in Monaco, and approves it after confirmation', async () => {
      const { page } = s;
      await page.getByTestId('run').click();
      await page.locator('[data-testid=stage][data-stage=plan_review]').waitFor(LOOP);
      await page.locator('body').press('2');
      const item = page.locator('.rv-inbox [data-testid=review-item]');
      await item.first().waitFor(UI);
      await item.first().click();
      await page.locator('[data-testid=review-editor] .monaco-editor').waitFor(UI);
      await page.getByTestId('comment-on-line').click();
      await page.getByTestId('inline-comment-input').fill('Why this order?');
      await page.getByTestId('inline-comment-add').click();
      expect(await page.getByTestId('inline-comments').textContent()).toContain('Why this order?');
      await page.getByTestId('decide-reject').click();
      expect(await page.getByTestId('decide-confirm').count()).toBe(0);
      // Reject without a comment put the cursor in the comment box; Escape leaves it so the keys work again.
      await page.getByTestId('comment-input').press('Escape');
      await page.locator('body').press('a');
      await page.getByTestId('decide-confirm').click();
      await page.locator('.rv-decide', { hasText: 'Decided: Approve by Human' }).waitFor(UI);
      expect(s.errors()).toEqual([]);
    });
  });
}
