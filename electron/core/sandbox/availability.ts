import { execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { cacheRoot } from '../workflow/work-dirs.ts';

export type SandboxTool = 'bubblewrap' | 'sandbox-exec';

export interface SandboxAvailability {
  /** The tool that confines commands on this machine, or null when there is none that works. */
  tool: SandboxTool | null;
  /** Its path, when found. */
  path: string | null;
  /** In words: what was found, or why nothing works and what to do. */
  detail: string;
}

function onPath(name: string, extra: readonly string[]): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...extra].filter(Boolean);
  for (const d of dirs) {
    const p = join(d, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return null;
}

const OR_OFF = 'set `sandbox: { mode: auto }` (or `off`) in .project_policies.yaml to run tests unsandboxed';
const INSTALL_HINT =
  'install bubblewrap (Debian/Ubuntu: `sudo apt-get install bubblewrap`; Fedora: `sudo dnf install bubblewrap`), ' +
  `or ${OR_OFF}`;

/**
 * A working probe is remembered for the machine, in the cache folder (work-dirs.ts), so each new process (a
 * CLI command, a test) need not start bubblewrap again to learn what the last one learned. It holds only
 * while what the answer depends on is unchanged: bwrap's file (path, inode, size, mtime), the boot, the
 * kernel's switches for unprivileged user namespaces, and the user. A sandboxed run that bubblewrap itself
 * fails to start forgets it (forgetWorkingSandbox), so the next process probes again. Failures are never
 * remembered: they are rare, and probed again for their message.
 */
const PROBE_FILE = 'sandbox-probe.json';
const SWITCHES = [
  '/proc/sys/kernel/random/boot_id',
  '/proc/sys/kernel/unprivileged_userns_clone',
  '/proc/sys/user/max_user_namespaces',
  '/proc/sys/kernel/apparmor_restrict_unprivileged_userns',
];

function machineKey(bwrap: string): string | null {
  try {
    const st = statSync(bwrap);
    const switches = SWITCHES.map((f) => {
      try {
        return readFileSync(f, 'utf8').trim();
      } catch {
        return '-';
      }
    });
    return JSON.stringify([bwrap, st.ino, st.size, st.mtimeMs, process.getuid?.() ?? -1, ...switches]);
  } catch {
    return null;
  }
}

function rememberedWorking(bwrap: string): boolean {
  const key = machineKey(bwrap);
  if (key === null) return false;
  try {
    const saved: unknown = JSON.parse(readFileSync(join(cacheRoot(), PROBE_FILE), 'utf8'));
    return typeof saved === 'object' && saved !== null && 'key' in saved && saved.key === key;
  } catch {
    return false;
  }
}

function rememberWorking(bwrap: string): void {
  const key = machineKey(bwrap);
  if (key === null) return;
  try {
    mkdirSync(cacheRoot(), { recursive: true });
    const file = join(cacheRoot(), PROBE_FILE);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ key }));
    renameSync(tmp, file);
  } catch {
    // An unwritable cache folder only costs the next process a probe.
  }
}

/** Bubblewrap failed to start a sandboxed command: the next process probes again instead of trusting the cache. */
export function forgetWorkingSandbox(): void {
  try {
    rmSync(join(cacheRoot(), PROBE_FILE), { force: true });
  } catch {
    // Nothing to forget where the cache folder cannot be reached.
  }
}

const working = (bwrap: string): SandboxAvailability => ({
  tool: 'bubblewrap',
  path: bwrap,
  detail: `bubblewrap (${bwrap})`,
});

/**
 * Probes once per process (or trusts the machine's remembered answer, above), by running the tool for real:
 * bubblewrap can be installed and still fail where user namespaces are turned off (some containers), and
 * "installed" must not be mistaken for "works".
 */
function probe(): SandboxAvailability {
  if (process.platform === 'linux') {
    const bwrap = onPath('bwrap', ['/usr/bin', '/usr/local/bin']);
    if (!bwrap) return { tool: null, path: null, detail: `bubblewrap (bwrap) is not installed; ${INSTALL_HINT}` };
    if (rememberedWorking(bwrap)) return working(bwrap);
    try {
      execFileSync(bwrap, ['--ro-bind', '/', '/', '--unshare-all', '--die-with-parent', '--', '/bin/true'], {
        stdio: ['ignore', 'ignore', 'pipe'],
        timeout: 10_000,
      });
      rememberWorking(bwrap);
      return working(bwrap);
    } catch (err) {
      const stderr = err && typeof err === 'object' && 'stderr' in err ? String(err.stderr).trim() : String(err);
      const detail =
        `bubblewrap is installed but cannot create a sandbox here (${stderr.slice(0, 200)}); enable unprivileged ` +
        `user namespaces (sysctl kernel.unprivileged_userns_clone=1), or ${OR_OFF}`;
      return { tool: null, path: bwrap, detail };
    }
  }
  if (process.platform === 'darwin') {
    const se = onPath('sandbox-exec', ['/usr/bin']);
    if (se) return { tool: 'sandbox-exec', path: se, detail: `sandbox-exec (${se})` };
    const detail = `sandbox-exec is missing (it ships with macOS); ${OR_OFF}`;
    return { tool: null, path: null, detail };
  }
  const detail = `no OS sandbox is supported on ${process.platform}; ${OR_OFF}`;
  return { tool: null, path: null, detail };
}

let cached: SandboxAvailability | null = null;

/** Which sandbox works on this machine. Cached: the machine does not change while Governor runs. */
export function sandboxAvailability(): SandboxAvailability {
  cached ??= probe();
  return cached;
}

/**
 * The same answer without blocking: the probe runs as an unreferenced child, so opening a project (and a quick
 * `governor status`) neither waits for it nor stays alive for it. The sync call above then finds it cached.
 */
export function sandboxAvailabilityAsync(): Promise<SandboxAvailability> {
  if (cached) return Promise.resolve(cached);
  if (process.platform !== 'linux') return Promise.resolve(sandboxAvailability());
  const bwrap = onPath('bwrap', ['/usr/bin', '/usr/local/bin']);
  if (!bwrap) return Promise.resolve(sandboxAvailability());
  if (rememberedWorking(bwrap)) {
    cached = working(bwrap);
    return Promise.resolve(cached);
  }
  return new Promise((resolve) => {
    const child = spawn(bwrap, ['--ro-bind', '/', '/', '--unshare-all', '--die-with-parent', '--', '/bin/true'], {
      stdio: 'ignore',
    });
    child.unref();
    child.on('error', () => resolve(sandboxAvailability()));
    child.on('exit', (code) => {
      // Success is cached as is; a failure is probed again synchronously for its message (rare, and only then).
      if (code === 0 && !cached) {
        cached = working(bwrap);
        rememberWorking(bwrap);
      }
      resolve(sandboxAvailability());
    });
  });
}
