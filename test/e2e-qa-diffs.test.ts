import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHOTS } from '../e2e/support/renderer-build.ts';
import { DIFF_CONTENT_CAP } from '../electron/core/git/diff.ts';
import { BIG_CSV, type FailingGateProject, failingGateProject } from './support/failing-gate.ts';
import { uiTransports } from '../e2e/targets/target.ts';
import { qaCheckoutDir } from '../electron/core/workflow/work-dirs.ts';
import { type UiPage, openUiPage, uiPageUnavailable } from './support/hosted-page.ts';

/**
 * The QA view's failure details and the diffs view's commit picker, big files and syntax colouring, in
 * real Chromium against the real host. The project's real test suite failed a gate run by hand (see
 * failing-gate.ts); every assertion is on what the screen shows, checked against the JUnit file node
 * wrote and the git CLI.
 */
const UI = { timeout: 20_000 };

const git = (dir: string, ...args: string[]) =>
  execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }).trim();
const lineCount = (text: string) => text.split('\n').length - (text.endsWith('\n') ? 1 : 0);

/** Distinct Monaco token classes in the diff's modified side: 1 means everything is plain text. */
const tokenClasses = (page: Page) =>
  page
    .locator('[data-testid=diff-editor] .editor.modified .view-lines span[class^="mtk"]')
    .evaluateAll((els) => new Set(els.map((e) => e.className)).size);

/** The project every transport opens: its gate failed once by hand, then only read. */
let failing: Promise<FailingGateProject> | null = null;
function failingProject(): Promise<FailingGateProject> {
  failing ??= failingGateProject().then((f) => {
    process.env.GOVERNOR_HOME = join(f.root, 'home');
    f.p.close();
    return f;
  });
  return failing;
}
afterAll(async () => {
  const f = await failing?.catch(() => null);
  delete process.env.GOVERNOR_HOME;
  if (f) rmSync(f.root, { recursive: true, force: true });
});

