import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { processAlive } from './process-alive.ts';

/**
 * When a process started, as an opaque string: a pid alone is not an identity, since the kernel reuses
 * pids. A lock or a run file records pid + start; a live pid with another start is somebody else.
 * Linux: field 22 of /proc/<pid>/stat (clock ticks since boot). Elsewhere: `ps -o lstart=`.
 */
export function processStartTime(pid: number): string | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  if (process.platform === 'linux') {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // The command name (field 2) may hold spaces and parentheses; fields after the last ')' are plain.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return rest[19] ?? null;
    } catch {
      return null;
    }
  }
  try {
    const out = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5_000,
    }).trim();
    return out || null;
  } catch {
    return null;
  }
}

/** The command line of a live process (Linux /proc, else `ps`), or null. */
export function processCommandLine(pid: number): string | null {
  if (process.platform === 'linux') {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\u0000').join(' ').trim() || null;
    } catch {
      return null;
    }
  }
  try {
    return (
      execFileSync('ps', ['-o', 'command=', '-p', String(pid)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 5_000,
      }).trim() || null
    );
  } catch {
    return null;
  }
}

export interface ProcessIdentity {
  pid: number;
  /** null where it could not be read (then only the pid is known). */
  start: string | null;
}

export function currentIdentity(pid = process.pid): ProcessIdentity {
  return { pid, start: processStartTime(pid) };
}

/**
 * Whether the process recorded as `id` is still the one running under that pid: alive, and (when both are
 * known) started at the recorded time. `unknown` when the pid is alive but its start cannot be compared.
 */
export function sameProcess(id: ProcessIdentity): 'yes' | 'no' | 'unknown' {
  if (!processAlive(id.pid)) return 'no';
  const now = processStartTime(id.pid);
  if (id.start === null || now === null) return 'unknown';
  return now === id.start ? 'yes' : 'no';
}
