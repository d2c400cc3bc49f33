import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { agentWorkspaceDir } from '../electron/core/agents/workers/git-workspace.ts';
import { type FakeAnthropic, type MessagesRequest, startFakeAnthropic } from './support/fake-anthropic.ts';
import { claudeProject, expectFinishedOnce, killAndResume } from './support/coding-agent.ts';

describe('kill -9 of Governor while its Claude Code session waits on the human', () => {
  let fake: FakeAnthropic;
  afterAll(async () => {
    await fake?.close();
  });

  it('resumes the same session on the next run, asks nothing twice, and finishes the task', {
    timeout: 400_000,
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

    const asked = await killAndResume(dir, () => resumedRequest);
    const conversation = JSON.stringify((resumedRequest as MessagesRequest | null)?.messages);
    await expectFinishedOnce(dir, 'claude-code', asked, conversation);
  });
});
