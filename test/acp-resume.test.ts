import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { EventPayloads } from '../shared/index.ts';
import { openProject } from '../electron/core/host.ts';
import { agentWorkspaceDir } from '../electron/core/agents/workers/git-workspace.ts';
import { type FakeAnthropic, type MessagesRequest, startFakeAnthropic } from './support/fake-anthropic.ts';
import { agentProject, claudeEnv, cli, cliProcess, until } from './support/coding-agent.ts';
import { git } from './support/tmp.ts';

const ADAPTER = resolve(import.meta.dirname, '..', 'node_modules', '.bin', 'claude-agent-acp');

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
 * `kill -9` of Governor while its ACP agent (the real Claude Code ACP adapter, against the fake Anthropic API)
 * waits on the human, then the next `governor run`: run 1 writes a file and asks for `uname -s`; Governor
 * dies, and its agent with everything it started; run 2 reopens the same session with `session/resume` (the adapter offers it),
 * the agent asks again and finds the request it already made (nobody is asked twice), the human allows it
 * from the CLI, the agent hands off, and Governor commits once.
 */
describe('kill -9 of Governor while its ACP agent waits on the human, then resume', () => {
  let fake: FakeAnthropic;
  afterAll(async () => {
    await fake?.close();
  });

  it('the next run resumes the session (session/resume), asks nothing twice, commits once', {
    timeout: 400_000,
  }, async () => {
    fake = await startFakeAnthropic();
    claudeEnv();
    process.env.ANTHROPIC_BASE_URL = fake.url;
    process.env.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC = '1';
    const proj = await agentProject({ runtime: 'acp', command: ADAPTER, args: [] });
    const dir = proj.dir;
    const ws = agentWorkspaceDir(dir, 'phase1/implementer');
    let resumedRequest: MessagesRequest | null = null;
    const uname = { tools: [{ name: 'Bash', input: { command: 'uname -s', description: 'which OS' } }] };
    fake.pushFor(
      'T4',
      {
        tools: [
          { name: 'Write', input: { file_path: join(ws, 'src/resume.js'), content: 'export const resumed = true;\n' } },
        ],
      },
      uname,
      // After the restart: the resumed session carries the conversation so far, and asks again for the command.
      (req) => {
        resumedRequest = req;
        return uname;
      },
      {
        tools: [
          {
            name: 'mcp__governor__handoff',
            input: {
              summary: 'Added src/resume.js after a restart.',
              commit_subject: 'feat(resume): survive a restart',
              tested: 'uname -s',
            },
          },
        ],
      },
      { text: 'Handed off.' },
    );

    // Run 1: the agent writes, then asks for `uname -s`; Governor is killed while it waits.
    const run1 = cliProcess(['run', '--dir', dir, '--no-prompt']);
    let out1 = '';
    run1.stdout?.on('data', (d: Buffer) => (out1 += d.toString()));
    run1.stderr?.on('data', (d: Buffer) => (out1 += d.toString()));
    const exited1 = new Promise((r) => run1.on('exit', r));
    const asked = await until(() => pending(dir)[0], 'the first run to ask', 180_000).catch((err: unknown) => {
      run1.kill('SIGKILL');
      throw new Error(`${String(err)}; the first run said: ${out1.slice(-2000)}`);
    });
    run1.kill('SIGKILL');
    await exited1;

    // Run 2: the same session resumes; the same input finds the same request; the human allows it.
    const run2 = cliProcess(['run', '--dir', dir, '--no-prompt']);
    let out2 = '';
    run2.stdout?.on('data', (d: Buffer) => (out2 += d.toString()));
    run2.stderr?.on('data', (d: Buffer) => (out2 += d.toString()));
    const exited2 = new Promise<number | null>((r) => run2.on('exit', r));
    await until(() => resumedRequest, 'the resumed session to ask again', 180_000).catch((err: unknown) => {
      run2.kill('SIGKILL');
      throw new Error(`${String(err)}; the second run said: ${out2.slice(-2000)}`);
    });
    await until(() => out2.includes(asked.id), 'the second run to wait on the same request', 60_000).catch(
      (err: unknown) => {
        run2.kill('SIGKILL');
        throw new Error(`${String(err)}; the second run said: ${out2.slice(-3000)}`);
      },
    );
    expect(pending(dir)).toEqual([asked]);
    const ok = await cli(['decide', asked.id, 'allow', '--dir', dir, '--digest', asked.digest.slice(0, 12)]);
    expect(ok.code, ok.stderr).toBe(0);
    expect([2, 3], out2).toContain(await exited2);

    const p = await openProject(dir);
    try {
      const sessions = p.ledger
        .readTypes(['worker.session_started'])
        .map((e) => EventPayloads['worker.session_started'].parse(e.payload))
        .filter((s) => s.task_id === 'T4');
      expect(sessions).toHaveLength(2);
      expect(sessions[0]).toMatchObject({ worker: 'acp', resumed: false });
      expect(sessions[1]).toMatchObject({ worker: 'acp', session_id: sessions[0]?.session_id, resumed: true });
      // The conversation came back: the resumed request still holds the write the first run made.
      expect(JSON.stringify((resumedRequest as MessagesRequest | null)?.messages)).toContain('src/resume.js');
      expect(p.read.permissionRequests().filter((r) => r.tool === 'Bash')).toHaveLength(1);
      expect(p.read.permissionRequest(asked.id)).toMatchObject({ status: 'allowed', decision: { source: 'cli' } });
      expect(fake.toolResults().some((t) => t.includes('Linux'))).toBe(true);
      // Nothing of run 1 outlived it: an orphaned Claude Code (the adapter's child) would have gone on with
      // model turns whose tool uses fail for want of an answer.
      expect(fake.toolResults().filter((t) => t.includes('Tool permission request failed'))).toEqual([]);
      expect(p.read.task('T4')?.status).toBe('Done');
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
  });
});
