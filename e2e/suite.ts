import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHOTS } from './support/renderer-build.ts';
import type { UiSession, UiTarget } from './targets/target.ts';

/** Long enough for the scripted loop to plan a phase on a slow CI machine; never a claim about speed. */
const LOOP = { timeout: 90_000 };
const UI = { timeout: 15_000 };

/**
 * The UI stories every target must tell, in the order a human meets them: the dashboard of a fresh
 * project, Run moving it to the first review, a concern appearing live, and (where a link can drop)
 * an honest "disconnected". The same suite runs on the web host, in the desktop app on the Electron stand-in
 * (ipc), and, where it exists, in Electron.
 */
export function uiSuite(target: UiTarget): void {
  if (target.unavailable) console.log(target.unavailable);
  describe.skipIf(target.unavailable !== null)(`the UI on the ${target.name} target`, () => {
    let s: UiSession;
    const shot = (name: string) =>
      s.page.screenshot({ path: join(SHOTS, `${target.name}-${name}.png`), fullPage: true });

    beforeAll(async () => {
      mkdirSync(SHOTS, { recursive: true });
      s = await target.open();
    });
    afterAll(async () => {
      await s?.close();
    });

    it('opens on the dashboard of the project, at its live stage, with next steps in every empty card', async () => {
      const { page } = s;
      await page.locator('[data-testid=connection][data-state=connected]').waitFor(UI);
      await page.locator('[data-testid=stage][data-stage=plan]').waitFor(UI);
      expect(s.projectName).not.toBe('');
      expect(await page.getByTestId('project-name').textContent()).toBe(s.projectName);
      expect(await page.getByTestId('stage').textContent()).toBe('Planning');
      // Planning is the PM's step, and nothing is behind it yet.
      expect(await page.locator('[data-testid=pipeline] [aria-current=step] .step-label').textContent()).toBe('PM');
      expect(await page.locator('[data-testid=pipeline] .step-done').count()).toBe(0);
      await page.getByTestId('pending-reviews-empty').waitFor(UI);
      expect(await page.getByTestId('pending-reviews-empty').textContent()).toContain('governor run');
      expect(await page.getByTestId('concerns-card').textContent()).toContain('No open concerns');
      expect(await page.getByTestId('run').isEnabled()).toBe(true);
      await shot('dashboard-light');

      // The dark theme follows the operating system; the page must actually change, not just the screenshot name.
      const background = () => page.evaluate('getComputedStyle(document.body).backgroundColor');
      const light = await background();
      await page.emulateMedia({ colorScheme: 'dark' });
      expect(await background()).not.toBe(light);
      await shot('dashboard-dark');
      await page.emulateMedia({ colorScheme: 'light' });
    });

    it('moves between views from the keyboard, and each link says what its view is for', async () => {
      const { page } = s;
      await page.locator('body').press('2');
      await page.locator('.app-nav [aria-current=page]', { hasText: 'Reviews' }).waitFor(UI);
      await page.locator('body').press('7');
      await page.locator('.app-nav [aria-current=page]', { hasText: 'Settings' }).waitFor(UI);
      await page.locator('body').press('1');
      await page.getByTestId('pipeline').waitFor(UI);
      expect(await page.locator('.app-nav a', { hasText: 'Audit' }).getAttribute('title')).toMatch(
        /hash chain verified.*\(key 5\)$/,
      );
    });

    it('Run moves the project to plan review and lists the review, without a reload', async () => {
      const { page } = s;
      await page.evaluate('window.__sameDocument = true');
      await page.getByTestId('run').click();
      await page.locator('[data-testid=stage][data-stage=plan_review]').waitFor(LOOP);
      const item = page.locator('[data-testid=pending-reviews] [data-testid=review-item]');
      await item.first().waitFor(UI);
      expect(await item.count()).toBe(1);
      const text = await item.first().textContent();
      expect(text).toMatch(/plan/);
      expect(text).toContain(String(await item.first().getAttribute('data-review-id')));
      // The loop now waits on the human: the Human step is lit and the PM's planning is done.
      expect(await page.locator('[data-testid=pipeline] [aria-current=step] .step-label').textContent()).toBe('Human');
      expect(await page.locator('[data-testid=pipeline] .step-done .step-label').allTextContents()).toEqual(['PM']);
      // What the loop did shows step by step as it happens, and the team strip names every agent and its state.
      await page.locator('[data-testid=activity-line]', { hasText: 'plan_review' }).waitFor(UI);
      const team = page.locator('[data-testid=team-strip] [data-testid=team-agent]');
      expect(await team.evaluateAll((els) => els.map((e) => e.getAttribute('data-agent')))).toEqual(
        expect.arrayContaining(['ProjectManager', 'Designer', 'Tester']),
      );
      await page.locator('[data-testid=run]:not([disabled])').waitFor(LOOP);
      expect(await page.evaluate('window.__sameDocument === true')).toBe(true);
      await shot('plan-review');
    });

    it('shows a concern raised through the engine as soon as it is appended', async () => {
      const { page } = s;
      const card = page.getByTestId('concerns-card');
      const summary = 'prices.csv has a gap on 2024-03-29; the SMA test is flaky';
      const before = await s.ledgerCount();
      const id = await s.raiseConcern({ severity: 'warning', summary, details: 'Seen in 2 of 5 runs.' });
      expect(await s.ledgerCount()).toBeGreaterThan(before);
      await card.locator(`[data-testid=concern-item][data-concern-id="${id}"]`).waitFor(UI);
      expect(await card.textContent()).toContain(summary);
      expect(await page.getByTestId('concerns-warning').getAttribute('data-count')).toBe('1');
      expect(await page.getByTestId('concerns-critical').getAttribute('data-count')).toBe('0');
      expect(await page.evaluate('window.__sameDocument === true')).toBe(true);
      await shot('concern');
    });

    it('logged no errors in the page (a CSP violation or a contract mismatch would show here)', () => {
      expect(s.errors()).toEqual([]);
    });

    it('says so plainly when the engine goes away, and greys out Run', async (ctx) => {
      if (!s.stopEngine) return ctx.skip();
      const { page } = s;
      await s.stopEngine();
      await page.locator('[data-testid=connection][data-state=disconnected]').waitFor(UI);
      expect(await page.getByTestId('disconnected-banner').textContent()).toContain(
        'Disconnected from the Governor host',
      );
      expect(await page.getByTestId('run').isDisabled()).toBe(true);
      // What was last known stays on screen, marked as possibly stale, rather than vanishing.
      expect(await page.getByTestId('stage').getAttribute('data-stage')).toBe('plan_review');
      await shot('disconnected');
    });
  });
}
