import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SHOTS } from '../e2e/support/renderer-build.ts';
import { initProject } from '../electron/core/project.ts';
import type { InPage, InPageElement } from './support/in-page.ts';
import { type UiPage, openUiPage, uiPageUnavailable } from './support/hosted-page.ts';
import { uiTransports } from '../e2e/targets/target.ts';
import { tempDir } from './support/tmp.ts';

/**
 * The policy editor in Settings, in real Chromium: a schema error and a YAML syntax error typed into
 * Monaco are listed and marked at their line, Save stays disabled until the text is valid, and a valid
 * save lands in the project's file on disk.
 */
const UI = { timeout: 30_000 };

for (const transport of uiTransports()) {
  const skip = uiPageUnavailable(transport);
  describe.skipIf(skip !== null)(`the settings policy editor (${transport})`, () => {
    let root: string;
    let dir: string;
    let s: UiPage;

    beforeAll(async () => {
      root = tempDir('governor-e2e-settings-');
      dir = join(root, 'backtester');
      await initProject(dir, { sample: true });
      s = await openUiPage(transport, dir);
    });
    afterAll(async () => {
      await s?.close();
      if (root) rmSync(root, { recursive: true, force: true });
    });

    const editor = () => s.page.locator('[data-testid=settings-editor] .monaco-editor');
    const issues = () => s.page.getByTestId('settings-issues');
    const save = () => s.page.getByTestId('settings-save');
    const file = (name: string) => readFileSync(join(dir, name), 'utf8');

    /** Replace line `n`'s text after its indentation, with the keyboard as a user would. */
    async function typeOnLine(n: number, text: string): Promise<void> {
      const { page } = s;
      // Focus Monaco's input element rather than click: a click can land on the hover an error squiggle opens.
      await editor().locator('.native-edit-context, textarea.inputarea').first().focus();
      await page.keyboard.press('Control+Home');
      for (let i = 1; i < n; i++) await page.keyboard.press('ArrowDown');
      await page.keyboard.press('End');
      // Shift+Home in Monaco stops at the first non-blank character, so the indentation stays.
      await page.keyboard.press('Shift+Home');
      await page.keyboard.type(text);
    }

    /** The text of every line Monaco draws an error squiggle under (spaces normalised). */
    const squiggledLines = () =>
      editor().evaluate((el) => {
        const ed = el as unknown as InPageElement;
        const lines = [...ed.querySelectorAll('.view-lines .view-line')];
        return [...ed.querySelectorAll('.view-overlays .squiggly-error')].map((sq) => {
          const top = sq.parentElement?.style.top;
          return (lines.find((l) => l.style.top === top)?.textContent ?? '?').replace(/\u00a0/g, ' ');
        });
      });

    async function expectIssue(line: number, text: string, lineText: string): Promise<void> {
      const { page } = s;
      const item = issues().locator('.st-issue');
      await page.waitForFunction(
        (want) =>
          (globalThis as unknown as InPage).document
            .querySelector('[data-testid=settings-issues]')
            ?.textContent?.includes(want) === true,
        `Line ${line}${text}`,
        UI,
      );
      expect(await item.allTextContents()).toEqual([`Line ${line}${text}`]);
      expect(await save().isDisabled()).toBe(true);
      await page.waitForFunction(
        () =>
          (globalThis as unknown as InPage).document.querySelector(
            '[data-testid=settings-editor] .view-overlays .squiggly-error',
          ) !== null,
        undefined,
        UI,
      );
      expect(await squiggledLines()).toEqual([lineText]);
    }

    async function expectValidAndSave(name: string): Promise<void> {
      const { page } = s;
      await issues().getByText('No problems found.').waitFor(UI);
      expect(await save().isEnabled()).toBe(true);
      await save().click();
      await page
        .getByRole('status')
        .filter({ hasText: `${name} saved.` })
        .waitFor(UI);
    }

    it('marks a schema error in agents.yaml at its line and keeps Save disabled until it is fixed', async () => {
      const { page } = s;
      const before = file('agents.yaml');
      expect(before.split('\n')[22]).toBe('    count: 2');
      await page.locator('body').press('7');
      await editor().waitFor(UI);
      await issues().getByText('No problems found.').waitFor(UI);

      await typeOnLine(23, 'count: two');
      await expectIssue(23, ' · agents.Implementer.count: expected a number, got "two"', '    count: two');
      await page.screenshot({ path: join(SHOTS, `${transport}-settings-agents-error.png`) });
      expect(file('agents.yaml')).toBe(before);

      // A digit typed into Monaco stays in Monaco: it used to switch views (the 1–9 keys) mid-edit.
      await typeOnLine(23, 'count: 3');
      expect(await page.getByRole('heading', { name: 'Settings' }).isVisible()).toBe(true);
      await expectValidAndSave('agents.yaml');
      const after = file('agents.yaml');
      expect(after.split('\n')[22]).toBe('    count: 3');
      expect(after.replace('    count: 3', '    count: 2')).toBe(before);
      expect(parse(after)).toMatchObject({ agents: { Implementer: { count: 3, runtime: 'scripted' } } });
    });

    it('marks a YAML syntax error and a schema error in .project_policies.yaml, then saves the fix', async () => {
      const { page } = s;
      const name = '.project_policies.yaml';
      const before = file(name);
      expect(before.split('\n')[5]).toBe('    - coverage_min: 80');
      await page.getByRole('tab', { name }).click();
      await issues().getByText('No problems found.').waitFor(UI);

      await typeOnLine(6, '- coverage_min: 80: 90');
      await expectIssue(6, ': nested mappings are not allowed in compact mappings', '    - coverage_min: 80: 90');

      await typeOnLine(6, '- coverage_min: 180');
      await expectIssue(
        6,
        ' · merge_policy.auto_merge_if[1].coverage_min: must be at most 100, got 180',
        '    - coverage_min: 180',
      );
      expect(file(name)).toBe(before);

      await typeOnLine(6, '- coverage_min: 85');
      await expectValidAndSave(name);
      const after = file(name);
      expect(after.replace('coverage_min: 85', 'coverage_min: 80')).toBe(before);
      expect(parse(after)).toMatchObject({
        merge_policy: { auto_merge_if: [{ all_tests_passed: true }, { coverage_min: 85 }, { drift_max_percent: 2 }] },
      });
      expect(s.errors()).toEqual([]);
    });
  });
}
