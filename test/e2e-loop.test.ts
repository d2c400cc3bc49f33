import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHOTS } from '../e2e/support/renderer-build.ts';
import { uiTransports } from '../e2e/targets/target.ts';
import { uiPageUnavailable } from './support/hosted-page.ts';
import { LOOP, type Session, UI, cli, driver, focused, git, openSession } from './support/loop-session.ts';

/**
 * The whole governed loop, clicked through as a human would, on the demo project with the scripted runtime
 * (whose code and tests are real), on every transport: the browser against the headless host, and the
 * desktop app. Every step asserts what the screen shows and leaves a screenshot; after the promotion the
 * project folder and its git history are read with the git CLI.
 */

const INLINE = 'Why does the engine read the CSV itself? Keep I/O out of it.';
const CHANGES = 'Split the data adapter out of the engine';
const RESOLUTION = 'Flat means position 0; Designer to note it in the Signal type';
const QUESTION = 'why parquet for storage?';
const CONDITIONS = 'Proceed with prototype but benchmark vs current design.';
const PROMOTE = 'Promote to Phase 2';

for (const transport of uiTransports()) {
  const skip = uiPageUnavailable(transport);
  if (skip !== null) console.log(skip);

  describe.skipIf(skip !== null)(`the whole loop, clicked through (${transport})`, () => {
    let s: Session;
    let ui: ReturnType<typeof driver>;
    let page: Page;
    let qa: Page;
    const ids: Record<string, string> = {};
    const shot = (name: string) =>
      page.screenshot({ path: join(SHOTS, `loop-${transport}-${name}.png`), fullPage: true });

    beforeAll(async () => {
      mkdirSync(SHOTS, { recursive: true });
      s = await openSession(transport);
      page = s.page;
      ui = driver(page);
      // Nothing below may reload the page: every change must arrive as a pushed event.
      await page.evaluate('window.__sameDocument = true');
    });
    afterAll(async () => {
      await s?.close();
    });

    it('1. runs the project from the dashboard and approves the plan', async () => {
      await page.getByTestId('run').click();
      await ui.stage('plan_review');
      ids.plan = await ui.openReview('plan');
      expect(await page.locator('#rv-title').textContent()).toMatch(/plan/i);
      // The document is the PM's requirements, shown read-only in Monaco.
      expect(await page.locator('[data-testid=review-editor] .view-lines').textContent()).toMatch(/\S/);
      await ui.decide('decide-approve', 'Approve', 'Plan approved.');
      await shot('01-plan-approved');
    });

    it('2. comments inline on line 12 of the design and requests changes', async () => {
      ids.design1 = await ui.openReview('design');
      expect(await page.locator('.rv-detail-head').textContent()).toMatch(/design\/DESIGN_SPEC\.md r1/);
      // The human's way in: a click on the line number in Monaco's gutter.
      await page
        .locator('[data-testid=review-editor] .margin-view-overlays .line-numbers', { hasText: /^12$/ })
        .click();
      await page.locator('label[for=rv-inline-input]', { hasText: 'Line 12' }).waitFor(UI);
      await page.getByTestId('inline-comment-input').fill(INLINE);
      await page.getByTestId('inline-comment-add').click();
      expect(await page.getByTestId('inline-comments').textContent()).toContain(`L12 ${INLINE}`);
      // The commented line is marked in the editor's margin.
      await page.locator('[data-testid=review-editor] .rv-glyph').first().waitFor(UI);
      await page.getByTestId('comment-input').fill(CHANGES);
      await page.getByTestId('decide-request-changes').click();
      expect(await page.getByTestId('decide-confirm-box').textContent()).toContain('with 1 inline comment');
      await page.getByTestId('decide-confirm').click();
      await page.locator('.rv-decide', { hasText: 'Decided: Request changes by Human' }).waitFor(UI);
      ui.decided.add(ids.design1);
      // Decided: the comment stays, now read-only, as part of the record.
      expect(await page.getByTestId('inline-comments').textContent()).toContain(INLINE);
      await shot('02-design-changes-requested');
    });

    it('3. sees r2 against r1 with its delta summary, with the earlier decision as history, and approves it', async () => {
      ids.design2 = await ui.openReview('design');
      expect(ids.design2).not.toBe(ids.design1);
      expect(await page.locator('.rv-detail-head').textContent()).toMatch(/design\/DESIGN_SPEC\.md r2/);
      const history = page.getByTestId('review-history');
      expect(await history.textContent()).toContain(ids.design1);
      expect(await history.textContent()).toContain('Request changes by Human');
      expect(await history.textContent()).toContain(INLINE);
      await page.getByTestId('compare-revisions').click();
      const diff = page.getByTestId('revision-diff');
      await diff.waitFor(UI);
      expect(await diff.locator('h4').textContent()).toContain('Changes r1 → r2');
      expect(await diff.locator('.rv-delta').textContent()).toMatch(/DataAdapter/);
      await diff.locator('.monaco-diff-editor').waitFor(UI);
      // The diff is computed: changed lines are marked on both sides, in view (unchanged stretches fold away).
      await diff.locator('.editor.modified .line-insert, .editor.modified .char-insert').first().waitFor(UI);
      await diff.locator('.editor.original .line-delete, .editor.original .char-delete').first().waitFor(UI);
      await shot('03-design-r2-diff');
      await ui.decide('decide-approve', 'Approve', 'r2 splits the adapter cleanly');
      // The r1 review, opened from the history, shows r1 as it was reviewed (not today's r2), with its comment on line 12.
      await page.getByTestId('review-history').locator('a', { hasText: ids.design1 }).click();
      await page.locator('.rv-detail-head', { hasText: ids.design1 }).waitFor(UI);
      expect(await page.getByTestId('superseded-note').textContent()).toContain('is at r2 now');
      const lines = page.locator('[data-testid=review-editor] .view-lines');
      await lines.waitFor(UI);
      const text = (await lines.textContent())?.replace(/\u00a0/g, ' ') ?? '';
      expect(text).toContain('Read the CSV, validate bars');
      expect(text).not.toContain('Data adapter');
      await page.locator('[data-testid=review-editor] .rv-glyph').first().waitFor(UI);
    });

    it('4. approves the test plan', async () => {
      ids.testPlan = await ui.openReview('test_plan');
      expect(await page.locator('.rv-detail-head').textContent()).toContain('tests/TEST_PLAN.md');
      await ui.decide('decide-approve', 'Approve', 'Coverage targets are right');
      await shot('04-test-plan-approved');
    });

    it("5. acknowledges, assigns and resolves the implementer's concern once it reaches the human", async () => {
      await ui.view('Concerns');
      const row = page.locator('[data-testid=concern-row]', { hasText: 'Signal interface unclear for flat positions' });
      await row.waitFor(LOOP);
      await row.click();
      const detail = page.getByTestId('concern-detail');
      // It climbs the chain from agents.yaml before it is the human's: Designer → PM → Human.
      await detail.locator('[data-testid=escalation-hop]', { hasText: 'ProjectManager → Human' }).waitFor(LOOP);
      expect(await detail.getByTestId('escalation-hop').allTextContents()).toEqual([
        expect.stringContaining('Designer → ProjectManager'),
        expect.stringContaining('ProjectManager → Human'),
      ]);
      expect(await detail.locator('.facts').textContent()).toContain('Implementer → Human');

      await page.getByTestId('concern-ack').click();
      await page.getByTestId('concern-result').filter({ hasText: 'is now acknowledged' }).waitFor(UI);
      await page.getByTestId('concern-assign-to').selectOption('Designer');
      await page.getByTestId('concern-assign').click();
      await page
        .getByTestId('concern-result')
        .filter({ hasText: 'is now assigned (assigned to Designer)' })
        .waitFor(UI);
      await page.getByTestId('concern-note').fill(RESOLUTION);
      await page.getByTestId('concern-resolve').click();
      await page.getByTestId('concern-result').filter({ hasText: 'is now resolved' }).waitFor(UI);
      expect(await detail.textContent()).toContain(RESOLUTION);
      expect(await detail.locator('.lifecycle .live').textContent()).toBe('resolved');
      expect(await row.getAttribute('data-status')).toBe('resolved');
      await shot('05-concern-resolved');
    });

    it('6. asks the Designer a question in the console and sees the answer threaded under it', async () => {
      await ui.view('Console');
      const input = page.getByTestId('console-input');
      // Typed as a user does: Tab completes the command, then the agent, from the suggestions shown.
      await input.pressSequentially('/cla');
      expect(await page.getByTestId('console-suggestions').textContent()).toContain('/clarify');
      await input.press('Tab');
      expect(await input.inputValue()).toBe('/clarify ');
      await input.pressSequentially('Des');
      expect(await page.getByTestId('console-suggestions').textContent()).toContain('Designer');
      await input.press('Tab');
      expect(await input.inputValue()).toBe('/clarify Designer ');
      await input.pressSequentially(QUESTION);
      await input.press('Enter');
      const entry = page.getByTestId('console-entry').filter({ hasText: `/clarify Designer ${QUESTION}` });
      await entry
        .getByTestId('console-response')
        .filter({ hasText: /queued for Designer/ })
        .waitFor(UI);
      const answer = entry.getByTestId('console-followup');
      await answer.filter({ hasText: 'Parquet is columnar' }).waitFor(LOOP);
      expect(await answer.textContent()).toMatch(/^Designer/);
      expect(await answer.textContent()).toContain('(scripted)');
      await shot('06-clarify-answered');
    });

    it('7. approves the high-impact variation with conditions, with the QA view open to watch the tests', async () => {
      // In a browser the human keeps QA on a second screen to watch the tests when they start. The desktop app
      // has one window: QA opens there as soon as the decision is made. Either way the page records every
      // state it shows.
      qa = s.openWindow ? await s.openWindow('#/qa') : page;
      if (qa !== page) await qa.getByTestId('qa-outcome').filter({ hasText: 'No QA gate yet' }).waitFor(UI);
      await qa.evaluate(`(() => {
        window.__qaLive = null;
        const look = () => {
          const out = document.querySelector('[data-testid=qa-output]')?.textContent ?? '';
          const outcome = document.querySelector('[data-testid=qa-outcome]')?.textContent ?? '';
          const stage = document.querySelector('[data-testid=stage]')?.getAttribute('data-stage');
          if (window.__qaLive === null && out.startsWith('[') && outcome.includes('No QA gate yet')) window.__qaLive = { stage, out };
        };
        look();
        new MutationObserver(look).observe(document.body, { subtree: true, childList: true, characterData: true });
      })()`);
      ids.variation = await ui.openReview('variation');
      const head = await page.locator('.rv-detail-head').textContent();
      expect(head).toMatch(/Variation #1 — Store price history in a columnar format/);
      expect(head).toContain('high impact');
      // Conditions without a comment are refused on the spot, before any confirmation.
      await page.getByTestId('decide-approve-with-conditions').click();
      expect(await page.getByTestId('decide-confirm-box').count()).toBe(0);
      await page.locator('.rv-decide [role=alert]', { hasText: 'needs a comment' }).waitFor(UI);
      await ui.decide('decide-approve-with-conditions', 'Approve with conditions', CONDITIONS);
      await shot('07-variation-decided');
      if (qa === page) await ui.view('QA');
    });

    it('8. watches the tests run live in the QA view, then reads the gate report and approves completion', async () => {
      const output = qa.getByTestId('qa-output');
      // node --test's lines arrive batch by batch while the run is going, before any gate decision shows.
      await output.filter({ hasText: /\[[^\]]+\] .*✔/ }).waitFor(LOOP);
      await qa.screenshot({ path: join(SHOTS, `loop-${transport}-08-qa-live.png`), fullPage: true });
      const outcome = qa.getByTestId('qa-outcome');
      await outcome.filter({ hasText: '✅ Green' }).waitFor(LOOP);
      const live = (await qa.evaluate('window.__qaLive')) as { stage: string; out: string } | null;
      expect(live, 'test output was on screen before the gate decided').not.toBeNull();
      // The output shows while the view has no verdict yet (what `__qaLive` waits for). The stage comes by
      // another push than the output's fetch: on a loaded machine a short run's last batch answered after
      // the stage had moved to completion review, though the verdict was not on screen yet (1 CI run in ~25).
      expect(['build', 'test', 'qa_gate', 'completion_review']).toContain(live?.stage);
      expect(live?.out).toMatch(/^\[[^\]]+\] /);
      if (qa !== page) await qa.close();

      await ui.view('QA');
      await page.getByTestId('qa-outcome').filter({ hasText: '✅ Green' }).waitFor(UI);
      expect(await page.getByTestId('qa-output').textContent()).toMatch(/✔/);
      const outcomeText = await page.getByTestId('qa-outcome').textContent();
      expect(outcomeText).toContain('Promotion candidate');
      const tests = page.locator('.qa-card', { has: page.locator('h3', { hasText: /^Tests$/ }) });
      expect(await tests.locator('dt:text-is("Passed") + dd').textContent()).toBe('40');
      expect(await tests.locator('dt:text-is("Failed") + dd').textContent()).toBe('0');
      const coverage = page.locator('.qa-card', { has: page.locator('h3', { hasText: /^Coverage$/ }) });
      expect(await coverage.locator('dt:text-is("Lines") + dd').textContent()).toMatch(/^\d+(\.\d)?%$/);
      expect(await page.getByTestId('qa-conditions').locator('tbody tr').count()).toBeGreaterThan(0);
      // The chart (chart.js, loaded with it) is drawn.
      await page.getByTestId('qa-trend').locator('canvas').first().waitFor(UI);
      expect(await page.getByTestId('qa-trend').locator('svg, canvas').count()).toBeGreaterThan(0);
      // The HTML report, in a sandboxed frame: the same verdict, from the self-contained file.
      await page.getByTestId('qa-html-open').click();
      const report = page.frameLocator('[data-testid=qa-html-frame]');
      await report.locator('body').filter({ hasText: 'Promotion candidate' }).waitFor(UI);
      expect(await report.locator('svg').count()).toBeGreaterThan(0);
      expect(await page.getByTestId('qa-html-frame').getAttribute('sandbox')).toBe('');
      await shot('08-qa-report');

      await ui.stage('completion_review');
      ids.completion = await ui.openReview('test_completion');
      await ui.decide('decide-approve', 'Approve', 'All green, coverage above target');
    });

    it('9. approves the promotion, and the project is promoted', async () => {
      ids.promotion = await ui.openReview('promotion');
      await ui.decide('decide-approve', 'Approve', PROMOTE);
      await ui.stage('promoted');
      await ui.view('Dashboard');
      expect(await page.getByTestId('stage').textContent()).toBe('Promoted');
      await page.getByTestId('pending-reviews-empty').waitFor(UI);
      await shot('09-promoted');
    });

    it('10. shows the tag in the Diffs view, and the history in the audit timeline with the chain verified', async () => {
      await ui.view('Diffs');
      const to = page.getByTestId('diff-to');
      await to.locator('optgroup[label=Tags] option', { hasText: 'v0.1.0' }).waitFor({ state: 'attached', ...UI });
      await page.getByTestId('diff-from').selectOption('');
      await to.selectOption('v0.1.0');
      const file = page.getByTestId('diff-file').filter({ hasText: 'src/engine/backtest.js' });
      await file.waitFor(UI);
      expect(await file.locator('.df-status').textContent()).toBe('A');
      await file.click();
      await page.locator('.df-main .monaco-diff-editor').waitFor(UI);
      await shot('10-diffs-tag');

      await ui.view('Audit');
      await page.getByTestId('timeline-row').first().waitFor(UI);
      // Every human decision of the run is on the timeline, newest first, each with its JSON.
      const types = page.getByTestId('type-filter').locator('button', { hasText: 'Types:' });
      await types.click();
      await page.locator('[data-testid=type-option][value="review.decided"]').check();
      await types.click(); // the menu covers the timeline until it is closed
      const decided = page.locator('[data-testid=timeline-row][data-type="review.decided"]');
      // The filter is applied once only decisions are listed; then there are exactly the seven made above.
      const others = page.locator('[data-testid=timeline-row]:not([data-type="review.decided"])');
      await others.first().waitFor({ state: 'detached', ...UI });
      await decided.nth(6).waitFor(UI);
      expect(await others.count()).toBe(0);
      expect(await decided.count()).toBe(7);
      await decided.last().click(); // the oldest: the plan
      expect(await page.getByTestId('event-json').textContent()).toContain(ids.plan);
      const design1 = decided.nth(5);
      await design1.click();
      await page.getByTestId('event-json').filter({ hasText: INLINE }).waitFor(UI);
      expect(await page.getByTestId('event-json').textContent()).toContain('request_changes');

      await page.getByTestId('verify-chain').click();
      const result = page.getByTestId('verify-result');
      await result.waitFor(UI);
      expect(await result.getAttribute('data-ok')).toBe('true');
      expect(await result.textContent()).toMatch(/Chain intact: [\d,]+ events checked/);
      await shot('10-audit-verified');
    });

    it('left the tag, the audit notes and a sound repository in git', () => {
      const { dir } = s;
      expect(git(dir, 'tag', '--list').split('\n')).toContain('v0.1.0');
      expect(git(dir, 'cat-file', '-t', 'v0.1.0').trim()).toBe('tag');
      // The release merge, then the commit that brings the final exports into the tag.
      expect(git(dir, 'log', '-2', '--format=%s', 'main')).toMatch(
        /^chore\(release\): v0\.1\.0 records\n.*promote develop to main as v0\.1\.0/,
      );
      expect(git(dir, 'ls-tree', '-r', '--name-only', 'v0.1.0')).toMatch(/^src\/engine\/backtest\.js$/m);
      const log = git(dir, 'log', '--show-notes=audit', 'main');
      expect(log).toMatch(/Notes \(audit\):/);
      expect(log).toMatch(/"action":"merge"/);
      expect(log).toMatch(/Audit-ID: /);
      expect(git(dir, 'fsck', '--full', '--no-dangling')).toBe('');
    });

    it('exported the decisions, the inline comment, the resolution and the clarification into the project files', () => {
      const file = (p: string) => readFileSync(join(s.dir, p), 'utf8');
      const spec = file('design/DESIGN_SPEC.md');
      expect(spec).toContain(`line 12: ${INLINE}`);
      expect(spec).toMatch(/✅ Approved by Human \d{4}-\d{2}-\d{2} — r2 splits the adapter cleanly/);
      expect(file('docs/PROJECT_VARIATIONS.md')).toContain(CONDITIONS);
      const detail = file('docs/PROJECT_DETAIL.md');
      expect(detail).toMatch(/## Recent Human Interactions[\s\S]*\/clarify Designer why parquet for storage\?/);
      const jsonl = (p: string) =>
        file(p)
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, unknown>);
      const concerns = jsonl('audit/concerns.jsonl');
      // concerns.jsonl appends each state a concern went through; the last row of an id is its state now.
      const latest = new Map(concerns.map((c) => [String(c.id), c]));
      const resolved = [...latest.values()].find((c) => JSON.stringify(c).includes(RESOLUTION));
      expect(resolved).toMatchObject({ status: 'resolved' });
      // "Approve with conditions" leaves the condition tracked as an open concern until it is met.
      const condition = [...latest.values()].find((c) => c.category === 'condition');
      expect(condition).toMatchObject({ status: 'open', summary: CONDITIONS });
      const clarify = jsonl('audit/commands.jsonl').find((c) => c.cmd === '/clarify');
      const answer = jsonl('audit/responses.jsonl').find(
        (r) => r.command_id === clarify?.command_id && r.from === 'Designer',
      );
      expect(String(answer?.response)).toMatch(/Parquet is columnar[\s\S]*\(scripted\)$/);
      // Each human gate left a handoff record with the outcome the human chose.
      // audit/handoffs/phase-N.jsonl appends each state a handoff went through; the last line of an id is now.
      const lines = readdirSync(join(s.dir, 'audit', 'handoffs')).flatMap((f) => jsonl(`audit/handoffs/${f}`));
      const handoffs = [
        ...new Map(lines.map((h) => [String(h.id), h as { purpose: string; status: string }])).values(),
      ];
      expect(handoffs.find((h) => h.purpose === 'High-Impact Variation Review')).toMatchObject({
        status: 'approved_with_conditions',
      });
      expect(handoffs.find((h) => h.purpose === 'Design Review' && h.status === 'approved')).toBeTruthy();
      expect(file('docs/PROJECT_OVERVIEW.md')).toContain(PROMOTE);
    });

    it('showed no page error, and never reloaded, along the whole loop', async () => {
      expect(await page.evaluate('window.__sameDocument === true')).toBe(true);
      expect(s.errors()).toEqual([]);
    });
  });

  describe.skipIf(skip !== null)(`keyboard review and a decision made elsewhere (${transport})`, () => {
    let s: Session;
    let ui: ReturnType<typeof driver>;
    let page: Page;
    const shot = (name: string) =>
      page.screenshot({ path: join(SHOTS, `loop-${transport}-${name}.png`), fullPage: true });

    beforeAll(async () => {
      mkdirSync(SHOTS, { recursive: true });
      s = await openSession(transport);
      page = s.page;
      ui = driver(page);
    });
    afterAll(async () => {
      await s?.close();
    });

    it('reviews the plan from the keyboard alone: c to comment, a to approve, Enter to confirm', async () => {
      await page.getByTestId('run').click();
      await ui.stage('plan_review');
      await ui.key('2');
      // The first pending review opens by itself; the keyboard does the rest.
      await page.locator('[data-testid=review-editor] .monaco-editor').waitFor(UI);
      const id = String(
        await page.locator('.rv-inbox [data-testid=review-item][data-kind=plan]').getAttribute('data-review-id'),
      );
      await ui.key('c');
      expect(await focused(page)).toBe('comment-input');
      await page.keyboard.type('Approved from the keyboard');
      // While typing, `a` is a letter, not a decision.
      expect(await page.getByTestId('decide-confirm-box').count()).toBe(0);
      await page.keyboard.press('Escape');
      await page.keyboard.press('a');
      const box = page.getByTestId('decide-confirm-box');
      await box.waitFor(UI);
      expect(await box.textContent()).toContain(`Approve review ${id}`);
      // Confirm has the focus, so Enter decides.
      expect(await focused(page)).toBe('decide-confirm');
      await page.keyboard.press('Enter');
      await page.locator('.rv-decide', { hasText: 'Decided: Approve by Human' }).waitFor(UI);
      ui.decided.add(id);
      expect(await page.locator('.rv-decided-comment').textContent()).toContain('Approved from the keyboard');
      await shot('keyboard-approved');
      // And r asks for changes the same way, confirming first; Escape backs out without deciding.
      await ui.stage('design_review');
      await ui.openReview('design');
      await page.getByTestId('comment-input').fill('Split the adapter');
      await page.getByTestId('comment-input').press('Escape');
      await page.keyboard.press('r');
      await box.filter({ hasText: 'Request changes' }).waitFor(UI);
      await page.keyboard.press('Escape');
      await box.waitFor({ state: 'detached', ...UI });
      expect(await page.locator('.rv-decide', { hasText: 'Decided:' }).count()).toBe(0);
    });

    it('says so and refreshes when the open review is decided elsewhere (the CLI in another terminal)', async () => {
      const id = String(await page.locator('.rv-detail-head code').first().textContent());
      expect(id).toMatch(/^review_\d+$/);
      // The human is mid-decision in the browser: a comment typed, the confirmation open.
      await page.getByTestId('comment-input').fill('Looks good to me');
      await page.getByTestId('decide-approve').click();
      await page.getByTestId('decide-confirm-box').waitFor(UI);

      const r = await cli(['decide', id, 'request_changes', '--comment', 'Decided in the terminal', '--dir', s.dir]);
      expect(r.code, r.out).toBe(0);
      ui.decided.add(id);
      // A host takes the CLI's call itself; with the desktop app open the CLI writes to the ledger, and the
      // app notices the append (and its loop acts on it, as the host's does).
      if (transport === 'web') expect(r.out).toContain('through the running host');

      const notice = page.getByTestId('decided-elsewhere');
      await notice.waitFor(UI);
      expect(await notice.textContent()).toMatch(
        /Decided elsewhere while you had this review open: Request changes by Human via cli at /,
      );
      // The editor now shows what stands: the other decision, its comment, no way to decide again.
      await page.locator('.rv-decide', { hasText: 'Decided: Request changes by Human' }).waitFor(UI);
      expect(await page.getByTestId('decide-confirm-box').count()).toBe(0);
      expect(await page.locator('.rv-decided-comment').textContent()).toContain('Decided in the terminal');
      expect(await page.getByTestId('decide-approve').isDisabled()).toBe(true);
      // The inbox refreshed too: the review is no longer pending.
      await page
        .locator(`.rv-inbox [data-testid=review-item][data-review-id="${id}"]`)
        .waitFor({ state: 'detached', ...UI });
      await shot('stale-decision');
      expect(s.errors()).toEqual([]);
    });

    it('refuses a decision sent from a stale editor, and says who decided first', async (ctx) => {
      const hold = s.holdPushes;
      if (!hold) return ctx.skip();
      // The loop answers the change request with r2; open it and get as far as the confirmation.
      const id = await ui.openReview('design');
      await page.getByTestId('comment-input').fill('From the browser');
      await page.getByTestId('decide-approve').click();
      await page.getByTestId('decide-confirm-box').waitFor(UI);
      // The page misses the push of the terminal's decision, so it still offers Confirm.
      hold(true);
      const r = await cli(['decide', id, 'approve', '--comment', 'Approved in the terminal', '--dir', s.dir]);
      expect(r.code, r.out).toBe(0);
      await page.getByTestId('decide-confirm').click();
      hold(false);
      const notice = page.getByTestId('decided-elsewhere');
      await notice.waitFor(UI);
      expect(await notice.textContent()).toMatch(
        /Decided elsewhere while you had this review open: Approve by Human via cli at /,
      );
      await page.locator('.rv-decide', { hasText: 'Decided: Approve by Human' }).waitFor(UI);
      expect(await page.locator('.rv-decided-comment').textContent()).toContain('Approved in the terminal');
      expect(await page.getByTestId('decide-error').count()).toBe(0);
      await shot('stale-conflict');
      expect(s.errors()).toEqual([]);
    });
  });
}
