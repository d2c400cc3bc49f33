import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { OpenedProject } from '../electron/core/host.ts';
import { runLoop } from '../electron/core/workflow/loop.ts';
import { bundledCodexBinary } from '../electron/core/agents/workers/codex-setup.ts';
import { type FakeResponses, startFakeResponses } from './support/fake-openai-responses.ts';
import { codexProject, exec } from './support/codex.ts';
import { tempDir } from './support/tmp.ts';

/** A stand-in `command:` for codex: a shell script (what a broken install or a wrong path looks like). */
function script(body: string): string {
  const path = join(tempDir('governor-fake-codex-'), 'codex');
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

/**
 * Each of these is a concern naming the agent and the fix, pauses that agent only, and loses nothing:
 * the task goes back to To Do and the other agents go on.
 */
describe('Codex: bad input', () => {
  let fake: FakeResponses | undefined;
  let p: OpenedProject | undefined;
  afterEach(async () => {
    p?.close();
    await fake?.close();
  });

  async function runWith(command: string | undefined, turns: Parameters<FakeResponses['pushFor']>[1][] = []) {
    fake = await startFakeResponses();
    const proj = await codexProject(fake, command ? { command } : {});
    fake.pushFor('T4', ...turns);
    p = await proj.open();
    await runLoop(p);
    const concern = p.read.concerns().find((c) => c.from === 'Implementer' && c.category === 'runtime_failure');
    expect(p.read.agent('Implementer')?.status).toBe('paused');
    expect(p.read.agent('Tester')?.status).not.toBe('paused');
    expect(p.read.task('T4')?.status).toBe('To Do');
    return { concern, p };
  }

  it('a missing binary names the path and the fix', async () => {
    const { concern } = await runWith('/nonexistent/codex');
    expect(concern?.details).toMatch(
      /codex:gpt-5\.5: the codex binary \/nonexistent\/codex \(agents\.yaml command:\) does not exist; fix the path/,
    );
    expect(fake?.requests).toHaveLength(0);
  });

  it('an unsupported version names the version and how to upgrade', async () => {
    const { concern } = await runWith(script('echo "codex-cli 0.100.0"'));
    expect(concern?.details).toMatch(/codex 0\.100\.0 is older than 0\.171\.0.*npm install @openai\/codex@latest/);
  });

  it('a protocol error (an app-server that does not speak JSON-RPC) names the agent and `governor doctor`', async () => {
    const { concern } = await runWith(
      script(
        'if [ "$1" = "--version" ]; then echo "codex-cli 0.171.0"; exit 0; fi\necho "Welcome to codex!"\nexec sleep 30',
      ),
    );
    expect(concern?.details).toMatch(
      /codex:gpt-5\.5: codex app-server wrote something that is not JSON-RPC \(Welcome to codex!\).*governor doctor/,
    );
  });

  it('a worker that dies mid-turn names the agent, keeps its thread for resume', async () => {
    const real = bundledCodexBinary() ?? '';
    const pidFile = join(tempDir('governor-codex-pid-'), 'pid');
    const wrapper = script(`echo $$ > ${pidFile}\nexec ${real} "$@"`);
    const { concern } = await runWith(wrapper, [
      () => {
        // The model's first turn: the app-server is killed while it waits for the answer.
        process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGKILL');
        return { hang: true };
      },
    ]);
    expect(concern?.details).toMatch(
      /codex:gpt-5\.5 \(codex app-server\) exited on SIGKILL during T4; its thread \S+ is kept and resumes with the agent/,
    );
  });

  it('a request nobody decides in time is recorded as timed_out, and the agent is told so', async () => {
    fake = await startFakeResponses();
    const proj = await codexProject(fake, { permissions: 'agent_permissions:\n  timeout_s: 1\n' });
    fake.pushFor('T4', { calls: [exec('uname -s')] }, { text: 'Could not check.' });
    p = await proj.open();
    await runLoop(p);
    const [req] = p.read.permissionRequests();
    expect(req).toMatchObject({ worker: 'codex', tool: 'Bash', status: 'timed_out', decision: null });
    expect(p.ledger.readTypes(['permission.decided'])).toHaveLength(0);
    const told = fake.userTexts().find((t) => t.includes(req?.id ?? '?'));
    expect(told).toMatch(/timed out/);
    expect(told).toMatch(/It was not denied/);
  });

  it('a step whose wall clock runs out withdraws the ask still waiting on the human', async () => {
    fake = await startFakeResponses();
    const proj = await codexProject(fake, {
      permissions: 'agent_permissions:\n  timeout_s: 600\n',
      limits: 'agent_limits:\n  wall_clock_s: 3\n',
    });
    fake.pushFor('T4', { calls: [exec('uname -s')] }, { text: 'Stopped.' });
    p = await proj.open();
    await runLoop(p);
    const [req] = p.read.permissionRequests();
    // Before, the request stayed pending in the inbox after its turn had ended, so a later Allow went nowhere.
    expect(req).toMatchObject({ worker: 'codex', tool: 'Bash', status: 'withdrawn', decision: null });
    const concern = p.read.concerns().find((c) => c.from === 'Implementer' && c.category === 'runtime_failure');
    expect(concern?.details).toMatch(/ran past agent_limits\.wall_clock_s/);
  });
});
