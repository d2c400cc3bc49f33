import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventPayloads } from '../shared/index.ts';
import type { DiscordBridge } from '../electron/core/discord/bridge.ts';
import { projectKey } from '../electron/core/discord/bridge.ts';
import { permissionId, projectTag } from '../electron/core/discord/custom-id.ts';
import type { OpenedProject } from '../electron/core/host.ts';
import { runLoop } from '../electron/core/workflow/loop.ts';
import { agentWorkspaceDir } from '../electron/core/agents/workers/git-workspace.ts';
import { type FakeDiscord, startFakeDiscord } from './support/fake-discord/index.ts';
import { type FakeAnthropic, startFakeAnthropic } from './support/fake-anthropic.ts';
import { REVIEWER, REVIEWER_ROLE, botYaml, bridge } from './support/discord.ts';
import { agentProject, claudeEnv, until } from './support/coding-agent.ts';
import { git } from './support/tmp.ts';

const ADAPTER = resolve(import.meta.dirname, '..', 'node_modules', '.bin', 'claude-agent-acp');

/**
 * The human, away from the host, allows an ACP agent's command with a Discord button: the real Claude Code
 * ACP adapter (against the fake Anthropic API) asks through `session/request_permission`, the real
 * discord.js bridge posts the request to the fake Discord, a reviewer clicks "Allow once", and the waiting
 * agent runs the command and goes on to hand off. Its read of a workspace file, which Claude Code would do
 * without asking, went through Governor's gate too.
 */
describe('an ACP agent asks, and the human allows it from a Discord button', () => {
  let anthropic: FakeAnthropic;
  let discord: FakeDiscord;
  let p: OpenedProject;
  let b: DiscordBridge;
  let clicked = '';

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
    b = await bridge(p, { DISCORD_BOT_TOKEN: discord.token });
    const loop = runLoop(p);
    const req = await until(
      () => p.read.permissionRequests('pending').find((r) => r.tool === 'Bash'),
      'the command to be asked',
      180_000,
    );
    const id = permissionId(projectTag(projectKey(p)), 'allow_once', req.id, req.input_digest);
    const message = await discord.waitFor(
      () => discord.messages(discord.channelId('approvals')).find((m) => JSON.stringify(m.components).includes(id)),
      60_000,
      'the permission request on Discord',
    );
    clicked = (await discord.click({ customId: id, userId: REVIEWER, messageId: message.id })).id;
    await loop;
  }, 600_000);
  afterAll(async () => {
    await b?.stop();
    p?.close();
    await discord?.close();
    await anthropic?.close();
  });

  it('the button decided the request, once, and said so in Discord', async () => {
    const [req] = p.read.permissionRequests().filter((r) => r.tool === 'Bash');
    expect(req).toMatchObject({
      worker: 'acp',
      status: 'allowed',
      decision: { decision: 'allow_once', source: 'discord' },
    });
    expect(p.ledger.readTypes(['permission.decided'])).toHaveLength(1);
    const answer = await discord.waitFor(
      () => discord.messages().find((m) => m.interaction_id === clicked && m.content !== ''),
      8000,
    );
    expect(answer.content).toMatch(/allowed once by \S+ via discord/);
  });

  it('the waiting agent ran the command, then handed off, and Governor committed its work', () => {
    expect(anthropic.toolResults().some((t) => t.trim() === 'linux')).toBe(true);
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
