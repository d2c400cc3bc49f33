import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initProject } from '../electron/core/project.ts';
import { governorCli } from './support/discord.ts';
import { tempDir } from './support/tmp.ts';

const BIN = resolve(import.meta.dirname, '..', 'bin', 'governor.mjs');

/**
 * `governor run` at a real terminal: util-linux `script` gives it a pseudo-terminal, so it asks at each gate
 * as it does for a user, while other terminals decide, serve and verify beside it.
 */
function interactiveRun(dir: string): {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  waitFor(re: RegExp, from?: number): Promise<number>;
  type(line: string): void;
  exited: Promise<number | null>;
} {
  const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} run --dir ${JSON.stringify(dir)}`;
  const child = spawn('script', ['-qfec', cmd, '/dev/null'], {
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
  const exited = new Promise<number | null>((r) => child.once('close', r));
  return {
    child,
    output: () => out,
    /** Resolves with the index just past the first match at or after `from`. */
    async waitFor(re, from = 0) {
      for (let i = 0; i < 900; i++) {
        const m = re.exec(out.slice(from));
        if (m) return from + m.index + m[0].length;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`no ${re} in the run's output:\n${out.slice(from)}`);
    },
    type: (line) => child.stdin.write(`${line}\n`),
    exited,
  };
}

describe("interactive governor run as the project's one driver", { timeout: 240_000 }, () => {
  let dir: string;
  let run: ReturnType<typeof interactiveRun>;

  beforeAll(async () => {
    dir = join(tempDir(), 'backtester');
    await initProject(dir, { sample: true });
    run = interactiveRun(dir);
  });
  afterAll(async () => {
    if (run && run.child.exitCode === null) {
      run.child.kill('SIGTERM');
      await run.exited;
    }
  });

  it('refuses a second driver while it runs, naming itself', async () => {
    await run.waitFor(/Decide \[approve\/conditions/);
    const serve = await governorCli(['serve', '--dir', dir, '--port', '0'], {});
    expect(serve.code).toBe(1);
    expect(serve.stderr).toMatch(
      /already driven by an interactive `governor run` \(pid \d+\): a project has one driver/,
    );
    const second = await governorCli(['run', '--dir', dir, '--no-prompt'], {});
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/already driven by an interactive `governor run`/);
  });

  it('moves on when the review it asks about is decided elsewhere, and leaves the exports in line', async () => {
    const mark = run.output().length;
    const decide = await governorCli(
      ['decide', '1', 'approve', '--comment', 'from another terminal', '--dir', dir],
      {},
    );
    expect(decide.code, decide.stderr).toBe(0);
    expect(decide.stdout).toMatch(/interactive `governor run` \(pid \d+\) drives this project and acts on it/);
    const noticed = await run.waitFor(/review_0001 was decided elsewhere: approve by Human via cli/, mark);
    await run.waitFor(/Human gate: review_0002\s+design[\s\S]*Decide \[/, noticed);
    const verify = await governorCli(['audit', 'verify', '--dir', dir], {});
    expect(verify.code, verify.stdout).toBe(0);
  });

  it('a clarification asked at its prompt, then stopping, leaves the exports in line', async () => {
    const mark = run.output().length;
    run.type('clarify');
    await run.waitFor(/Comment \(required\):/, mark);
    run.type('why a separate data adapter?');
    const answered = await run.waitFor(/✓ review_0002: request_clarification/, mark);
    await run.waitFor(/Human gate: review_0003[\s\S]*Decide \[/, answered);
    run.type('q');
    expect(await run.exited).toBe(2);
    const verify = await governorCli(['audit', 'verify', '--dir', dir], {});
    expect(verify.code, verify.stdout).toBe(0);
    const detail =
      readFileSync(join(dir, 'docs', 'PROJECT_DETAIL.md'), 'utf8').split('## Recent Human Interactions')[1] ?? '';
    expect(detail).toMatch(
      /· cli · Human · Design review of `design\/DESIGN_SPEC.md` r1: .*why a separate data adapter\?/,
    );
  });
});
