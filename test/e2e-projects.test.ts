import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPrices } from '../electron/core/agents/llm/pricing.ts';
import { openProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import { recordUsage } from '../electron/core/workflow/usage.ts';
import { SHOTS } from '../e2e/support/renderer-build.ts';
import { uiTransports } from '../e2e/targets/target.ts';
import { type UiPage, openUiPage, uiPageUnavailable } from './support/hosted-page.ts';
import { git, tempDir } from './support/tmp.ts';
import { driveSampleThroughGate } from './support/drive-sample.ts';

const UI = { timeout: 20_000 };
const GATED = 'gated backtester';
const DEMO = 'build base backtester skeleton';

/**
 * The projects view and the dashboard's quality and spend cards, on every transport (the headless host in
 * Chromium, the desktop app). Switching goes through the same switcher in both; the desktop app keeps its
 * recent list in GOVERNOR_HOME when it is set, as here.
 * The first project is taken through a QA gate by the engine (as the loop tests do) so the charts have
 * points; usage is recorded through the engine as a model call would record it, against real budgets.
 */
for (const transport of uiTransports()) {
  const skip = uiPageUnavailable(transport);
  describe.skipIf(skip !== null)(`projects view and dashboard cards (${transport})`, () => {
    let root: string;
    let home: string;
    let gatedDir: string;
    let s: UiPage;
    let page: Page;
    const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${transport}-${name}.png`), fullPage: true });

    beforeAll(async () => {
      root = tempDir('governor-e2e-projects-');
      home = join(root, 'home');
      // Nothing here may touch the real ~/.config/governor.
      process.env.GOVERNOR_HOME = home;

      // Its own name (the demo has the sample's), and budgets: the PM's tokens and the Designer's dollars.
      gatedDir = join(root, 'gated');
      await initProject(gatedDir, { sample: true });
      const agents = join(gatedDir, 'agents.yaml');
      writeFileSync(agents, readFileSync(agents, 'utf8').replace(/^project: .*$/m, `project: ${GATED}`));
      appendFileSync(
        join(gatedDir, '.project_policies.yaml'),
        '\nbudgets:\n  per_phase: { usd: 5 }\n  per_agent:\n    ProjectManager: { tokens: 100000 }\n    Designer: { usd: 0.07 }\n',
      );
      git(
        gatedDir,
        '-c',
        'user.name=Test',
        '-c',
        'user.email=test@example.com',
        'commit',
        '-q',
        '-m',
        'chore: rename, budgets',
        '--',
        'agents.yaml',
        '.project_policies.yaml',
      );

      // Through the engine to a green QA gate: plan, design, test plan, the variation and the concern decided.
      const p = await openProject(gatedDir);
      await driveSampleThroughGate(p, '0 means flat');
      expect(p.read.gates().length).toBeGreaterThan(0);
      p.close();

      const options = {
        viewport: { width: 1280, height: 900 },
        host: { home, rememberProject: true },
        appData: join(root, 'app'),
      };
      s = await openUiPage(transport, gatedDir, options);
      page = s.page;
      mkdirSync(SHOTS, { recursive: true });
      await page.locator(`[data-testid=project-name]:text-is("${GATED}")`).waitFor(UI);
    }, 300_000);

    afterAll(async () => {
      await s?.close();
      delete process.env.GOVERNOR_HOME;
      if (root) rmSync(root, { recursive: true, force: true });
    });

    it('charts coverage, pass rate and drift across the gates, and shows spend against the budgets as it happens', async () => {
      const kpi = page.getByTestId('kpi-card');
      await kpi.locator('canvas').waitFor(UI);
      expect(Number(await kpi.getAttribute('data-points'))).toBe(s.project.read.trends().length);
      expect(await page.getByTestId('kpi-pass-rate').textContent()).toBe('100%');
      expect(await page.getByTestId('kpi-coverage').textContent()).toMatch(/^\d+(\.\d)?%$/);
      expect(await kpi.locator('canvas').getAttribute('aria-label')).toMatch(/coverage, pass rate and max drift/);

      // No model spend yet: every budget bar is empty and green.
      const pm = page.locator('[data-testid=spend-agent][data-agent=ProjectManager]');
      await pm.getByTestId('budget-meter').waitFor(UI);
      expect(await pm.getByTestId('budget-meter').getAttribute('data-level')).toBe('ok');
      expect(await page.locator('[data-testid=spend-agent][data-agent=Tester]').textContent()).toContain(
        'no budget set',
      );

      // Model calls as a runtime records them: the card follows the ledger without a reload.
      const prices = loadPrices(s.project.dir);
      recordUsage(s.project, prices, 'ProjectManager', 'anthropic:claude-sonnet-4-5', 'plan', {
        input: 100_000,
        output: 10_000,
      });
      recordUsage(s.project, prices, 'Designer', 'anthropic:claude-sonnet-4-5', 'design', {
        input: 10_000,
        output: 2_000,
      });
      await pm.locator('[data-testid=budget-meter][data-level=over]').waitFor(UI);
      expect(await pm.textContent()).toMatch(/110,000 of 100,000 · over budget/);
      const designer = page.locator('[data-testid=spend-agent][data-agent=Designer]');
      await designer.locator('[data-testid=budget-meter][data-level=warn]').waitFor(UI);
      expect(await designer.textContent()).toMatch(/\$0\.06 of \$0\.07 · near the limit/);
      expect(await page.getByTestId('spend-total').textContent()).toMatch(/^\$0\.51 · 122,000 tokens/);
      expect(await page.getByTestId('spend-phase').textContent()).toMatch(/\$0\.51 of \$5\.00/);
      // The crossed budget is a critical concern, and the concerns card says how long ago.
      await page.locator('[data-testid=concerns-critical]:not([data-count="0"])').waitFor(UI);
      expect(await page.getByTestId('last-critical').textContent()).toMatch(/Last critical: (just now|\d+ min ago)/);
      await shot('dashboard-kpi-spend');
    });

    it('creates the demo in a folder, shows its dashboard, refuses a non-project plainly, and switches back from the recent list', async () => {
      await page.locator('body').press('0');
      await page.locator(`[data-testid=current-project-name]:text-is("${GATED}")`).waitFor(UI);
      expect(await page.getByTestId('recent-item').count()).toBe(1);

      // A folder that is not a project: the engine's words, and the current project stays open.
      const plain = join(root, 'plain');
      mkdirSync(plain);
      await page.getByTestId('open-dir').fill(plain);
      await page.getByTestId('open-submit').click();
      await page.getByTestId('projects-error').waitFor(UI);
      expect(await page.getByTestId('projects-error').textContent()).toMatch(
        /is not a Governor project \(it has no agents\.yaml\)/,
      );
      expect(await page.getByTestId('current-project-name').textContent()).toBe(GATED);

      const demoDir = join(root, 'demo');
      await page.getByTestId('demo-dir').fill(demoDir);
      await page.getByTestId('demo-submit').click();
      await page.getByTestId('projects-done').waitFor(UI);
      expect(await page.getByTestId('projects-steps').textContent()).toMatch(/Creating the demo project in .*demo/);
      expect(await page.getByTestId('current-project-name').textContent()).toBe(DEMO);
      await page.locator(`[data-testid=project-name]:text-is("${DEMO}")`).waitFor(UI);
      await shot('projects-demo-created');

      // The demo's own dashboard: no gate yet, so the chart explains itself; nothing spent.
      await page.getByTestId('projects-to-dashboard').click();
      await page.getByTestId('kpi-empty').waitFor(UI);
      expect(await page.getByTestId('kpi-empty').textContent()).toMatch(/fills after the first QA gate/);
      expect(await page.getByTestId('spend-total').textContent()).toMatch(/^\$0\.00/);
      expect(await page.locator('[data-testid=stage]').getAttribute('data-stage')).toBe('plan');
      await shot('projects-demo-dashboard');
      expect(existsSync(join(demoDir, 'agents.yaml'))).toBe(true);
      expect(
        git(demoDir, 'branch', '--list')
          .split('\n')
          .map((b) => b.replace('*', '').trim()),
      ).toEqual(expect.arrayContaining(['main', 'develop']));

      // Back through the recent list: the demo first (open now), the gated project next.
      await page.locator('body').press('0');
      const items = page.getByTestId('recent-item');
      await page.locator(`[data-testid=recent-item][data-dir="${demoDir}"]`).waitFor(UI);
      expect(await items.count()).toBe(2);
      expect(await items.first().getAttribute('data-dir')).toBe(demoDir);
      expect(await items.first().getByTestId('recent-open').isDisabled()).toBe(true);
      await page.locator(`[data-testid=recent-item][data-dir="${gatedDir}"] [data-testid=recent-open]`).click();
      await page.locator(`[data-testid=current-project-name]:text-is("${GATED}")`).waitFor(UI);
      await page.locator('body').press('1');
      await page.locator(`[data-testid=project-name]:text-is("${GATED}")`).waitFor(UI);
      await page.getByTestId('kpi-card').locator('canvas').waitFor(UI);
      await page
        .locator('[data-testid=spend-agent][data-agent=ProjectManager] [data-testid=budget-meter][data-level=over]')
        .waitFor(UI);
      await shot('projects-switched-back');

      const recent = JSON.parse(readFileSync(join(home, 'recent.json'), 'utf8')) as {
        projects: Array<{ dir: string }>;
      };
      expect(recent.projects.map((p) => p.dir)).toEqual([gatedDir, demoDir]);
      expect(s.project.dir).toBe(gatedDir);
      expect(s.errors()).toEqual([]);
    });
  });
}
