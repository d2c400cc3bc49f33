/**
 * QA runs that outlive a crash. Test commands run detached, in their own process group (so a timeout can
 * end the whole tree); when Governor is killed mid-gate that group runs on, unowned and without a timeout,
 * and its checkout stays behind. Each run is therefore recorded in `.governor/qa-runs/<id>.json` before its
 * checkout is made (checkout), updated once the tests start (pid + process start time, so a reused pid is
 * never signalled), and removed when the run is over. The next open ends what is left and removes the
 * checkout (`reapQaRuns`).
 *
 * Inside bubblewrap the tree also dies with Governor (--die-with-parent); the registry covers unsandboxed
 * runs, and the checkout either way.
 */
import { linkSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { ulid } from 'ulid';
import { z } from 'zod';
import { Int } from '../../../shared/index.ts';
import { stepPoint } from '../crash-points.ts';
import { processAlive } from '../process-alive.ts';
import { currentIdentity, processStartTime, sameProcess } from '../process-identity.ts';
import { projectWorkDir } from '../workflow/work-dirs.ts';

const RunFile = z.object({
  checkout: z.string(),
  owner: z.object({ pid: Int, start: z.string().nullable() }),
  /** The test command's process group (leader pid = pgid) and when it started; null before it started. */
  group: z.object({ pid: Int, start: z.string().nullable() }).nullable(),
});
type RunFile = z.infer<typeof RunFile>;

export const qaRunsDir = (projectDir: string) => join(projectDir, '.governor', 'qa-runs');

/** Synchronous and atomic (temp + rename): it is called from a spawn callback, between two events. */
function writeRun(path: string, run: RunFile): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(run));
  renameSync(tmp, path);
}

export interface QaRunHandle {
  /** The checkout this run has to itself until it ends. */
  checkout: string;
  /** The test command started as this process group leader. */
  spawned(pid: number): void;
  /** The command is over (its group ended by runCommand); the record stays as it is until `end`. */
  exited(): void;
  /** The run is over: forget it (its checkout stays, for the human to inspect and the next run to reuse). */
  end(): void;
}

/** Checkouts reused by the gate's runs; a run finding every one held (other processes' runs) gets its own. */
const SLOTS = 4;

/**
 * Writes the record at `path` only if there is none: written whole to a temp file, then hard-linked into
 * place, which fails when the name exists (a rename would replace it). The record is the claim on its
 * checkout: two runs, in this process or another, never share one.
 */
function claimRun(path: string, run: RunFile): boolean {
  const tmp = `${path}.${process.pid}.claim`;
  writeFileSync(tmp, JSON.stringify(run));
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * Records a QA run before its checkout is made, in the first checkout slot no other run holds
 * (`checkoutOf('gate')`, `'gate-1'`, …): one checkout serves run after run, refreshed in process, instead
 * of a new worktree per candidate. A killed run's record keeps its slot until the next open reaps it.
 */
export function beginQaRun(projectDir: string, checkoutOf: (slot: string) => string): QaRunHandle {
  const dir = qaRunsDir(projectDir);
  mkdirSync(dir, { recursive: true });
  const owner = currentIdentity();
  let path = '';
  let checkout = '';
  for (let n = 0; n < SLOTS && checkout === ''; n++) {
    const slot = n === 0 ? 'gate' : `gate-${n}`;
    path = join(dir, `${slot}.json`);
    if (claimRun(path, { checkout: checkoutOf(slot), owner, group: null })) checkout = checkoutOf(slot);
  }
  if (checkout === '') {
    const id = ulid();
    path = join(dir, `${id}.json`);
    checkout = checkoutOf(`run-${id.toLowerCase()}`);
    writeRun(path, { checkout, owner, group: null });
  }
  stepPoint('qa.run_recorded');
  return {
    checkout,
    spawned(pid) {
      writeRun(path, { checkout, owner, group: { pid, start: processStartTime(pid) } });
      stepPoint('qa.tests_started');
    },
    exited() {
      // The record keeps naming the group until end(): runCommand has signalled whatever is left of it, and
      // should Governor die before the grace's SIGKILL, the next open finishes the job (a group's id is never
      // handed out while it has members, and a reused leader pid is told apart by its start time). Rewriting
      // the record here cost a rename over it (a flush of its data on ext4) per command, for nothing.
      stepPoint('qa.tests_exited');
    },
    end() {
      rmSync(path, { force: true });
      stepPoint('qa.run_ended');
    },
  };
}

function killGroup(pid: number): boolean {
  let any = false;
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
      any = true;
    } catch {
      // already gone
    }
  }
  return any;
}

/**
 * Ends the process trees of QA runs whose Governor died, and removes their checkouts. A run whose owner is
 * still alive (another process's gate) is left alone. Returns what was done, in words, for the open's
 * "recovered" list.
 */
export function reapQaRuns(projectDir: string): string[] {
  const dir = qaRunsDir(projectDir);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const done: string[] = [];
  for (const name of names) {
    const path = join(dir, name);
    let run: RunFile;
    try {
      run = RunFile.parse(JSON.parse(readFileSync(path, 'utf8')));
    } catch {
      rmSync(path, { force: true });
      continue;
    }
    if (run.owner.pid !== process.pid && sameProcess(run.owner) !== 'no') continue;
    // The leader alive with another start time: its pid was reused, the group is long gone. The leader
    // dead: the kernel never hands out a pid still used as a process group id, so a group with that id can
    // only be our survivors.
    if (run.group && (!processAlive(run.group.pid) || sameProcess(run.group) === 'yes')) {
      if (killGroup(run.group.pid))
        done.push(`ended the test processes (group ${run.group.pid}) of a QA run whose Governor was killed`);
    }
    // Only ever inside one of the project's QA folders, whatever the file says: the cache folder's (where
    // checkouts live now, work-dirs.ts) or `.governor/qa` (where runs before that put them).
    const roots = [join(projectWorkDir(projectDir), 'qa'), join(projectDir, '.governor', 'qa')];
    const root = roots.find((r) => {
      const rel = relative(r, run.checkout);
      return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
    });
    if (root) {
      rmSync(run.checkout, { recursive: true, force: true });
      done.push(`removed the QA checkout ${relative(root, run.checkout)} left by a killed run`);
    }
    rmSync(path, { force: true });
  }
  return done;
}
