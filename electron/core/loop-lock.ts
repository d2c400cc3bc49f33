import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { GovernorError } from './errors.ts';
import { processAlive } from './process-alive.ts';
import { type ProcessIdentity, currentIdentity, processCommandLine, sameProcess } from './process-identity.ts';

export const loopLockPath = (dir: string) => join(dir, '.governor', 'loop.lock');

/** Older locks hold just the pid; newer ones `pid start`, so a reused pid is told apart from the owner. */
function readLock(path: string): ProcessIdentity | null {
  const [pid, start] = readFileSync(path, 'utf8').trim().split(/\s+/);
  const n = Number(pid);
  return Number.isInteger(n) && n > 0 ? { pid: n, start: start ?? null } : null;
}

/** The holder, if it is alive and (as far as can be told) still the process that took the lock. */
function liveHolder(id: ProcessIdentity | null, self: 'mine' | 'stale'): ProcessIdentity | null {
  if (!id) return null;
  if (id.pid === process.pid) return self === 'mine' ? id : null;
  const same = sameProcess(id);
  if (same === 'no') return null;
  if (same === 'unknown') {
    // No start time to compare (an old lock, or no /proc): a pid that now runs something other than node
    // was reused after the owner died.
    const cmd = processCommandLine(id.pid);
    if (cmd !== null && !/node|governor|electron|tsx/i.test(cmd)) return null;
  }
  return id;
}

/**
 * One loop per project at a time. The lock file holds the owner's pid and start time; a lock left by a
 * killed run is stale (its pid is gone, or reused by another process) and is taken over, so `kill -9` never
 * wedges a project.
 */
export function acquireLoopLock(dir: string): () => void {
  const path = loopLockPath(dir);
  const me = currentIdentity();
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, me.start ? `${me.pid} ${me.start}` : String(me.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder: ProcessIdentity | null = null;
      try {
        holder = liveHolder(readLock(path), 'stale');
      } catch {
        // unreadable or vanished meanwhile: stale
      }
      if (holder) {
        throw new GovernorError(
          'busy',
          `a governor loop is already running on this project (pid ${holder.pid}); wait for it, or stop it. If pid ${holder.pid} is not Governor, remove ${path} and run again`,
        );
      }
      rmSync(path, { force: true });
    }
  }
  throw new GovernorError('busy', `could not take the loop lock ${path}; if no governor runs on this project, remove that file`);
}

export function loopRunning(dir: string): boolean {
  return loopLockHolder(dir) !== null;
}

/** The pid of the live process holding the project's loop lock, or null when nobody (alive) holds it. */
export function loopLockHolder(dir: string): number | null {
  try {
    return liveHolder(readLock(loopLockPath(dir)), 'mine')?.pid ?? null;
  } catch {
    return null;
  }
}

export { processAlive };
