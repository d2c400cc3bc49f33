import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import { SHOTS } from '../e2e/support/renderer-build.ts';
import type { GitAction } from '../shared/index.ts';
import { type UiPage, openUiPage, uiPageUnavailable } from './support/hosted-page.ts';
import { uiTransports } from '../e2e/targets/target.ts';
import { tempDir } from './support/tmp.ts';
import { driveSampleThroughGate } from './support/drive-sample.ts';

/**
 * The audit timeline's event detail, in real Chromium against the real host: a decision links to its
 * review, a raised concern to the concern, a gate merge and an agent's commit to the diffs view showing
 * that commit against its parent. The project is taken through the plan review, the concern and the QA
 * gate's merges by the engine (as the loop tests do); every assertion is on what the screen shows, and
 * the diffs are checked against the git CLI. Also: the Types menu behaves as a popover.
 */
const UI = { timeout: 20_000 };
const RESOLUTION = '0 means flat';

const git = (dir: string, ...args: string[]) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' });

/** The Types popover: its button, and whether the menu is open. */
const typesButton = (page: Page) => page.getByTestId('type-filter').getByRole('button', { name: /Types:/ });

/** Narrow the timeline to one event type through the Types menu, then open the event at `seq`. */
async function openEvent(page: Page, type: string, seq: number): Promise<void> {
  await page.locator('.app-nav a', { hasText: 'Audit' }).click();
  await page.getByTestId('timeline-row').first().waitFor(UI);
  await typesButton(page).click();
  await page.locator(`[data-testid=type-option][value="${type}"]`).check();
  await page.keyboard.press('Escape');
  // The filter has been applied once no other type is listed; a handful of events fit in the first page.
  await page
    .locator(`[data-testid=timeline-row]:not([data-type="${type}"])`)
    .first()
    .waitFor({ state: 'detached', ...UI });
  await page.locator(`[data-testid=timeline-row][data-seq="${seq}"]`).click();
  await page
    .getByTestId('event-detail')
    .getByRole('heading', { name: `#${seq} · ${type}` })
    .waitFor(UI);
  await page
    .getByTestId('event-json')
    .filter({ hasText: `"seq": ${seq}` })
    .waitFor(UI);
}

/** What git itself lists between two commits, as the diffs view's file list reads (`M path`). */
const nameStatus = (dir: string, from: string, to: string) =>
  git(dir, 'diff', '--name-status', '--no-renames', from, to)
    .trim()
    .split('\n')
    .map((l) => l.replace('\t', ' '));

/** The project every transport opens: taken once through the gate by the engine, then only read. */
interface Driven {
  root: string;
  dir: string;
  merge: GitAction & { seq: number };
  designCommit: GitAction & { seq: number };
  planDecided: number;
  concernRaised: number;
}

let driven: Promise<Driven> | null = null;
function drivenProject(): Promise<Driven> {
  driven ??= (async () => {
    const root = tempDir('governor-e2e-links-');
    process.env.GOVERNOR_HOME = join(root, 'home');
    const dir = join(root, 'backtester');
    await initProject(dir, { sample: true });
    // Through the engine: plan and design approved, the concern resolved, the QA gate green and merged.
    const p = await openProject(dir);
    try {
      const { concernId } = await driveSampleThroughGate(p, RESOLUTION);
      if (!concernId) throw new Error('expected the implementer’s concern to have reached the human');
      const actions = p.ledger
        .readTypes(['git.action_recorded'])
        .map((e) => ({ ...(e.payload as GitAction), seq: e.seq }));
      const merge = actions.find((a) => a.action === 'merge' && a.source === 'phase1/designer');
      const designCommit = actions.find(
        (a) => a.action === 'commit' && a.target === 'phase1/designer' && a.previous === null,
      );
      if (!merge || !designCommit)
        throw new Error(
          `expected the designer's first commit and its gate merge; got ${actions.map((a) => `${a.action} ${a.target}`).join(', ')}`,
        );
      const plan = p.read.reviews().find((r) => r.kind === 'plan');
      const planDecided =
        p.ledger.readTypes(['review.decided']).find((e) => (e.payload as { review_id: string }).review_id === plan?.id)
          ?.seq ?? 0;
      const concernRaised = p.ledger.readTypes(['concern.raised'])[0]?.seq ?? 0;
      return { root, dir, merge, designCommit, planDecided, concernRaised };
    } finally {
      p.close();
    }
  })();
  return driven;
}

afterAll(async () => {
  const d = await driven?.catch(() => null);
  delete process.env.GOVERNOR_HOME;
  if (d) rmSync(d.root, { recursive: true, force: true });
});

