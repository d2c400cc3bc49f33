import { afterAll, describe, it } from 'vitest';
import { type FakeAnthropic, startFakeAnthropic } from './support/fake-anthropic.ts';
import { claudeProject, expectFinishedOnce, killAndResume, scriptResumedTask } from './support/coding-agent.ts';

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
    const resumed = scriptResumedTask(fake, dir);
    const asked = await killAndResume(dir, resumed);
    await expectFinishedOnce(dir, 'claude-code', asked, JSON.stringify(resumed()?.messages));
  });
});
