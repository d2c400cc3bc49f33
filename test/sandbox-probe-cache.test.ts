import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';

/**
 * The sandbox probe (`bwrap … /bin/true`) is remembered for the machine in the cache folder: a new process
 * (here: a fresh import of the module) trusts it without starting bubblewrap, until bwrap's file changes or
 * a sandboxed run that bubblewrap fails to start makes it probe again. The real bubblewrap runs throughout,
 * through a `bwrap` first on PATH that logs each call before running the real one.
 */
const hasBwrap = existsSync('/usr/bin/bwrap') && process.platform === 'linux';
let bin = '';
let logFile = '';
let savedPath: string | undefined;
beforeAll(() => {
  bin = mkdtempSync(join(tmpdir(), 'bwrap-log-'));
  logFile = join(bin, 'calls.log');
  writeFileSync(logFile, '');
  writeFileSync(join(bin, 'bwrap'), `#!/bin/sh\necho "$*" >> '${logFile}'\nexec /usr/bin/bwrap "$@"\n`);
  chmodSync(join(bin, 'bwrap'), 0o755);
  savedPath = process.env.PATH;
  process.env.PATH = `${bin}:${savedPath ?? ''}`;
});
afterAll(() => {
  process.env.PATH = savedPath;
  rmSync(bin, { recursive: true, force: true });
});

const probes = () =>
  readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((l) => l.endsWith('-- /bin/true')).length;

/** The module as a new process loads it: nothing cached in memory. */
async function fresh() {
  vi.resetModules();
  return import('../electron/core/sandbox/availability.ts');
}

describe.runIf(hasBwrap)('sandbox probe remembered for the machine', () => {
  test('one probe serves later processes until bwrap changes or fails to start a run', async () => {
    const first = await fresh();
    expect(first.sandboxAvailability()).toMatchObject({ tool: 'bubblewrap', path: join(bin, 'bwrap') });
    expect(probes()).toBe(1);
    // A later process: the same answer, no bubblewrap started (the sync and the background forms alike).
    expect((await fresh()).sandboxAvailability()).toMatchObject({ tool: 'bubblewrap', path: join(bin, 'bwrap') });
    expect(await (await fresh()).sandboxAvailabilityAsync()).toMatchObject({ tool: 'bubblewrap' });
    expect(probes()).toBe(1);
    // bwrap replaced (a new mtime): probed again, once.
    utimesSync(join(bin, 'bwrap'), new Date(), new Date(Date.now() + 5_000));
    (await fresh()).sandboxAvailability();
    (await fresh()).sandboxAvailability();
    expect(probes()).toBe(2);
    // A run bubblewrap itself cannot start (a folder to bind that is not there): the next process probes again.
    const { runCommand } = await import('../electron/core/qa/run-command.ts');
    const cwd = join(bin, 'run');
    mkdirSync(cwd);
    const run = await runCommand({
      command: 'true',
      cwd,
      sandbox: { writable: [cwd, join(cwd, 'not-there')], network: false },
    });
    expect(run.exitCode).not.toBe(0);
    expect(run.outputTail).toMatch(/^bwrap: /m);
    (await fresh()).sandboxAvailability();
    expect(probes()).toBe(3);
  });
});
