import { lstatSync, readlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, relative } from 'node:path';
import type { SandboxSpec } from './index.ts';

/** What every program needs to run: the system, read-only. Never /home, /root, /tmp, /run, /var, /mnt, /srv. */
const SYSTEM = ['/usr', '/etc', '/opt', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/nix/store'];

const under = (path: string, root: string) => {
  const r = relative(root, path);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
};

function kind(path: string): 'dir' | 'link' | null {
  try {
    const st = lstatSync(path);
    return st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : null;
  } catch {
    return null;
  }
}

/**
 * bubblewrap arguments: a new mount namespace that holds only the system (read-only), the node install, the
 * PATH's tool folders and the policy's read_paths (read-only), a private /tmp, and the writable folders. The
 * user's home, other projects, Governor's ledger and key files are simply not there. Every namespace is
 * unshared (network too, unless allowed), and the sandbox dies with Governor.
 */
export function bwrapArgs(spec: SandboxSpec, home = homedir()): string[] {
  const args = ['--die-with-parent', '--unshare-all'];
  if (spec.network) args.push('--share-net');
  for (const dir of SYSTEM) {
    const k = kind(dir);
    if (k === 'link') args.push('--symlink', readlinkSync(dir), dir);
    else if (k === 'dir') args.push('--ro-bind', dir, dir);
  }
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp', '--dir', '/tmp/home');
  const readable = new Set<string>();
  const nodePrefix = dirname(dirname(process.execPath));
  if (!SYSTEM.some((s) => under(nodePrefix, s))) readable.add(nodePrefix);
  for (const entry of (spec.env.PATH ?? '').split(delimiter)) {
    if (!isAbsolute(entry) || entry === '/' || SYSTEM.some((s) => under(entry, s))) continue;
    // A PATH entry that holds the home folder or a writable folder would show far more than tools.
    if (under(home, entry) || spec.writable.some((w) => under(w, entry))) continue;
    if (['/proc', '/dev', '/sys', '/run'].some((s) => under(entry, s))) continue;
    readable.add(entry);
  }
  for (const r of spec.readable ?? []) readable.add(r);
  for (const r of readable) if (kind(r) === 'dir') args.push('--ro-bind', r, r);
  for (const w of spec.writable) args.push('--bind', w, w);
  args.push('--chdir', spec.cwd, '--');
  return args;
}
