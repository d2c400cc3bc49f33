import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { EventPayloads } from '../shared/index.ts';
import { openProject } from '../electron/core/host.ts';
import { agentWorkspaceDir } from '../electron/core/agents/workers/git-workspace.ts';
import { type FakeAnthropic, type MessagesRequest, startFakeAnthropic } from './support/fake-anthropic.ts';
import { claudeProject, cli, cliProcess, until } from './support/coding-agent.ts';
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

describe('kill -9 of Governor while its Claude Code session waits on the human', () => {
  let fake: FakeAnthropic;
  afterAll(async () => {
    await fake?.close();
  });

  it('resumes the same session on the next run, asks nothing twice, and finishes the task', {
    timeout: 300_000,
  }, async () => {
    fake = await startFakeAnthropic();
    const proj = await claudeProject(fake);
    const dir = proj.dir;
    const ws = agentWorkspaceDir(dir, 'phase1/implementer');
    let resumedRequest: MessagesRequest | null = null;
    fake.pushFor(
      'T4',
      {
        tools: [
          { name: 'Write', input: { file_path: join(ws, 'src/resume.js'), content: 'export const resumed = true;\n' } },
        ],
      },
      { tools: [{ name: 'Bash', input: { command: 'uname -s', description: 'which OS' } }] },
      // After the restart: the resumed session carries the conversation so far, and asks again for the command.
      (req) => {
        resumedRequest = req;
        return { tools: [{ name: 'Bash', input: { command: 'uname -s', description: 'which OS' } }] };
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
    const exited1 = new Promise((r) => run1.on('exit', r));
    const asked = await until(() => pending(dir)[0], 'the first run to ask', 90_000);
    run1.kill('SIGKILL');
    await exited1;

    // Run 2: the same session resumes; the same input finds the same request (no second ask); the human allows it.
    const run2 = cliProcess(['run', '--dir', dir, '--no-prompt']);
    let out2 = '';
    run2.stdout?.on('data', (d: Buffer) => (out2 += d.toString()));
    const exited2 = new Promise<number | null>((r) => run2.on('exit', r));
    await until(() => resumedRequest, 'the resumed session to ask again', 90_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(pending(dir)).toEqual([asked]);
    const ok = await cli(['decide', asked.id, 'allow', '--dir', dir, '--digest', asked.digest.slice(0, 12)]);
    expect(ok.code, ok.stderr).toBe(0);
    const code = await exited2;
    expect([2, 3], out2).toContain(code);

    const p = await openProject(dir);
    try {
      const sessions = p.ledger
        .readTypes(['worker.session_started'])
        .map((e) => EventPayloads['worker.session_started'].parse(e.payload))
        .filter((s) => s.task_id === 'T4');
      expect(sessions).toHaveLength(2);
      expect(sessions[1]).toMatchObject({ session_id: sessions[0]?.session_id, resumed: true });
      // The conversation came back: the resumed request still holds the Write the first run made.
      expect(JSON.stringify((resumedRequest as MessagesRequest | null)?.messages)).toContain('src/resume.js');
      expect(p.read.permissionRequests().filter((r) => r.tool === 'Bash')).toHaveLength(1);
      expect(p.read.permissionRequest(asked.id)).toMatchObject({ status: 'allowed', decision: { source: 'cli' } });
      expect(p.read.task('T4')?.status).toBe('Done');
      expect(git(dir, 'show', 'phase1/implementer:src/resume.js')).toContain('resumed = true');
      expect(p.ledger.verify().ok).toBe(true);
    } finally {
      p.close();
    }
    const verify = await cli(['audit', 'verify', '--dir', dir, '--git']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  });
});
