import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uiTransports } from '../e2e/targets/target.ts';
import { type UiPage, openUiPage, uiPageUnavailable } from './support/hosted-page.ts';
import { type FakeAnthropic, startFakeAnthropic } from './support/fake-anthropic.ts';
import { claudeProject, until } from './support/coding-agent.ts';

const UI = { timeout: 60_000 };

/**
 * The human decides a coding agent's permission request in the UI (on every transport: the headless host
 * in Chromium, the desktop app), where the loop runs: the card shows the tool, the exact input and why; Allow
 * once lets the waiting agent go on, and Deny with a message is what the agent reads.
 */
for (const transport of uiTransports()) {
  const skip = uiPageUnavailable(transport);
  describe.skipIf(skip !== null)(`permission requests in the Reviews inbox (${transport})`, () => {
    let fake: FakeAnthropic;
    let hp: UiPage;
    beforeAll(async () => {
      fake = await startFakeAnthropic();
      const proj = await claudeProject(fake);
      fake.pushFor(
        'T4',
        { tools: [{ name: 'Bash', input: { command: 'uname -s', description: 'which OS' } }] },
        { tools: [{ name: 'Bash', input: { command: 'make deploy', description: 'deploy' } }] },
        {
          tools: [
            {
              name: 'mcp__governor__handoff',
              input: { summary: 'Checked the OS.', commit_subject: 'chore(t4): check the OS', tested: 'uname -s' },
            },
          ],
        },
        { text: 'Done.' },
      );
      hp = await openUiPage(transport, proj.dir);
    }, 300_000);
    afterAll(async () => {
      await hp?.close();
      await fake?.close();
    });

    it('shows the request live, and Allow once lets the waiting agent go on', { timeout: 300_000 }, async () => {
      const { page } = hp;
      // Run, from the dashboard, as the human would; then the Reviews view, where the request will show.
      await page.getByTestId('run').click(UI);
      await page.evaluate('location.hash = "#/reviews"');
      const card = page.getByTestId('permission-perm_0001');
      await card.waitFor(UI);
      await expect.poll(() => card.textContent()).toContain('uname -s');
      expect(await card.textContent()).toMatch(/not on the allowlist/);
      expect(await card.getByTestId('permission-input').textContent()).toContain('"command": "uname -s"');
      await card.getByRole('button', { name: 'Allow once' }).click();
      await until(() => hp.project.read.permissionRequest('perm_0001')?.status === 'allowed', 'the UI decision');
      expect(hp.project.read.permissionRequest('perm_0001')?.decision).toMatchObject({
        decision: 'allow_once',
        source: 'ui',
      });

      // The agent went on: its next ask arrives, and a denial with a message is what it reads.
      const second = page.getByTestId('permission-perm_0002');
      await second.waitFor(UI);
      await second.getByLabel('Message to the agent').fill('No deploys from a build task.');
      await second.getByRole('button', { name: 'Deny' }).click();
      await until(
        () => fake.toolResults().some((t) => t.includes('No deploys from a build task.')),
        'the agent to read the denial',
      );
      // It only looked (uname): the handoff changed no file, so the task says so.
      await until(() => hp.project.read.task('T4')?.status === 'No Change', 'the handoff');
      // The Agents view shows the agent's stream live, with how the gate decided each tool use.
      await page.evaluate('location.hash = "#/agents"');
      const stream = page.getByTestId('agent-stream');
      await stream.waitFor(UI);
      await expect.poll(() => stream.textContent(), UI).toMatch(/perm_0002 denied/);
      expect(await stream.textContent()).toContain('uname -s');
      expect(hp.errors()).toEqual([]);
    });
  });
}
