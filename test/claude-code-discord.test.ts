import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentWorkspaceDir } from '../electron/core/agents/workers/git-workspace.ts';
import { type FakeAnthropic, startFakeAnthropic } from './support/fake-anthropic.ts';
import { REVIEWER_NAME, discordButtonRun, itDecidedFromDiscordButtons } from './support/discord-buttons.ts';
import { claudeProject } from './support/coding-agent.ts';
import { git } from './support/tmp.ts';

const ALLOWED = 'node -e "console.log(process.platform)"';
const DENIED = 'make deploy';

/** The command the reviewer allows from Discord, and the one it denies (as each request's input holds them). */
const COMMANDS = { allowed: 'console.log(process.platform)', denied: DENIED };

/**
 * The human, away from the host, decides Claude Code's commands with Discord buttons: the real Claude Code
 * binary (against the fake Anthropic API) asks through Governor's permission gate, the real discord.js
 * bridge posts each request to the fake Discord, a reviewer presses "Allow once" on one command and "Deny"
 * on the next, and the waiting agent runs the first, reads the denial of the second, and hands off.
 */
describe('Claude Code asks, and the human decides from Discord buttons', () => {
  let fake: FakeAnthropic;
  const run = discordButtonRun();

  beforeAll(async () => {
    fake = await startFakeAnthropic();
    const proj = await claudeProject(fake);
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
    await run.decide(proj, COMMANDS);
  }, 600_000);
  afterAll(async () => {
    await run.close();
    await fake?.close();
  });

  itDecidedFromDiscordButtons(() => ({ ...run.ctx(), worker: 'claude-code' }), COMMANDS);

  it('the waiting agent ran the allowed command, read the denial, handed off, and Governor committed', () => {
    const { p } = run.ctx();
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
