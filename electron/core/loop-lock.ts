import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PositiveInt } from '../../shared/index.ts';
import { GovernorError } from './errors.ts';
import { processAlive } from './process-alive.ts';
import { type ProcessIdentity, currentIdentity, processCommandLine, sameProcess } from './process-identity.ts';
import { hostFileOf } from './host-file.ts';

/**
 * One project has one driver: the process that runs its loop. That is an interactive `governor run`, a
 * host (`governor serve`), the desktop app, or `governor discord run` (unless --no-loop) while it runs a loop. Two
 * drivers would interleave their steps on one ledger and one repository, so the second is refused, and
 * the refusal names the one that holds the project. Everything else (`governor decide`, `command`, a
 * Discord link without a loop) records its change and leaves the acting to the driver.
 */
export type DriverKind = 'run' | 'host' | 'desktop' | 'discord';

const Holder = z.object({
  pid: PositiveInt,
  /** When the holder started (see process-identity.ts): a live pid with another start is somebody else. */
  start: z.string().nullable().default(null),
  kind: z.enum(['run', 'host', 'desktop', 'discord']).nullable().default(null),
  since: z.string().nullable().default(null),
  /** Which acquisition wrote the file, so a release never removes a lock another one took over. */
  token: z.string().nullable().default(null),
});
export type LoopHolder = z.infer<typeof Holder>;

export const loopLockPath = (dir: string) => join(dir, '.governor', 'loop.lock');

/**
 * The lock as written: JSON naming the driver; before that `pid start`, and before that just the pid.
 * Unreadable, vanished or malformed: nobody holds it.
 */
function readHolder(dir: string): LoopHolder | null {
  let text: string;
  try {
    text = readFileSync(loopLockPath(dir), 'utf8').trim();
  } catch {
    return null;
  }
  const plain = /^(\d+)(?:\s+(\S+))?$/.exec(text);
  if (plain) return Holder.parse({ pid: Number(plain[1]), start: plain[2] ?? null });
  try {
    const parsed = Holder.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * The holder, if it is alive and (as far as can be told) still the process that took the lock; a lock left
 * by a killed driver, or whose pid was reused, holds nothing. `self` says whether a lock of this very
 * process counts as held ('mine') or may be taken again ('stale').
 */
function liveHolder(h: LoopHolder | null, self: 'mine' | 'stale'): LoopHolder | null {
  if (!h) return null;
  if (h.pid === process.pid) return self === 'mine' ? h : null;
  const id: ProcessIdentity = { pid: h.pid, start: h.start };
  const same = sameProcess(id);
  if (same === 'no') return null;
  if (same === 'unknown') {
    // No start time to compare (an old lock, or no /proc): a pid that now runs something other than node
    // was reused after the owner died.
    const cmd = processCommandLine(h.pid);
    if (cmd !== null && !/node|governor|electron|tsx/i.test(cmd)) return null;
  }
  return h;
}

/**
 * Take the project for this process. A stale lock is taken over, so `kill -9` never wedges a project. The
 * same process may take it again (a host re-opening the project it serves); the release returned removes
 * the lock only while it is still this acquisition's.
 */
export function acquireLoopLock(dir: string, kind: DriverKind = 'run'): () => void {
  mkdirSync(join(dir, '.governor'), { recursive: true });
  const path = loopLockPath(dir);
  const token = randomUUID();
  const me = currentIdentity();
  const mine: LoopHolder = { pid: me.pid, start: me.start, kind, since: new Date().toISOString(), token };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, JSON.stringify(mine));
      } finally {
        closeSync(fd);
      }
      return () => {
        if (readHolder(dir)?.token === token) rmSync(path, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const held = liveHolder(readHolder(dir), 'stale');
      if (held) throw new DriverBusyError(dir, held);
      rmSync(path, { force: true });
    }
  }
  throw new GovernorError(
    'busy',
    `could not take the loop lock ${path}; if no governor runs on this project, remove that file`,
  );
}

/** The live driver of the project (this process included), or null when none holds it. */
export function loopHolder(dir: string): LoopHolder | null {
  return liveHolder(readHolder(dir), 'mine');
}

/** The live driver of the project when it is another process than this one. */
export function drivenElsewhere(dir: string): LoopHolder | null {
  const h = loopHolder(dir);
  return h && h.pid !== process.pid ? h : null;
}

export function loopRunning(dir: string): boolean {
  return loopHolder(dir) !== null;
}

/** The pid of the live process holding the project's loop lock, or null when nobody (alive) holds it. */
export function loopLockHolder(dir: string): number | null {
  return loopHolder(dir)?.pid ?? null;
}

/** The driver in words, as a refusal or a CLI line names it. */
export function describeDriver(dir: string, h: LoopHolder): string {
  const pid = `pid ${h.pid}`;
  switch (h.kind) {
    case 'run':
      return `an interactive \`governor run\` (${pid})`;
    case 'host': {
      const url = hostAddress(dir, h.pid);
      return url ? `\`governor serve\` at ${url} (${pid})` : `a Governor host (${pid})`;
    }
    case 'desktop':
      return `the Governor desktop app (${pid})`;
    case 'discord':
      return `\`governor discord run --loop\` (${pid})`;
    default:
      return `a governor loop (${pid})`;
  }
}

function hostAddress(dir: string, pid: number): string | null {
  try {
    const info = JSON.parse(readFileSync(hostFileOf(dir), 'utf8')) as { pid?: unknown; host?: unknown; port?: unknown };
    if (info.pid !== pid || typeof info.host !== 'string' || typeof info.port !== 'number') return null;
    return `http://${info.host.includes(':') ? `[${info.host}]` : info.host}:${info.port}`;
  } catch {
    return null;
  }
}

/** A second driver refused: says who drives the project, what to do instead, and how to clear a false lock. */
export class DriverBusyError extends GovernorError {
  constructor(
    readonly dir: string,
    readonly holder: LoopHolder,
  ) {
    const advice =
      holder.kind === 'host' || holder.kind === 'desktop'
        ? 'open it there; `governor decide`, `command` and `reviews` still work beside it'
        : 'use that one, or stop it first; `governor decide`, `command` and `reviews` still work beside it';
    super(
      'busy',
      `${dir} is already driven by ${describeDriver(dir, holder)}: a project has one driver at a time; ` +
        `${advice}. If pid ${holder.pid} is not Governor, remove ${loopLockPath(dir)} and run again`,
    );
  }
}

export { processAlive };
