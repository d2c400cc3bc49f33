import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { EventPayloads } from '../shared/index.ts';
import { openProject } from '../electron/core/host.ts';
import { agentWorkspaceDir } from '../electron/core/agents/workers/git-workspace.ts';
import { startFakeResponses } from './support/fake-openai-responses.ts';
import { addFile, codexProject, exec, governor, searchTools } from './support/codex.ts';
import { cli, cliProcess, until } from './support/coding-agent.ts';
import { git } from './support/tmp.ts';

/** The pending permission requests, read by a second process as a user's terminal would. */
function pending(dir: string): Array<{ id: string; digest: string }> {
  const db = new Database(join(dir, '.governor', 'governor.db'), { readonly: true });
  try {
    db.pragma('busy_timeout = 2000');
    return db
      .prepare<[], { id: string; digest: string }>(
        "SELECT id, digest FROM permission_requests WHERE status = 'pending' ORDER BY seq",
      )
      .all();
  } catch {
    return [];
  } finally {
    db.close();
  }
}

/**
 * `kill -9` of Governor while its agent waits on the human, then the next `governor run`: run 1 writes a
 * file and asks for `uname -s`; Governor dies (and its agent with it); run 2 resumes the same session
 * (Codex `thread/resume`), the agent asks again, finds the request it already made
 * (nobody is asked twice), the human allows it from the CLI, the agent hands off, Governor commits once.
 */
async function killAndResume(dir: string, resumed: () => unknown): Promise<{ id: string; digest: string }> {
  const run1 = cliProcess(['run', '--dir', dir, '--no-prompt']);
  let out1 = '';
  run1.stdout?.on('data', (d: Buffer) => (out1 += d.toString()));
  run1.stderr?.on('data', (d: Buffer) => (out1 += d.toString()));
  const exited1 = new Promise((r) => run1.on('exit', r));
  const asked = await until(() => pending(dir)[0], 'the first run to ask', 120_000).catch((err: unknown) => {
    run1.kill('SIGKILL');
    throw new Error(`${String(err)}; the first run said: ${out1.slice(-2000)}`);
  });
  run1.kill('SIGKILL');
  await exited1;

  const run2 = cliProcess(['run', '--dir', dir, '--no-prompt']);
  let out2 = '';
  run2.stdout?.on('data', (d: Buffer) => (out2 += d.toString()));
  run2.stderr?.on('data', (d: Buffer) => (out2 += d.toString()));
  const exited2 = new Promise<number | null>((r) => run2.on('exit', r));
  await until(resumed, 'the resumed session to ask again', 120_000);
  await new Promise((r) => setTimeout(r, 300));
  expect(pending(dir)).toEqual([asked]);
  const ok = await cli(['decide', asked.id, 'allow', '--dir', dir, '--digest', asked.digest.slice(0, 12)]);
  expect(ok.code, ok.stderr).toBe(0);
  expect([2, 3], out2).toContain(await exited2);
  return asked;
}

async function expectFinishedOnce(
  dir: string,
  worker: string,
  asked: { id: string },
  conversation: string,
): Promise<void> {
  const p = await openProject(dir);
  try {
    const sessions = p.ledger
      .readTypes(['worker.session_started'])
      .map((e) => EventPayloads['worker.session_started'].parse(e.payload))
      .filter((s) => s.task_id === 'T4');
    expect(sessions).toHaveLength(2);
    expect(sessions[0]).toMatchObject({ worker, resumed: false });
    expect(sessions[1]).toMatchObject({ worker, session_id: sessions[0]?.session_id, resumed: true });
    // The conversation came back: the resumed request still holds the write the first run made.
    expect(conversation).toContain('src/resume.js');
    expect(p.read.permissionRequests().filter((r) => r.tool === 'Bash')).toHaveLength(1);
    expect(p.read.permissionRequest(asked.id)).toMatchObject({ status: 'allowed', decision: { source: 'cli' } });
    const ended = p.ledger.readTypes(['worker.session_ended']).map((e) => e.payload);
    expect(p.read.task('T4')?.status, JSON.stringify(ended)).toBe('Done');
    expect(git(dir, 'show', 'phase1/implementer:src/resume.js')).toContain('resumed = true');
    expect(
      git(dir, 'log', '--format=%s', 'phase1/implementer')
        .split('\n')
        .filter((s) => s === 'feat(resume): survive a restart'),
    ).toHaveLength(1);
    expect(p.ledger.verify().ok).toBe(true);
  } finally {
    p.close();
  }
  git(dir, 'fsck', '--full');
  const verify = await cli(['audit', 'verify', '--dir', dir, '--git']);
  expect(verify.code, verify.stdout + verify.stderr).toBe(0);
}

describe('kill -9 of Governor while Codex waits on the human, then resume', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
  });

  it('Codex: the next run resumes the thread (thread/resume), asks nothing twice, commits once', {
    timeout: 400_000,
  }, async () => {
    const fake = await startFakeResponses();
    closers.push(() => fake.close());
    const proj = await codexProject(fake);
    const ws = agentWorkspaceDir(proj.dir, 'phase1/implementer');
    let conversation = '';
    fake.pushFor(
      'T4',
      { calls: [addFile(join(ws, 'src/resume.js'), 'export const resumed = true;\n')] },
      { calls: [exec('uname -s')] },
      (req) => {
        conversation = JSON.stringify(req.input);
        return { calls: [exec('uname -s')] };
      },
      { calls: [searchTools('governor handoff')] },
      {
        calls: [
          governor('handoff', {
            summary: 'Added src/resume.js after a restart.',
            commit_subject: 'feat(resume): survive a restart',
            tested: 'uname -s',
          }),
        ],
      },
      { text: 'Handed off.' },
    );
    const asked = await killAndResume(proj.dir, () => conversation);
    await expectFinishedOnce(proj.dir, 'codex', asked, conversation);
  });
});
