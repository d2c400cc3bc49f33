import { openSync, closeSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { GovernorError } from './errors.ts';
import { processAlive } from './process-alive.ts';

/**
 * One loop per project at a time. The lock file holds the owner's pid; a lock left by a killed run
 * is stale (its pid is gone) and is taken over, so `kill -9` never wedges a project.
 */
export function acquireLoopLock(dir: string): () => void {
  const path = join(dir, '.governor', 'loop.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (pid && processAlive(pid) && pid !== process.pid) throw new GovernorError('busy', `a governor loop is already running on this project (pid ${pid})`);
      rmSync(path, { force: true });
    }
  }
  throw new GovernorError('busy', 'could not take the loop lock');
}

export function loopRunning(dir: string): boolean {
  return loopLockHolder(dir) !== null;
}

/** The pid of the live process holding the project's loop lock, or null when nobody (alive) holds it. */
export function loopLockHolder(dir: string): number | null {
  try {
    const pid = Number(readFileSync(join(dir, '.governor', 'loop.lock'), 'utf8').trim());
    return pid && processAlive(pid) ? pid : null;
  } catch {
    return null;
  }
}

export { processAlive };
