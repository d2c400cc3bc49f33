import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiscordBridge } from '../electron/core/discord/bridge.ts';
import type { OpenedProject } from '../electron/core/host.ts';
import { runLoop } from '../electron/core/workflow/loop.ts';
import { agentWorkspaceDir } from '../electron/core/agents/workers/git-workspace.ts';
import { type FakeDiscord, startFakeDiscord } from './support/fake-discord/index.ts';
import { type FakeAnthropic, startFakeAnthropic } from './support/fake-anthropic.ts';
import { REVIEWER_ROLE, botYaml, bridge } from './support/discord.ts';
import {
  type ButtonPresser,
  REVIEWER_NAME,
  buttonPresser,
  itDecidedFromDiscordButtons,
} from './support/discord-buttons.ts';
import { claudeProject, until } from './support/coding-agent.ts';
import { git } from './support/tmp.ts';

const ALLOWED = 'node -e "console.log(process.platform)"';
const DENIED = 'make deploy';

/**
 * The human, away from the host, decides Claude Code's commands with Discord buttons: the real Claude Code
 * binary (against the fake Anthropic API) asks through Governor's permission gate, the real discord.js
 * bridge posts each request to the fake Discord, a reviewer presses "Allow once" on one command and "Deny"
 * on the next, and the waiting agent runs the first, reads the denial of the second, and hands off.
 */
describe('Claude Code asks, and the human decides from Discord buttons', () => {
  let fake: FakeAnthropic;
  let discord: FakeDiscord;
  let p: OpenedProject;
  let b: DiscordBridge;
  let presser: ButtonPresser;

  beforeAll(async () => {
    fake = await startFakeAnthropic();
    discord = await startFakeDiscord({ roles: [{ id: REVIEWER_ROLE, name: 'Human Reviewer' }] });
    const proj = await claudeProject(fake);
    writeFileSync(join(proj.dir, 'discord.yaml'), `${botYaml(discord)}\n`);
    const ws = agentWorkspaceDir(proj.dir, 'phase1/implementer');
    fake.pushFor(
      'T4',
      {
        tools: [
          {
            name: 'Write',
            input: { file_path: join(ws, 'src/os.js'), content: 'export const os = process.platform;\n' },
          },
        ],
      },
      { tools: [{ name: 'Bash', input: { command: ALLOWED, description: 'which OS' } }] },
      { tools: [{ name: 'Bash', input: { command: DENIED, description: 'deploy' } }] },
      {
        tools: [
          {
            name: 'mcp__governor__handoff',
            input: {
              summary: 'Added src/os.js.',
              commit_subject: 'feat(os): name the operating system',
              tested: 'node -e',
            },
          },
        ],
      },
      { text: 'Handed off.' },
    );
    p = await proj.open();
    presser = buttonPresser(p, discord);
    b = await bridge(p, { DISCORD_BOT_TOKEN: discord.token });
    const loop = runLoop(p);
    const asked = await until(() => p.read.permissionRequests('pending')[0], `${ALLOWED} to be asked`, 180_000);
    await presser.press(asked, 'allow_once');
    const deploy = await until(
      () => p.read.permissionRequests('pending').find((r) => r.id !== asked.id),
      `${DENIED} to be asked`,
      180_000,
    );
    await presser.press(deploy, 'deny');
    await loop;
  }, 600_000);
  afterAll(async () => {
    await b?.stop();
    p?.close();
    await discord?.close();
    await fake?.close();
  });

  itDecidedFromDiscordButtons(() => ({ p, discord, presser, worker: 'claude-code' }), {
    allowed: 'console.log(process.platform)',
    denied: DENIED,
  });

  it('the waiting agent ran the allowed command, read the denial, handed off, and Governor committed', () => {
    const deploy = p.read.permissionRequests().find((r) => r.status === 'denied');
    expect(fake.toolResults().some((t) => t.startsWith('linux\n'))).toBe(true);
    // The agent reads who denied it, and where: the denial is the tool's result.
    const denial = `The human denied this (${deploy?.id}): Denied by ${REVIEWER_NAME}`;
    expect(fake.toolResults().some((t) => t.startsWith(denial))).toBe(true);
    expect(p.read.task('T4')?.status).toBe('Done');
    expect(git(p.dir, 'log', '-1', '--format=%s', 'phase1/implementer').trim()).toBe(
      'feat(os): name the operating system',
    );
    expect(git(p.dir, 'show', 'phase1/implementer:src/os.js')).toContain('process.platform');
  });
});
