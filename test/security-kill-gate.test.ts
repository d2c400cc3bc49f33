/**
 * The QA gate killed at every step boundary (each ledger commit, each crash point of the run registry), found
 * by stepping, not by timing. After each kill the next open ends the test processes the killed run left and
 * removes its checkout; one resume then ends exactly as an uninterrupted run does, apart from the killed
 * attempt's status events: 0 lost, 0 duplicated.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openProject } from '../electron/core/host.ts';
import { projectWorkDir } from '../electron/core/workflow/work-dirs.ts';
import { runLoop } from '../electron/core/workflow/loop.ts';
import { Ledger } from '../electron/core/store/ledger.ts';
import { countSteps, runStepped } from './support/stepped-kill.ts';
import { tempDir } from './support/tmp.ts';

const CHILD = resolve(import.meta.dirname, 'support', 'gate-kill-child.ts');
/** What a killed attempt may leave twice: its status changes and its streamed output. */
const STATUS = new Set(['agent.status_changed', 'qa.output_logged']);

/** Alive and not a zombie (a container's pid 1 may never reap the orphans we killed). */
function running(pid: number): boolean {
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** The events after `from`, status events left out, with what differs between two runs of one history normalised. */
function facts(dir: string, from: number): string[] {
  const ledger = new Ledger(join(dir, '.governor', 'governor.db'));
  try {
    return ledger
      .read(from, 100_000)
      .filter((e) => !STATUS.has(e.type))
      .map((e) =>
        `${e.type} ${JSON.stringify(e.payload)}`
          // Durations first: a long one's digits would otherwise pass for a short sha below.
          .replace(/"duration_ms":[\d.e+-]+/g, '"duration_ms":0')
          // Exports hold times (a handoff file's name, status.json's last update): their hashes and sizes too.
          .replace(/\b[0-9a-f]{64}\b/g, '<sha256>')
          .replace(/"bytes":\d+/g, '"bytes":0')
          .replace(/\d{8}T\d{9}Z/g, '<stamp>')
          .replace(/\b[0-9a-f]{40}\b/g, '<oid>')
          .replace(/\b[0-9a-f]{7,12}\b/g, '<short>')
          .replace(/\b[0-9A-HJKMNP-TV-Z]{26}\b/g, '<ulid>')
          .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<ts>'),
      );
  } finally {
    ledger.close();
  }
}

const eventCount = (dir: string) => {
  const ledger = new Ledger(join(dir, '.governor', 'governor.db'));
  try {
    return ledger.count();
  } finally {
    ledger.close();
  }
};
const list = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);
const git = (dir: string, ...args: string[]) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' }).trim();

describe('the QA gate killed at every step', () => {
  let root: string;
  let base: string;
  let baseCount: number;
  let expected: string[];
  let expectedTree: string;
  let steps: string[];

  beforeAll(async () => {
    root = tempDir('governor-kill-gate-');
    base = join(root, 'base');
    const prep = await runStepped(CHILD, ['prepare', base]);
    expect(prep.killed).toBe(true);
    baseCount = eventCount(base);
    const clean = join(root, 'uninterrupted');
    cpSync(base, clean, { recursive: true });
    steps = await countSteps(CHILD, ['gate', clean]);
    expected = facts(clean, baseCount);
    expectedTree = git(clean, 'rev-parse', 'develop^{tree}');
  }, 180_000);

  it('finds the steps of a gate: the run recorded, tests started and exited, each commit up to the review', () => {
    expect(steps).toContain('qa.run_recorded');
    expect(steps).toContain('qa.tests_started');
    expect(steps.some((s) => s.includes('test.run_completed'))).toBe(true);
    expect(steps.some((s) => s.includes('qa.gate_evaluated'))).toBe(true);
    expect(expected.filter((f) => f.startsWith('qa.gate_evaluated'))).toHaveLength(1);
  });

  it('after a kill at any step, the next open ends the orphaned tests and removes the checkout; one ' +
    'resume ends as the uninterrupted run', async () => {
    // The kills are independent: two at a time (each its own copy of the base), then each is resumed.
    const ks = steps.map((_s, i) => i + 1);
    const killed = new Map<number, Awaited<ReturnType<typeof runStepped>>>();
    const queue = [...ks];
    await Promise.all(
      [0, 1].map(async () => {
        for (let k = queue.shift(); k !== undefined; k = queue.shift()) {
          const dir = join(root, `kill-${k}`);
          cpSync(base, dir, { recursive: true });
          killed.set(k, await runStepped(CHILD, ['gate', dir], { killAt: k }));
        }
      }),
    );
    let orphansEnded = 0;
    let checkoutsRemoved = 0;
    for (const k of ks) {
      const dir = join(root, `kill-${k}`);
      const run = killed.get(k);
      expect(run?.killed, `run ${k} should die at ${steps[k - 1]}:\n${run?.stderr.slice(-2000)}`).toBe(true);
      // The test command writes it two levels above its checkout: the project's folder in the cache.
      const pidFile = join(projectWorkDir(dir), 'sleep.pid');
      const orphan = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : null;
      const orphanAlive = orphan !== null && running(orphan);
      const leftRun = list(join(dir, '.governor', 'qa-runs')).some((n) => n.endsWith('.json'));

      // The next open: what the killed run left is cleaned up before anything else happens.
      const p = await openProject(dir);
      try {
        if (orphan !== null)
          expect(running(orphan), `step ${k}: the test's background process survived the open`).toBe(false);
        if (orphanAlive) orphansEnded += 1;
        if (leftRun) {
          expect(p.recovered.some((r) => r.startsWith('removed the QA checkout'))).toBe(true);
          // QA checkouts live in the cache folder (work-dirs.ts); the killed run's is gone from there.
          expect(list(join(projectWorkDir(dir), 'qa'))).toEqual([]);
          checkoutsRemoved += 1;
        }
        expect(list(join(dir, '.governor', 'qa-runs')).filter((n) => n.endsWith('.json'))).toEqual([]);
        await runLoop(p);
      } finally {
        p.close();
      }
      expect(facts(dir, baseCount), `resume after a kill at step ${k} (${steps[k - 1]})`).toEqual(expected);
      expect(git(dir, 'rev-parse', 'develop^{tree}')).toBe(expectedTree);
      expect(execFileSync('git', ['-C', dir, 'fsck', '--no-dangling'], { encoding: 'utf8' })).toBe('');
    }
    // The windows this is about were really hit: a kill while the tests ran, and a run file left behind.
    expect(orphansEnded).toBeGreaterThan(0);
    expect(checkoutsRemoved).toBeGreaterThan(0);
  }, 600_000);
});
