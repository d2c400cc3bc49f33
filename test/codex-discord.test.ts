import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentWorkspaceDir } from '../electron/core/agents/workers/git-workspace.ts';
import { type FakeResponses, startFakeResponses } from './support/fake-openai-responses.ts';
import { REVIEWER_NAME, discordButtonRun, itDecidedFromDiscordButtons } from './support/discord-buttons.ts';
import { addFile, codexProject, exec, governor } from './support/codex.ts';
import { git } from './support/tmp.ts';

/** The command the reviewer allows from Discord, and the one it denies (as each request's input holds them). */
const COMMANDS = { allowed: 'uname -s', denied: 'make deploy' };

/**
 * The human, away from the host, decides Codex's commands with Discord buttons: the real `codex app-server`
 * (against the fake Responses API) asks for approval, the real discord.js bridge posts each request to the
 * fake Discord, a reviewer presses "Allow once" on one command and "Deny" on the next, and the waiting
 * agent runs the first, reads the denial of the second, and hands off.
 */
describe('Codex asks, and the human decides from Discord buttons', () => {
  let fake: FakeResponses;
  const run = discordButtonRun();

  beforeAll(async () => {
    fake = await startFakeResponses();
    const proj = await codexProject(fake);
    const ws = agentWorkspaceDir(proj.dir, 'phase1/implementer');
    fake.scriptFor(
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
    await run.decide(proj, COMMANDS);
  }, 600_000);
  afterAll(async () => {
    await run.close();
    await fake?.close();
  });

  itDecidedFromDiscordButtons(() => ({ ...run.ctx(), worker: 'codex' }), COMMANDS);

  it('the waiting agent ran the allowed command, read the denial, handed off, and Governor committed', () => {
    const { p } = run.ctx();
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
