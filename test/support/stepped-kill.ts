/**
 * Stepped kill testing: a multi-step write marks each boundary between two effects with
 * `crashPoint(scope, label)` (electron/core/crash-point.ts). This runs the real CLI on a fresh copy of a
 * project with `GOVERNOR_TEST_KILL_AT=<scope>:<n>`, for n = 1, 2, … : the child SIGKILLs itself at the
 * n-th boundary, exactly as `kill -9` would. Each killed copy is handed to `afterKill` (resume and judge
 * it). The stepping stops at the first n the run passes without being killed, so every window is hit
 * once, found by counting, never by timing.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempDir } from './tmp.ts';

const BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'governor.mjs');

export interface KillStep {
  n: number;
  /** The boundary's label, as the child logged it just before dying. */
  label: string;
  dir: string;
}

export async function steppedKill(opts: {
  scope: string;
  /** A fresh copy of the starting project for each step. */
  fresh: (n: number) => string;
  /** CLI arguments (the project directory is appended as `--dir`). */
  args: string[];
  afterKill: (step: KillStep) => Promise<void>;
  /** A run that never completes is a bug, not a reason to hang. */
  max?: number;
}): Promise<KillStep[]> {
  const killed: KillStep[] = [];
  const logDir = tempDir('governor-kill-log-');
  for (let n = 1; n <= (opts.max ?? 60); n++) {
    const dir = opts.fresh(n);
    const log = join(logDir, `${n}.log`);
    const r = spawnSync(process.execPath, [BIN, ...opts.args, '--dir', dir], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', GOVERNOR_TEST_KILL_AT: `${opts.scope}:${n}`, GOVERNOR_TEST_KILL_LOG: log },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 300_000,
    });
    if (r.signal !== 'SIGKILL') {
      // Done, waiting on the human, or waiting on something else: the run passed every boundary.
      if (![0, 2, 3].includes(r.status ?? -1)) throw new Error(`step ${n}: the run failed (${r.status}): ${r.stderr}${r.stdout}`);
      return killed;
    }
    const label = readFileSync(log, 'utf8').trim().split('\n').at(-1)?.replace(/^\S+ /, '') ?? '?';
    const step = { n, label, dir };
    killed.push(step);
    await opts.afterKill(step);
  }
  throw new Error(`the ${opts.scope} run was still being killed after ${opts.max ?? 60} steps`);
}