for (const transport of uiTransports()) {
  const skip = uiPageUnavailable(transport);
  describe.skipIf(skip !== null)(`audit event links (${transport})`, () => {
    let dir: string;
    let s: UiPage;
    /** The events the links are opened from, with their seqs. */
    let merge: GitAction & { seq: number };
    let designCommit: GitAction & { seq: number };
    let planDecided: number;
    let concernRaised: number;
    const shot = (name: string) =>
      s.page.screenshot({ path: join(SHOTS, `${transport}-audit-links-${name}.png`), fullPage: true });

    beforeAll(async () => {
      ({ dir, merge, designCommit, planDecided, concernRaised } = await drivenProject());
      mkdirSync(SHOTS, { recursive: true });
      s = await openUiPage(transport, dir);
      await s.page.locator('[data-testid=connection][data-state=connected]').waitFor(UI);
    }, 300_000);

    afterAll(async () => {
      await s?.close();
    });

    it('the Types menu is a popover: Escape closes it and hands the focus back, a click elsewhere closes it', async () => {
      const { page } = s;
      await page.locator('.app-nav a', { hasText: 'Audit' }).click();
      await page.getByTestId('timeline-row').first().waitFor(UI);
      const button = typesButton(page);
      const menu = page.getByTestId('type-menu');
      expect(await button.getAttribute('aria-expanded')).toBe('false');
      await button.click();
      await menu.waitFor(UI);
      expect(await button.getAttribute('aria-expanded')).toBe('true');
      expect(await button.getAttribute('aria-controls')).toBe(await menu.getAttribute('id'));
      // Ticking a type keeps it open; Escape from inside it closes it and returns the focus to the button.
      await page.locator('[data-testid=type-option][value="review.decided"]').check();
      expect(await menu.isVisible()).toBe(true);
      await page.keyboard.press('Escape');
      await menu.waitFor({ state: 'detached', ...UI });
      expect(await button.getAttribute('aria-expanded')).toBe('false');
      expect(
        await page.evaluate('document.activeElement && document.activeElement.getAttribute("aria-expanded")'),
      ).toBe('false');
      expect(await page.evaluate('document.activeElement && document.activeElement.textContent')).toContain(
        'Types: review.decided',
      );
      // Open again, click the view's heading: closed, and the filter it set is still applied.
      await button.click();
      await menu.waitFor(UI);
      await page.locator('#audit-title').click();
      await menu.waitFor({ state: 'detached', ...UI });
      expect(await button.textContent()).toContain('Types: review.decided');
      await page.getByTestId('type-filter').getByRole('button', { name: 'clear' }).click();
    });

    it('opens the plan decision, and its review link shows that review in the Reviews view', async () => {
      const { page } = s;
      const plan = s.project.read.reviews().find((r) => r.kind === 'plan');
      expect(plan?.status).toBe('decided');
      const id = plan?.id ?? '';
      await openEvent(page, 'review.decided', planDecided);
      const link = page.locator('[data-testid=event-link][data-kind=review]');
      expect(await link.allTextContents()).toEqual([`Review ${id}`]);
      await shot('1-decision');
      await link.click();
      await page.locator('.app-nav [aria-current=page]', { hasText: 'Reviews' }).waitFor(UI);
      await page.locator('.rv-detail-head', { hasText: id }).waitFor(UI);
      expect(await page.locator('.rv-detail-head h2').textContent()).toBe(plan?.title);
      // It is a past decision: the inbox lists decided reviews so that this one shows as the open one.
      const item = page.locator(`[data-testid=review-item][data-review-id="${id}"]`);
      await item.waitFor(UI);
      expect(await item.getAttribute('aria-current')).toBe('true');
      expect(await item.textContent()).toContain('Approve by Human via cli');
      expect(await page.getByTestId('toggle-decided').isChecked()).toBe(true);
      await shot('2-review');
    });

    it('opens the raised concern, and its link selects it in the Concerns view with its whole route', async () => {
      const { page } = s;
      await openEvent(page, 'concern.raised', concernRaised);
      const link = page.locator('[data-testid=event-link][data-kind=concern]');
      expect(await link.allTextContents()).toEqual(['Concern concern_0001']);
      await link.click();
      await page.locator('.app-nav [aria-current=page]', { hasText: 'Concerns' }).waitFor(UI);
      const detail = page.locator('[data-testid=concern-detail][data-concern-id=concern_0001]');
      await detail.waitFor(UI);
      const row = page.locator('[data-testid=concern-row][data-concern-id=concern_0001]');
      expect(await row.getAttribute('aria-selected')).toBe('true');
      expect(await detail.textContent()).toContain('Signal interface unclear for flat positions');
      // The list and the detail agree on who raised it and whom it is with now; the detail adds the route.
      expect(await row.getByTestId('concern-from-to').textContent()).toBe('Implementer → Human');
      expect(await detail.getByTestId('concern-from-to').textContent()).toBe('Implementer → Human');
      expect(await detail.getByTestId('concern-route').textContent()).toBe(
        'Implementer → Designer → ProjectManager → Human',
      );
      expect(await detail.getByTestId('concern-assignee').textContent()).toBe('—');
      expect(await detail.textContent()).toContain(RESOLUTION);
      await shot('3-concern');
    });

    it("opens a gate merge, and its link shows the merge against develop's previous tip in the Diffs view", async () => {
      const { page } = s;
      await openEvent(page, 'git.action_recorded', merge.seq);
      const link = page.locator('[data-testid=event-link][data-kind=commit]');
      expect(await link.textContent()).toBe(`Merge into develop · ${merge.commit?.slice(0, 7)}`);
      await link.click();
      await page.locator('.app-nav [aria-current=page]', { hasText: 'Diffs' }).waitFor(UI);
      const range = page.getByTestId('diff-range');
      await range.waitFor(UI);
      expect(await range.getAttribute('data-to')).toBe(merge.commit);
      expect(await range.getAttribute('data-from')).toBe(merge.previous);
      expect(await range.textContent()).toContain(`${merge.previous?.slice(0, 7)} → ${merge.commit?.slice(0, 7)}`);
      // The pickers show the commits compared, though neither is a branch or a tag.
      expect(await page.getByTestId('diff-to').locator('option:checked').textContent()).toBe(merge.commit?.slice(0, 7));
      expect(await page.getByTestId('diff-from').locator('option:checked').textContent()).toBe(
        merge.previous?.slice(0, 7),
      );
      // The files are the ones git itself says the merge brought onto develop's previous tip.
      const want = nameStatus(dir, merge.previous ?? '', merge.commit ?? '');
      expect(want.length).toBeGreaterThan(0);
      const files = page.getByTestId('diff-file');
      await files.first().waitFor(UI);
      expect((await files.allTextContents()).map((t) => t.trim())).toEqual(want);
      await page.locator('.df-main .monaco-diff-editor').waitFor(UI);
      await shot('4-merge-diff');
    });

    it("opens an agent's first commit on its branch, and its link shows that commit against its parent", async () => {
      const { page } = s;
      await openEvent(page, 'git.action_recorded', designCommit.seq);
      await page.locator('[data-testid=event-link][data-kind=commit]').click();
      const range = page.getByTestId('diff-range');
      await range.waitFor(UI);
      const commit = designCommit.commit ?? '';
      expect(await range.getAttribute('data-to')).toBe(commit);
      // No previous tip was recorded (the branch was new): the host found the parent as git does.
      expect(await range.getAttribute('data-from')).toBe(git(dir, 'rev-parse', `${commit}^`).trim());
      expect(await range.textContent()).toContain('(the commit against its parent)');
      const files = page.getByTestId('diff-file');
      await files.first().waitFor(UI);
      const want = nameStatus(dir, `${commit}^`, commit);
      expect(want.map((l) => l.slice(2)).sort()).toEqual([...designCommit.files].sort());
      expect((await files.allTextContents()).map((t) => t.trim())).toEqual(want);
      await shot('5-commit-diff');
    });

    it("a command's link narrows the timeline to the events that name it: the command and its answer", async () => {
      const { page } = s;
      const received = s.project.ledger.readTypes(['command.received'])[0]!;
      const answered = s.project.ledger.readTypes(['response.sent'])[0];
      const id = (received.payload as { command_id: string }).command_id;
      await openEvent(page, 'command.received', received?.seq ?? 0);
      // It also names the concern it resolved.
      expect(await page.getByTestId('event-link').allTextContents()).toEqual(['Concern concern_0001', `Command ${id}`]);
      await page.locator('[data-testid=event-link][data-kind=command]').click();
      expect(await page.getByTestId('timeline-search').inputValue()).toBe(id);
      await page.getByTestId('type-filter').getByRole('button', { name: 'clear' }).click();
      await page
        .getByTestId('timeline-count')
        .filter({ hasText: /^2 events match/ })
        .waitFor(UI);
      await page.locator('[data-testid=timeline-row][data-type="response.sent"]').waitFor(UI);
      const seqs = await page
        .getByTestId('timeline-row')
        .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq'))));
      expect(seqs).toEqual([answered?.seq, received?.seq]);
      expect(s.errors()).toEqual([]);
    });
  });
}
