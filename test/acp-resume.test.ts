import { afterAll, describe, expect, it } from 'vitest';
import { type FakeAnthropic, startFakeAnthropic } from './support/fake-anthropic.ts';
import { acpProject, expectFinishedOnce, killAndResume, scriptResumedTask } from './support/coding-agent.ts';

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
    const resumed = scriptResumedTask(fake, dir);
    const asked = await killAndResume(dir, resumed);
    await expectFinishedOnce(dir, 'acp', asked, JSON.stringify(resumed()?.messages));
    expect(fake.toolResults().some((t) => t.includes('Linux'))).toBe(true);
    // Nothing of run 1 outlived it: an orphaned Claude Code (the adapter's child) would have gone on with
    // model turns whose tool uses fail for want of an answer.
    expect(fake.toolResults().filter((t) => t.includes('Tool permission request failed'))).toEqual([]);
  });
});
