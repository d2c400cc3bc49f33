import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventPayloads } from '../shared/index.ts';
import type { DiscordBridge } from '../electron/core/discord/bridge.ts';
import type { OpenedProject } from '../electron/core/host.ts';
import { runLoop } from '../electron/core/workflow/loop.ts';
import { agentWorkspaceDir } from '../electron/core/agents/workers/git-workspace.ts';
import {
  type ButtonPresser,
  REVIEWER_NAME,
  buttonPresser,
  itDecidedFromDiscordButtons,
} from './support/discord-buttons.ts';
import { type FakeDiscord, startFakeDiscord } from './support/fake-discord/index.ts';
import { type FakeAnthropic, startFakeAnthropic } from './support/fake-anthropic.ts';
import { REVIEWER_ROLE, botYaml, bridge } from './support/discord.ts';
import { agentProject, claudeEnv, until } from './support/coding-agent.ts';
import { git } from './support/tmp.ts';

const ADAPTER = resolve(import.meta.dirname, '..', 'node_modules', '.bin', 'claude-agent-acp');

/**
 * The human, away from the host, decides an ACP agent's commands with Discord buttons: the real Claude Code
 * ACP adapter (against the fake Anthropic API) asks through `session/request_permission`, the real
 * discord.js bridge posts each request to the fake Discord, a reviewer clicks "Allow once" on one command
 * and "Deny" on the next, and the waiting agent runs the first, reads the denial, and goes on to hand off.
 * Its read of a workspace file, which Claude Code would do without asking, went through Governor's gate too.
 */
describe('an ACP agent asks, and the human decides from Discord buttons', () => {
  let anthropic: FakeAnthropic;
  let discord: FakeDiscord;
  let p: OpenedProject;
  let b: DiscordBridge;
  let presser: ButtonPresser;

  beforeAll(async () => {
    anthropic = await startFakeAnthropic();
    discord = await startFakeDiscord({ roles: [{ id: REVIEWER_ROLE, name: 'Human Reviewer' }] });
    claudeEnv();
    process.env.ANTHROPIC_BASE_URL = anthropic.url;
    process.env.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC = '1';
    const proj = await agentProject({ runtime: 'acp', command: ADAPTER, args: [] });
    writeFileSync(join(proj.dir, 'discord.yaml'), `${botYaml(discord)}\n`);
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
    p = await proj.open();
    presser = buttonPresser(p, discord);
    b = await bridge(p, { DISCORD_BOT_TOKEN: discord.token });
    const loop = runLoop(p);
    const req = await until(
      () => p.read.permissionRequests('pending').find((r) => r.tool === 'Bash'),
      'the command to be asked',
      180_000,
    );
    await presser.press(req, 'allow_once');
    const deploy = await until(
      () => p.read.permissionRequests('pending').find((r) => r.id !== req.id),
      'make deploy to be asked',
      180_000,
    );
    await presser.press(deploy, 'deny');
    await loop;
  }, 600_000);
  afterAll(async () => {
    await b?.stop();
    p?.close();
    await discord?.close();
    await anthropic?.close();
  });

  itDecidedFromDiscordButtons(() => ({ p, discord, presser, worker: 'acp' }), {
    allowed: 'console.log(process.platform)',
    denied: 'make deploy',
  });

  it('the waiting agent ran the command, read the denial, then handed off, and Governor committed its work', () => {
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
    const gated = p.ledger
      .readTypes(['worker.activity'])
      .map((e) => EventPayloads['worker.activity'].parse(e.payload))
      .filter((a) => a.kind === 'permission' && a.task_id === 'T4');
    expect(gated.find((a) => a.tool === 'Read')).toMatchObject({ worker: 'acp', gate: { behavior: 'allow' } });
  });
});
