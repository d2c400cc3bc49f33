import { join } from 'node:path';
import { afterEach, describe, it } from 'vitest';
import { agentWorkspaceDir } from '../electron/core/agents/workers/git-workspace.ts';
import { startFakeResponses } from './support/fake-openai-responses.ts';
import { addFile, codexProject, exec, governor, searchTools } from './support/codex.ts';
import { expectFinishedOnce, killAndResume } from './support/coding-agent.ts';

/**
 * `kill -9` of Governor while Codex waits on the human, then the next `governor run`: run 1 writes a file and
 * asks for `uname -s`; Governor dies (and its agent with it); run 2 resumes the same session (Codex
 * `thread/resume`), the agent asks again, finds the request it already made (nobody is asked twice), the human
 * allows it from the CLI, the agent hands off, Governor commits once.
 */
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
    fake.scriptFor(
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