for (const transport of uiTransports()) {
  const skip = uiPageUnavailable(transport);
  describe.skipIf(skip !== null)(`QA failure details and commit-level diffs (${transport})`, () => {
    let f: FailingGateProject;
    let s: UiPage;
    const shot = (name: string) =>
      s.page.screenshot({ path: join(SHOTS, `${transport}-qa-diffs-${name}.png`), fullPage: true });

    beforeAll(async () => {
      f = await failingProject();
      mkdirSync(SHOTS, { recursive: true });
      s = await openUiPage(transport, f.dir);
      await s.page.locator('[data-testid=connection][data-state=connected]').waitFor(UI);
    }, 300_000);

    afterAll(async () => {
      await s?.close();
    });

    it('opens the QA view of the failing gate: failures first with their message and stack, then flaky, then skipped', async () => {
      const { page } = s;
      await page.locator('.app-nav a', { hasText: 'QA' }).click();
      // Laid out like every other view: a section.view titled by an h2, no h1.
      await page.locator('section.view.qa-view > .view-head > h2#qa-title', { hasText: /^QA$/ }).waitFor(UI);
      expect(await page.locator('.qa-view h1').count()).toBe(0);
      await page.getByTestId('qa-outcome').filter({ hasText: 'Not green' }).waitFor(UI);
      const failed = page.getByTestId('qa-cases-failed');
      await failed.waitFor(UI);
      expect(
        await page
          .locator('[data-testid=qa-cases] [data-testid^="qa-cases-"]')
          .evaluateAll((els) => els.map((e) => e.getAttribute('data-testid'))),
      ).toEqual(['qa-cases-failed', 'qa-cases-flaky', 'qa-cases-skipped']);
      expect(await failed.locator('h4').textContent()).toBe('Failed (2)');

      // The first failure reads as node's JUnit file has it: name, message, and the stack on demand.
      const junit = readFileSync(join(qaCheckoutDir(f.dir), 'reports', 'junit.xml'), 'utf8');
      const message = /<testcase name="adds negatives"[^>]*>\s*<failure [^>]*message="([^"]*)"/.exec(junit)?.[1] ?? '∅';
      expect(message).toMatch(/^add\(-2, -3\) should be -6/);
      const first = failed.getByTestId('qa-case').first();
      expect(await first.locator('.qa-case-name').textContent()).toBe('adds negatives');
      expect(await first.getByTestId('qa-case-message').textContent()).toBe(message);
      const stack = first.getByTestId('qa-case-details');
      expect(await stack.isVisible()).toBe(false);
      await first.locator('summary', { hasText: 'Details (stack)' }).click();
      await stack.waitFor(UI);
      expect(await stack.textContent()).toMatch(/tests\/edge\.test\.js:5:\d+/);

      // A 30,000-character failure is cut, and says where.
      const long = failed.getByTestId('qa-case').nth(1);
      expect(await long.locator('.qa-case-name').textContent()).toBe('explains itself at length');
      expect(await long.getByTestId('qa-case-message').textContent()).toMatch(
        /… \(message cut at 2,000 of 30,\d{3} characters\)$/,
      );
      await long.locator('summary').click();
      await long.getByText(/^Truncated: showing the first 8,000 of \d{2},\d{3} characters\./).waitFor(UI);

      const flaky = page.getByTestId('qa-cases-flaky');
      expect(await flaky.locator('h4').textContent()).toBe('Flaky (passed on a retry) (1)');
      expect(await flaky.locator('.qa-case-name').allTextContents()).toEqual(['settles on retry']);
      expect(await flaky.getByTestId('qa-case-message').textContent()).toBe('Failed first with: first attempt fails');
      const skipped = page.getByTestId('qa-cases-skipped').getByTestId('qa-case');
      expect(await skipped.locator('.qa-case-name').allTextContents()).toEqual(['parses quoted CSV fields']);
      expect(await skipped.getByTestId('qa-case-message').textContent()).toBe('no fixture for quoted fields yet');
      await shot('1-qa-failures');
    });

    it('shows an earlier, passing gate with its empty state', async () => {
      const { page } = s;
      const green = s.project.read.gates().find((g) => g.candidate === f.commits[0]);
      await page.getByTestId('qa-gate-pick').selectOption(green?.event_id ?? '∅');
      await page.getByTestId('qa-cases-empty').filter({ hasText: 'All 2 tests passed' }).waitFor(UI);
      expect(await page.getByTestId('qa-case').count()).toBe(0);
      expect(await page.getByTestId('qa-outcome').textContent()).toContain(f.commits[0]);
      await shot('2-qa-all-passed');
    });

    it('picks commits for both sides: a bad sha is named, one from a branch’s history, one typed as sha~2', async () => {
      const { page } = s;
      const [c1, c2, c3] = f.commits;
      await page.locator('.app-nav a', { hasText: 'Diffs' }).click();
      await page.getByTestId('diff-range').waitFor(UI);

      await page.getByTestId('diff-to-commit').click();
      const picker = page.getByTestId('commit-picker');
      await picker.waitFor(UI);
      const absent =
        ['abc1234', 'fedcba9', '0123456'].find((x) => git(f.dir, 'rev-parse', `--disambiguate=${x}`) === '') ?? '';
      await page.getByTestId('commit-input').fill(absent);
      await page.getByTestId('commit-use').click();
      expect(await page.getByTestId('commit-error').textContent()).toBe(`no such commit: ${absent}`);

      await page.getByTestId('commit-history-of').selectOption('experiments/qa');
      const items = page.getByTestId('commit-item');
      await page.locator(`[data-testid=commit-item][data-oid="${c1}"]`).waitFor(UI);
      expect((await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-oid')))).slice(0, 3)).toEqual([
        c3,
        c2,
        c1,
      ]);
      const tip = items.first();
      const want = git(f.dir, 'log', '-1', '--format=%h|%s|%an', c3).split('|');
      expect(await tip.locator('code').textContent()).toBe(want[0]);
      expect(await tip.textContent()).toContain(want[1]);
      expect(await tip.textContent()).toContain(want[2]);
      await shot('3-commit-picker');
      await tip.click();
      await picker.waitFor({ state: 'detached', ...UI });
      await page.locator(`[data-testid=diff-range][data-to="${c3}"]`).waitFor(UI);
      expect(await page.getByTestId('diff-to').locator('option:checked').textContent()).toBe(c3.slice(0, 7));

      await page.getByTestId('diff-from-commit').click();
      await page.getByTestId('commit-input').fill(`${c3.slice(0, 7)}~2`);
      await page.getByTestId('commit-input').press('Enter');
      await page.locator(`[data-testid=diff-range][data-from="${c1}"]`).waitFor(UI);
      const files = page.getByTestId('diff-file');
      await files.filter({ hasText: 'data/prices.csv' }).waitFor(UI);
      expect((await files.allTextContents()).map((t) => t.trim())).toEqual(
        git(f.dir, 'diff', '--name-status', '--no-renames', c1, c3)
          .split('\n')
          .map((l) => l.replace('\t', ' ')),
      );
      // The address follows, so the comparison can be linked to.
      expect(await page.evaluate('location.hash')).toBe(`#/diffs/${c1}..${c3}`);
    });

    it('shows the first part of a file over the limit with a notice of how much, and only a notice for a binary', async () => {
      const { page } = s;
      await page.getByTestId('diff-file').filter({ hasText: 'data/prices.csv' }).click();
      const bytes = Number(git(f.dir, 'cat-file', '-s', `${f.commits[2]}:data/prices.csv`));
      const lines = lineCount(`${git(f.dir, 'show', `${f.commits[2]}:data/prices.csv`)}\n`);
      const shown = lineCount(BIG_CSV.slice(0, DIFF_CONTENT_CAP));
      const n = (x: number) => x.toLocaleString('en');
      const notice = page.getByTestId('diff-notice');
      await notice.waitFor(UI);
      expect(await notice.textContent()).toBe(
        `data/prices.csv is truncated: the new version is shown up to its first ${n(DIFF_CONTENT_CAP)} of ${n(bytes)} bytes (${n(shown)} of ${n(lines)} lines). The diff below covers only that part; use git diff to see it all.`,
      );
      const firstLine = page.locator('[data-testid=diff-editor] .editor.modified .view-line').first();
      await firstLine.waitFor(UI);
      expect(await page.locator('[data-testid=diff-editor] .editor.modified .view-line').allTextContents()).toContain(
        BIG_CSV.split('\n')[0],
      );
      await shot('4-big-file');

      await page.getByTestId('diff-file').filter({ hasText: 'assets/logo.png' }).click();
      await page
        .getByTestId('diff-notice')
        .filter({ hasText: 'assets/logo.png is a binary file; its contents are not shown.' })
        .waitFor(UI);
      expect(await page.getByTestId('diff-editor').count()).toBe(0);
    });

    it('colours JavaScript and JSON, and a deep link may name a short sha', async () => {
      const { page } = s;
      await page.getByTestId('diff-file').filter({ hasText: 'tests/edge.test.js' }).click();
      await page
        .locator('[data-testid=diff-editor][data-language=javascript] .editor.modified .view-line')
        .first()
        .waitFor(UI);
      await expect.poll(() => tokenClasses(page), UI).toBeGreaterThan(2);

      // A link written by hand, with a short sha: the empty tree → the first commit.
      const c1 = f.commits[0];
      await page.evaluate(`location.hash = ${JSON.stringify(`#/diffs/..${c1.slice(0, 7)}`)}`);
      await page.locator(`[data-testid=diff-range][data-from=""][data-to="${c1}"]`).waitFor(UI);
      await page.getByTestId('diff-file').filter({ hasText: 'package.json' }).click();
      await page
        .locator('[data-testid=diff-editor][data-language=json] .editor.modified .view-line')
        .first()
        .waitFor(UI);
      await expect.poll(() => tokenClasses(page), UI).toBeGreaterThan(2);
      await shot('5-json-colours');
      expect(s.errors()).toEqual([]);
    });
  });
}
