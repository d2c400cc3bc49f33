import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/**
 * Counts Governor's git processes: a `git` first on PATH for this test file that logs each call, then runs
 * the real one. The tests' own CLI checks call /usr/bin/git directly, so they are not counted.
 */
export function loggedGit() {
  let bin = '';
  let logFile = '';
  let savedPath: string | undefined;
  beforeAll(() => {
    bin = mkdtempSync(join(tmpdir(), 'git-log-'));
    logFile = join(bin, 'calls.log');
    writeFileSync(logFile, '');
    writeFileSync(join(bin, 'git'), `#!/bin/sh\necho "$*" >> '${logFile}'\nexec /usr/bin/git "$@"\n`);
    chmodSync(join(bin, 'git'), 0o755);
    savedPath = process.env.PATH;
    process.env.PATH = `${bin}:${savedPath ?? ''}`;
  });
  afterAll(() => {
    process.env.PATH = savedPath;
    rmSync(bin, { recursive: true, force: true });
  });
  const clear = () => writeFileSync(logFile, '');
  /** The calls logged since `clear`, whole. */
  const raw = () =>
    readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((l) => l.length > 0);
  /** The calls logged since `clear`, subcommand first (`-C dir` and `-c` settings dropped). */
  const read = () => raw().map((l) => l.replace(/^-C \S+ /, '').replace(/(-c \S+ )+/g, ''));
  /** The git commands Governor ran while `fn` ran, and what `fn` returned. */
  async function during<T>(fn: () => Promise<T>): Promise<{ calls: string[]; value: T }> {
    clear();
    const value = await fn();
    return { calls: read(), value };
  }
  return { clear, raw, read, during };
}
