import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiscordBridge } from '../electron/core/discord/bridge.ts';
import type { OpenedProject } from '../electron/core/host.ts';
import { runLoop } from '../electron/core/workflow/loop.ts';
import { agentWorkspaceDir } from '../electron/core/agents/workers/git-workspace.ts';
import { type FakeDiscord, startFakeDiscord } from './support/fake-discord/index.ts';
import { type FakeResponses, startFakeResponses } from './support/fake-openai-responses.ts';
import { REVIEWER_ROLE, botYaml, bridge } from './support/discord.ts';
import {
  type ButtonPresser,
  REVIEWER_NAME,
  buttonPresser,
  itDecidedFromDiscordButtons,
} from './support/discord-buttons.ts';
import { addFile, codexProject, exec, governor } from './support/codex.ts';
import { until } from './support/coding-agent.ts';
import { git } from './support/tmp.ts';

/**
 * The human, away from the host, decides Codex's commands with Discord buttons: the real `codex app-server`
 * (against the fake Responses API) asks for approval, the real discord.js bridge posts each request to the
 * fake Discord, a reviewer presses "Allow once" on one command and "Deny" on the next, and the waiting
 * agent runs the first, reads the denial of the second, and hands off.
 */
describe('Codex asks, and the human decides from Discord buttons', () => {
  let fake: FakeResponses;
  let discord: FakeDiscord;
  let p: OpenedProject;
  let b: DiscordBridge;
  let presser: ButtonPresser;

  beforeAll(async () => {
    fake = await startFakeResponses();
    discord = await startFakeDiscord({ roles: [{ id: REVIEWER_ROLE, name: 'Human Reviewer' }] });
    const proj = await codexProject(fake);
    writeFileSync(join(proj.dir, 'discord.yaml'), `${botYaml(discord)}\n`);
    const ws = agentWorkspaceDir(proj.dir, 'phase1/implementer');
    fake.pushFor(
      'T4',
      { calls: [addFile(join(ws, 'src/os.js'), 'export const os = process.platform;\n')] },
      { calls: [exec('uname -s')] },
      { calls: [exec('make deploy')] },
      {
        calls: [
          governor('handoff', {
            summary: 'Added src/os.js.',
            commit_subject: 'feat(os): name the operating system',
            tested: 'uname -s',
          }),
        ],
      },
      { text: 'Handed off.' },
    );
    p = await proj.open();
    presser = buttonPresser(p, discord);
    b = await bridge(p, { DISCORD_BOT_TOKEN: discord.token });
    const loop = runLoop(p);
    const uname = await until(() => p.read.permissionRequests('pending')[0], 'uname -s to be asked', 180_000);
    await presser.press(uname, 'allow_once');
    const deploy = await until(
      () => p.read.permissionRequests('pending').find((r) => r.id !== uname.id),
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
    await fake?.close();
  });

  itDecidedFromDiscordButtons(() => ({ p, discord, presser, worker: 'codex' }), {
    allowed: 'uname -s',
    denied: 'make deploy',
  });

  it('the waiting agent ran the allowed command, read the denial, handed off, and Governor committed', () => {
    const deploy = p.read.permissionRequests().find((r) => r.status === 'denied');
    expect(fake.toolOutputs().some((t) => t.includes('Linux'))).toBe(true);
    // Codex tells its model only "rejected by user": Governor steers the denial, with its request id, in.
    const denial = `The human denied this (${deploy?.id}): Denied by ${REVIEWER_NAME}`;
    expect(fake.userTexts().some((t) => t.includes(denial))).toBe(true);
    expect(p.read.task('T4')?.status).toBe('Done');
    expect(git(p.dir, 'log', '-1', '--format=%s', 'phase1/implementer').trim()).toBe(
      'feat(os): name the operating system',
    );
    expect(git(p.dir, 'show', 'phase1/implementer:src/os.js')).toContain('process.platform');
  });
});
