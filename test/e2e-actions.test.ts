import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHOTS } from '../e2e/support/renderer-build.ts';
import { openProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import { runLoop } from '../electron/core/workflow/loop.ts';
import { raiseConcern } from '../electron/core/workflow/records.ts';
import { type FakeDiscord, startFakeDiscord } from './support/fake-discord/index.ts';
import { type UiPage, openUiPage, uiPageUnavailable } from './support/hosted-page.ts';
import { uiTransports } from '../e2e/targets/target.ts';
import { showView } from './support/sample-ui.ts';
import { tempDir } from './support/tmp.ts';

/**
 * The actions the whole-loop test does not click, each in real Chromium against the real host: pausing and
 * resuming an agent, escalating a concern, commenting from Monaco's glyph margin, Settings → Discord's test
 * message reaching a (fake) Discord through the real discord.js client, "Verify chain" on a ledger edited
 * behind Governor's back, and creating a project from a template. Assertions are on the screen, then on the
 * ledger, the fake Discord or the files the action left.
 */
const UI = { timeout: 20_000 };
const REVIEWER = '300000000000000003';
const STRANGER = '399999999999999999';
const CONCERN = 'Signal.position for a flat bar is not specified';

for (const transport of uiTransports()) {
  const skip = uiPageUnavailable(transport);
  describe.skipIf(skip !== null)(`actions in the views (${transport})`, () => {
    let root: string;
    let dir: string;
    let s: UiPage;
    let fake: FakeDiscord;
    let concernId: string;
    const shot = (name: string) =>
      s.page.screenshot({ path: join(SHOTS, `${transport}-actions-${name}.png`), fullPage: true });

    beforeAll(async () => {
      root = tempDir('governor-e2e-actions-');
      process.env.GOVERNOR_HOME = join(root, 'home');
      dir = join(root, 'backtester');
      await initProject(dir, { sample: true });
      // A Discord to talk to: the host starts the link itself when discord.yaml and a token are there.
      fake = await startFakeDiscord();
      writeFileSync(
        join(dir, 'discord.yaml'),
        `mode: bot\nguild_id: "${fake.guildId}"\nreviewers:\n  users: ["${REVIEWER}"]\napi: ${fake.api}\n`,
      );
      process.env.DISCORD_BOT_TOKEN = fake.token;
      // To the plan review, with an implementer's concern on its way up the chain.
      const p = await openProject(dir);
      await runLoop(p);
      // The Designer has acknowledged it (an open one would be the Designer's to work at the loop's next step).
      concernId = p.ledger.transact((tx) => {
        const id = raiseConcern(
          tx,
          {
            phase: 1,
            from: 'Implementer',
            to: 'Designer',
            severity: 'warning',
            category: 'design_gap',
            summary: CONCERN,
            details: 'DESIGN_SPEC §3 types position as 1 | -1.',
          },
          new Date().toISOString(),
        );
        tx.append({
          type: 'concern.acknowledged',
          actor: 'Designer',
          payload: { concern_id: id, by: 'Designer', note: 'Looking at it with the PM' },
        });
        return id;
      });
      p.close();
      mkdirSync(SHOTS, { recursive: true });
      s = await openUiPage(transport, dir);
      await s.page.locator('[data-testid=connection][data-state=connected]').waitFor(UI);
    }, 180_000);

    afterAll(async () => {
      await s?.close();
      await fake?.close();
      delete process.env.GOVERNOR_HOME;
      delete process.env.DISCORD_BOT_TOKEN;
      if (root) rmSync(root, { recursive: true, force: true });
    });

    it('pauses and resumes an agent from the Agents view; the dashboard team strip shows it paused', async () => {
      const { page } = s;
      await showView(page, 'Agents');
      const row = page.locator('[data-testid=agent-row][data-agent=Designer]');
      await row.getByTestId('agent-pause').click();
      await page.locator('[data-testid=agent-row][data-agent=Designer][data-state=paused]').waitFor(UI);
      expect(await page.getByTestId('agents-note').textContent()).toMatch(/Designer/);
      await showView(page, 'Dashboard');
      await page.locator('[data-testid=team-agent][data-agent=Designer][data-status=paused]').waitFor(UI);
      await shot('designer-paused');
      await showView(page, 'Agents');
      await row.getByTestId('agent-resume').click();
      await page.locator('[data-testid=agent-row][data-agent=Designer][data-state=idle]').waitFor(UI);
      const types = s.project.ledger
        .readTypes(['agent.paused', 'agent.resumed'])
        .map((e) => `${e.type} ${(e.payload as { agent: string }).agent}`);
      expect(types).toEqual(['agent.paused Designer', 'agent.resumed Designer']);
    });

    it('escalates a concern one step up the chain, and shows the route it took', async () => {
      const { page } = s;
      await showView(page, 'Concerns');
      await page.locator('[data-testid=concern-row]', { hasText: CONCERN }).click();
      const detail = page.getByTestId('concern-detail');
      await detail.waitFor(UI);
      expect(await detail.getByTestId('concern-route').textContent()).toBe('Implementer → Designer');
      await detail.getByTestId('concern-escalate-to').selectOption('ProjectManager');
      await detail.getByTestId('concern-note').fill('The PM decides whether flat bars are in scope');
      await detail.getByTestId('concern-escalate').click();
      await detail
        .getByTestId('concern-result')
        .filter({ hasText: `Done: ${concernId}` })
        .waitFor(UI);
      expect(await detail.getByTestId('concern-route').textContent()).toBe('Implementer → Designer → ProjectManager');
      expect(await detail.getByTestId('concern-from-to').textContent()).toBe('Implementer → ProjectManager');
      expect(await detail.getByTestId('escalation-hop').count()).toBe(1);
      expect(s.project.read.concerns().find((c) => c.id === concernId)?.to).toBe('ProjectManager');
      await shot('concern-escalated');
    });

    it("comments on a line by clicking Monaco's glyph margin beside it", async () => {
      const { page } = s;
      await showView(page, 'Reviews');
      await page.locator('.rv-inbox [data-testid=review-item][data-kind=plan]').first().click();
      const editor = page.getByTestId('review-editor');
      const lineNo = editor.locator('.margin-view-overlays .line-numbers', { hasText: /^3$/ });
      await lineNo.waitFor(UI);
      const line = await lineNo.boundingBox();
      const glyphs = await editor.locator('.glyph-margin').first().boundingBox();
      if (!line || !glyphs) throw new Error('the editor has no glyph margin or no line 3 on screen');
      await page.mouse.click(glyphs.x + glyphs.width / 2, line.y + line.height / 2);
      await page.locator('label[for=rv-inline-input]', { hasText: 'Line 3' }).waitFor(UI);
      await page.getByTestId('inline-comment-input').fill('Name the owner of each risk');
      await page.getByTestId('inline-comment-add').click();
      expect(await page.getByTestId('inline-comments').textContent()).toContain('L3 Name the owner of each risk');
      await editor.locator('.rv-glyph').first().waitFor(UI);
    });

    it('sends a test message from Settings → Discord, and Discord receives it in #system-health', async () => {
      const { page } = s;
      await showView(page, 'Settings');
      const discord = page.getByTestId('discord-settings');
      await discord.getByTestId('discord-link').filter({ hasText: 'Running' }).waitFor(UI);
      // discord.yaml at a glance, with where the token comes from and never the token itself.
      expect(await discord.getByTestId('discord-reviewers').textContent()).toBe(`users ${REVIEWER}`);
      expect(await discord.getByTestId('discord-channels').textContent()).toBe(
        '#project-updates#agent-concerns#approvals#system-health',
      );
      await discord
        .getByTestId('discord-token')
        .filter({ hasText: 'read from DISCORD_BOT_TOKEN — found in the environment' })
        .waitFor(UI);
      expect(await page.locator('body').textContent()).not.toContain(fake.token);
      await discord.getByTestId('discord-test').click();
      await discord.getByRole('status').filter({ hasText: 'Test message queued' }).waitFor(UI);
      const health = fake.channelId('system-health');
      const got = await fake.waitFor(
        () => fake.messages(health).find((m) => JSON.stringify(m.embeds).includes('Governor test message')),
        20_000,
        'the test message',
      );
      expect(got.via).toBe('bot');
      await discord
        .getByTestId('discord-outbox')
        .filter({ hasText: /0 pending · [1-9]\d* sent/ })
        .waitFor(UI);
    });

    it("shows a stranger's refused attempt in Settings → Discord: who, when, what", async () => {
      const { page } = s;
      await showView(page, 'Settings');
      const discord = page.getByTestId('discord-settings');
      expect(await discord.getByTestId('discord-refused').textContent()).toBe('none');
      await discord.getByTestId('discord-link').filter({ hasText: 'Running, connected' }).waitFor(UI);
      // Someone not on the reviewer allowlist tries a command through the real discord.js client.
      await fake.waitFor(() => fake.commands().some((c) => c.name === 'resolve'), 20_000, 'the slash commands');
      await fake.slash({
        name: 'resolve',
        options: [{ name: 'concern', type: 3, value: concernId }],
        userId: STRANGER,
        channelId: fake.channelId('agent-concerns'),
      });
      const refused = discord
        .getByTestId('discord-refused')
        .filter({ hasText: /^1 refused in the last 24 h; latest: user_999999 \(399999999999999999\) tried \/resolve/ });
      await refused.waitFor(UI);
      expect(await refused.textContent()).toMatch(
        new RegExp(`tried /resolve concern:${concernId} at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC$`),
      );
      expect(s.project.read.concerns().find((c) => c.id === concernId)?.status).not.toBe('resolved');
      await shot('discord-refused');
    });

    it('says where the chain breaks after a row is edited behind the ledger’s back', async () => {
      const { page } = s;
      await showView(page, 'Audit');
      await page.getByTestId('verify-chain').click();
      const first = page.getByTestId('verify-result');
      await first.waitFor(UI);
      expect(await first.textContent()).toMatch(/^Chain intact: [\d,]+ events checked\.$/);
      // An export edited by hand is not a broken chain: the chain holds, and the file is named.
      writeFileSync(join(dir, 'docs', 'PROJECT_DETAIL.md'), 'edited by hand\n');
      await page.getByTestId('verify-chain').click();
      await page.locator('[data-testid=verify-result][data-ok=false]').waitFor(UI);
      expect(await first.textContent()).toMatch(
        /^Chain intact: [\d,]+ events checked, but this file differs from the ledger:docs\/PROJECT_DETAIL\.md: differs$/,
      );
      // What only someone bypassing Governor could do: drop the append-only guard and rewrite an actor.
      const db = new Database(join(dir, '.governor', 'governor.db'));
      db.exec('DROP TRIGGER events_no_update');
      // Flip the actor, whoever it was: a rewrite to the same value would change nothing.
      const flip = "UPDATE events SET actor = CASE actor WHEN 'Human' THEN 'System' ELSE 'Human' END WHERE seq = 3";
      expect(db.prepare(flip).run().changes).toBe(1);
      db.close();
      await page.getByTestId('verify-chain').click();
      // The earlier result (the edited export) is also not ok: wait for this click's own answer.
      const bad = page.locator('[data-testid=verify-result][data-ok=false]', { hasText: 'Chain broken' });
      await bad.waitFor(UI);
      expect(await bad.textContent()).toMatch(/Chain broken at #3 \(\w+\): hash mismatch/);
      await shot('chain-broken');
    });

    it('creates a project from the blank template and switches to it', async () => {
      const { page } = s;
      const target = join(root, 'ledger-tools');
      await showView(page, 'Projects');
      await page.getByTestId('create-template').selectOption('blank');
      await page.getByTestId('create-name').fill('Ledger tools');
      await page.getByTestId('create-dir').fill(target);
      await page.getByTestId('create-submit').click();
      await page.getByTestId('projects-done').waitFor(UI);
      await page.locator('[data-testid=current-project-name]', { hasText: 'Ledger tools' }).waitFor(UI);
      expect(await page.getByTestId('project-name').textContent()).toBe('Ledger tools');
      for (const f of ['agents.yaml', '.project_policies.yaml', '.gitignore'])
        expect(existsSync(join(target, f))).toBe(true);
      const branches = execFileSync('git', ['-C', target, 'branch', '--format=%(refname:short)'], { encoding: 'utf8' })
        .trim()
        .split('\n')
        .sort();
      expect(branches).toEqual(['develop', 'main']);
      await showView(page, 'Dashboard');
      await page.locator('[data-testid=stage][data-stage=plan]').waitFor(UI);
      // A blank project starts on the scripted runtime, which plays only the sample: Run says so, with the ways
      // on, before any step (not a projection error in a grey line), and the critical concern says it too.
      await page.getByTestId('run').click();
      const note = page.locator('[data-testid=run-note]', {
        hasText: 'The scripted runtime only plays the sample project',
      });
      await note.waitFor(UI);
      expect(await note.textContent()).toMatch(/ollama:qwen2\.5-coder/);
      expect(await page.getByTestId('run-note').textContent()).not.toMatch(/projection|does not exist/);
      expect(s.errors()).toEqual([]);
    });

    it('starts the next phase from the dashboard once a phase is promoted', async () => {
      const { page } = s;
      // A sample project whose phase 1 is promoted (as the promotion records it), the policy waiting for the human.
      const target = join(root, 'promoted');
      await initProject(target, { sample: true });
      const policies = join(target, '.project_policies.yaml');
      writeFileSync(
        policies,
        readFileSync(policies, 'utf8').replace('  e2e_suite: unit', '  e2e_suite: unit\n  next_phase: on_command'),
      );
      execFileSync('git', [
        '-C',
        target,
        '-c',
        'user.name=T',
        '-c',
        'user.email=t@example.com',
        'commit',
        '-qam',
        'chore: next phase on command',
      ]);
      const p = await openProject(target);
      await runLoop(p);
      const plan = p.read.pendingReviews()[0];
      const main = execFileSync('git', ['-C', target, 'rev-parse', 'main'], { encoding: 'utf8' }).trim();
      p.ledger.append([
        {
          type: 'review.decided',
          actor: 'Human',
          payload: {
            review_id: plan?.id ?? '',
            decision: {
              reviewed_by: 'Human',
              decision: 'approve',
              comment: '',
              inline: [],
              timestamp: new Date().toISOString(),
              source: 'cli',
            },
          },
        },
        { type: 'review.followed_up', actor: 'System', payload: { review_id: plan?.id ?? '', outcome: 'approved' } },
        { type: 'phase.promoted', actor: 'Human', payload: { phase: 1, tag: 'v0.1.0', commit: main, next_phase: 2 } },
      ]);
      p.close();
      await showView(page, 'Projects');
      await page.getByTestId('open-dir').fill(target);
      await page.getByTestId('open-submit').click();
      await page
        .locator('[data-testid=current-project-name]', { hasText: 'build base backtester skeleton' })
        .waitFor(UI);
      await showView(page, 'Dashboard');
      await page.locator('[data-testid=stage][data-stage=promoted]').waitFor(UI);
      const start = page.getByTestId('start-phase');
      expect(await start.textContent()).toBe('Start phase 2');
      await start.click();
      await page
        .locator('[data-testid=start-phase-note]', { hasText: 'Phase 2 — Parameter optimizer started' })
        .waitFor(UI);
      await page.locator('[data-testid=stage][data-stage=plan]').waitFor(UI);
      // The scripted sample's script ends with phase 1: the dashboard says so instead of planning phase 2.
      await page.locator('[data-testid=run-note]', { hasText: 'script ends with phase 1' }).waitFor(UI);
      const q = await openProject(target);
      try {
        expect(q.read.commands().at(-1)).toMatchObject({ cmd: '/phase', target: 'next', source: 'ui' });
      } finally {
        q.close();
      }
      expect(s.errors()).toEqual([]);
    });
  });
}
