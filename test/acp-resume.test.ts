import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { agentWorkspaceDir } from '../electron/core/agents/workers/git-workspace.ts';
import { type FakeAnthropic, type MessagesRequest, startFakeAnthropic } from './support/fake-anthropic.ts';
import { acpProject, expectFinishedOnce, killAndResume } from './support/coding-agent.ts';

/**
 * `kill -9` of Governor while its ACP agent (the real Claude Code ACP adapter, against the fake Anthropic API)
 * waits on the human, then the next `governor run`: run 1 writes a file and asks for `uname -s`; Governor
 * dies, and its agent with everything it started; run 2 reopens the same session with `session/resume` (the
 * adapter offers it), the agent asks again and finds the request it already made (nobody is asked twice), the
 * human allows it from the CLI, the agent hands off, and Governor commits once.
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
    const proj = await acpProject(fake);
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

    const asked = await killAndResume(dir, () => resumedRequest);
    await expectFinishedOnce(dir, 'acp', asked, JSON.stringify((resumedRequest as MessagesRequest | null)?.messages));
    expect(fake.toolResults().some((t) => t.includes('Linux'))).toBe(true);
    // Nothing of run 1 outlived it: an orphaned Claude Code (the adapter's child) would have gone on with
    // model turns whose tool uses fail for want of an answer.
    expect(fake.toolResults().filter((t) => t.includes('Tool permission request failed'))).toEqual([]);
  });
});
