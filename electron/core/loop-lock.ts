import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { GovernorError } from './errors.ts';
import { processAlive } from './process-alive.ts';

/**
 * One project has one driver: the process that runs its loop. That is an interactive `governor run`, a
 * host (`governor serve`), the desktop app, or `governor discord run --loop` while it runs a loop. Two
 * drivers would interleave their steps on one ledger and one repository, so the second is refused, and
 * the refusal names the one that holds the project. Everything else (`governor decide`, `command`, a
 * Discord link without a loop) records its change and leaves the acting to the driver.
 */
export type DriverKind = 'run' | 'host' | 'desktop' | 'discord';

const Holder = z.object({
  pid: z.number().int().positive(),
  kind: z.enum(['run', 'host', 'desktop', 'discord']).nullable(),
  since: z.string().nullable(),
  /** Which acquisition wrote the file, so a release never removes a lock another one took over. */
  token: z.string().nullable(),
});
export type LoopHolder = z.infer<typeof Holder>;

const lockFile = (dir: string) => join(dir, '.governor', 'loop.lock');
/** Where a running host announces itself inside a project, so a second terminal (or host) can find it. */
export const hostFileOf = (dir: string) => join(dir, '.governor', 'host.json');

/** The lock as written; a bare pid is how locks were written before drivers were named. */
function readHolder(dir: string): LoopHolder | null {
  let text: string;
  try {
    text = readFileSync(lockFile(dir), 'utf8').trim();
  } catch {
    return null;
  }
  if (/^\d+$/.test(text)) return { pid: Number(text), kind: null, since: null, token: null };
  try {
    const parsed = Holder.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** A lock whose process is gone was left by a killed driver: it holds nothing. */
function holderAlive(h: LoopHolder): boolean {
  return processAlive(h.pid);
}

/**
 * Take the project for this process. A lock left by a killed driver is stale (its pid is gone) and is taken
 * over, so `kill -9` never wedges a project. The same process may take it again (a host re-opening the
 * project it serves); the release returned removes the lock only while it is still this acquisition's.
 */
export function acquireLoopLock(dir: string, kind: DriverKind = 'run'): () => void {
  mkdirSync(join(dir, '.governor'), { recursive: true });
  const token = randomUUID();
  const mine: LoopHolder = { pid: process.pid, kind, since: new Date().toISOString(), token };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lockFile(dir), 'wx');
      try {
        writeSync(fd, JSON.stringify(mine));
      } finally {
        closeSync(fd);
      }
      return () => {
        if (readHolder(dir)?.token === token) rmSync(lockFile(dir), { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const held = readHolder(dir);
      if (held && held.pid !== process.pid && holderAlive(held)) throw new DriverBusyError(dir, held);
      rmSync(lockFile(dir), { force: true });
    }
  }
  throw new GovernorError('busy', `could not take the loop lock of ${dir}`);
}

/** The live driver of the project, or null when none (alive) holds it. */
export function loopHolder(dir: string): LoopHolder | null {
  const h = readHolder(dir);
  return h && holderAlive(h) ? h : null;
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

/** A second driver refused: says who drives the project and what to do instead. */
export class DriverBusyError extends GovernorError {
  constructor(
    readonly dir: string,
    readonly holder: LoopHolder,
  ) {
    const advice =
      holder.kind === 'host' || holder.kind === 'desktop'
        ? 'open it there; `governor decide`, `command` and `reviews` still work beside it'
        : 'use that one, or stop it first; `governor decide`, `command` and `reviews` still work beside it';
    super('busy', `${dir} is already driven by ${describeDriver(dir, holder)}: a project has one driver at a time; ${advice}`);
  }
}

export { processAlive };
