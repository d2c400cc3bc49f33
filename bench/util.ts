import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';

export interface Figure {
  name: string;
  value: number;
  unit: string;
  budget?: string;
  ok?: boolean;
}

/**
 * Every temp folder a bench makes; `removeTempDirs` (also run on exit and on Ctrl-C or a kill) leaves none
 * behind. The folder's name carries the process id, so a run killed outright (SIGKILL, a timeout) has its
 * folders swept by the next run (`sweepStaleTempDirs`), and a run still going on the same machine is left alone.
 */
const made = new Set<string>();
const PREFIX = 'governor-bench-';

export const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), `${PREFIX}${process.pid}-`));
  made.add(dir);
  return dir;
};

export function removeTempDirs(): void {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
  made.clear();
}
process.on('exit', removeTempDirs);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    removeTempDirs();
    process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
  });
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Removes the temp folders of bench runs that are no longer running. Returns how many. */
export function sweepStaleTempDirs(): number {
  let swept = 0;
  for (const name of readdirSync(tmpdir())) {
    const pid = new RegExp(`^${PREFIX}(\\d+)-`).exec(name)?.[1];
    if (pid === undefined || Number(pid) === process.pid || alive(Number(pid))) continue;
    rmSync(join(tmpdir(), name), { recursive: true, force: true });
    swept += 1;
  }
  return swept;
}

/** The shipped CLI, as users start it. */
export const GOVERNOR_BIN = resolve(import.meta.dirname, '..', 'bin', 'governor.mjs');

/**
 * Starts `governor serve` on a project (the shipped CLI, a free port, `home` as GOVERNOR_HOME) and
 * resolves `url` with the address it prints, or rejects if the host exits first. The caller stops it.
 */
export function startServe(
  dir: string,
  home: string,
): { child: ChildProcessByStdio<null, Readable, Readable>; url: Promise<string> } {
  const child = spawn(process.execPath, [GOVERNOR_BIN, 'serve', '--dir', dir, '--port', '0'], {
    env: { ...process.env, NO_COLOR: '1', GOVERNOR_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const url = new Promise<string>((res, rej) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/\S+\/\?token=\S+)/.exec(out);
      if (m?.[1]) res(m[1]);
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => rej(new Error(`governor serve exited with ${code}: ${out}`)));
  });
  return { child, url };
}

export function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

export async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

export const median = (xs: readonly number[]): number => quantile(xs, 0.5);

/** The q-quantile of `xs` (0.25: the lower quartile), interpolated between the two nearest samples. */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return 0;
  const at = (s.length - 1) * q;
  const lo = s[Math.floor(at)] ?? 0;
  const hi = s[Math.ceil(at)] ?? lo;
  return lo + (hi - lo) * (at - Math.floor(at));
}

/**
 * `reps` timings of each of two runs, alternating (a, b, a, b…) so drift on a shared machine hits both
 * alike; returns the medians. The first pair warms up and is dropped.
 */
export async function interleaved(a: () => unknown, b: () => unknown, reps: number): Promise<{ a: number; b: number }> {
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i <= reps; i++) {
    const x = await timeAsync(async () => void (await a()));
    const y = await timeAsync(async () => void (await b()));
    if (i === 0) continue;
    ta.push(x);
    tb.push(y);
  }
  return { a: median(ta), b: median(tb) };
}

export function printFigures(title: string, figures: Figure[]): void {
  console.log(`\n## ${title}`);
  for (const f of figures) {
    const v = f.value >= 1000 ? Math.round(f.value).toLocaleString('en') : f.value.toFixed(f.value < 10 ? 2 : 1);
    const verdict = f.ok === undefined ? '' : f.ok ? '  ✅' : '  ❌';
    console.log(
      `  ${f.name.padEnd(72)} ${`${v} ${f.unit}`.padStart(16)}${f.budget ? `   goal ${f.budget}` : ''}${verdict}`,
    );
  }
}
