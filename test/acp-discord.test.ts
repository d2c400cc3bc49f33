import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventPayloads } from '../shared/index.ts';
import { agentWorkspaceDir } from '../electron/core/agents/workers/git-workspace.ts';
import { REVIEWER_NAME, discordButtonRun, itDecidedFromDiscordButtons } from './support/discord-buttons.ts';
import { type FakeAnthropic, startFakeAnthropic } from './support/fake-anthropic.ts';
import { acpProject } from './support/coding-agent.ts';
import { git } from './support/tmp.ts';

/** The command the reviewer allows from Discord, and the one it denies (as each request's input holds them). */
const COMMANDS = { allowed: 'console.log(process.platform)', denied: 'make deploy' };

/**
 * The human, away from the host, decides an ACP agent's commands with Discord buttons: the real Claude Code
 * ACP adapter (against the fake Anthropic API) asks through `session/request_permission`, the real
 * discord.js bridge posts each request to the fake Discord, a reviewer clicks "Allow once" on one command
 * and "Deny" on the next, and the waiting agent runs the first, reads the denial, and goes on to hand off.
 * Its read of a workspace file, which Claude Code would do without asking, went through Governor's gate too.
 */
describe('an ACP agent asks, and the human decides from Discord buttons', () => {
  let anthropic: FakeAnthropic;
  const run = discordButtonRun();

  beforeAll(async () => {
    anthropic = await startFakeAnthropic();
    const proj = await acpProject(anthropic);
    const ws = agentWorkspaceDir(proj.dir, 'phase1/implementer');
    const file = join(ws, 'src/platform.js');
    anthropic.pushFor(
      'T4',
      {
        tools: [{ name: 'Write', input: { file_path: file, content: 'export const platform = process.platform;\n' } }],
      },
      { tools: [{ name: 'Read', input: { file_path: file } }] },
      {
        tools: [
          { name: 'Bash', input: { command: 'node -e "console.log(process.platform)"', description: 'which OS' } },
        ],
      },
      { tools: [{ name: 'Bash', input: { command: 'make deploy', description: 'deploy' } }] },
      // ACP carries no reason with a rejection: the turn ends, and Governor's next prompt says why.
      { text: 'The deploy was refused.' },
      {
        tools: [
          {
            name: 'mcp__governor__handoff',
            input: {
              summary: 'Added src/platform.js.',
              commit_subject: 'feat(platform): name the platform',
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
    await anthropic?.close();
  });

  itDecidedFromDiscordButtons(() => ({ ...run.ctx(), worker: 'acp' }), COMMANDS);

  it('the waiting agent ran the command, read the denial, then handed off, and Governor committed its work', () => {
    const { p } = run.ctx();
    expect(anthropic.toolResults().some((t) => t.trim() === 'linux')).toBe(true);
    const deploy = p.read.permissionRequests().find((r) => r.status === 'denied');
    const denial = `The human denied this (${deploy?.id}): Denied by ${REVIEWER_NAME}`;
    const prompted = anthropic.requests.some((r) => JSON.stringify(r.messages.at(-1)).includes(denial));
    expect(prompted).toBe(true);
    expect(p.read.task('T4')?.status).toBe('Done');
    expect(git(p.dir, 'log', '-1', '--format=%s', 'phase1/implementer').trim()).toBe(
      'feat(platform): name the platform',
    );
  });

  it("the read Claude Code would have done unasked went through Governor's gate", () => {
    const { p } = run.ctx();
    const gated = p.ledger
      .readTypes(['worker.activity'])
      .map((e) => EventPayloads['worker.activity'].parse(e.payload))
      .filter((a) => a.kind === 'permission' && a.task_id === 'T4');
    expect(gated.find((a) => a.tool === 'Read')).toMatchObject({ worker: 'acp', gate: { behavior: 'allow' } });
  });
});
