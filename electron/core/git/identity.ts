/**
 * Who the human is in git. Promotions, release tags and the human's configuration commits are the
 * human's acts, so they carry the human's own identity rather than a placeholder: `human:` in
 * agents.yaml when set, else the project's effective `git config user.name` / `user.email` (local,
 * global or system, as the git CLI resolves them), else "Human <human@agents.local>".
 */
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Identity } from './message.ts';

const run = promisify(execFile);

export type IdentitySource = 'agents.yaml' | 'git config' | 'default';
export interface HumanIdentity extends Identity {
  source: IdentitySource;
}

export const DEFAULT_HUMAN: HumanIdentity = { name: 'Human', email: 'human@agents.local', source: 'default' };

/** The same rules `message.ts` applies to an explicit signer: one line, no angle brackets, an email shape. */
export function usableIdentity(name: string, email: string): boolean {
  return name.trim() !== '' && !/[<>\n]/.test(name) && /^[^\s<>]+@[^\s<>]+$/.test(email);
}

/**
 * The project's effective `user.name` and `user.email`, in one git process (a process costs tens of
 * milliseconds to start from a large parent). The git CLI, not isomorphic-git: only it knows the global and
 * system files, includes and conditionals. As with `--get`, the last value of a key wins.
 */
async function gitUser(dir: string): Promise<{ name: string | null; email: string | null }> {
  const out = { name: null as string | null, email: null as string | null };
  try {
    const { stdout } = await run('git', ['config', '-z', '--get-regexp', '^user\\.(name|email)$'], {
      cwd: dir,
      timeout: 10_000,
    });
    // -z: each entry is `key\nvalue\0`, so a value cannot be confused with the next key.
    for (const entry of stdout.split('\0')) {
      const nl = entry.indexOf('\n');
      const key = nl < 0 ? entry : entry.slice(0, nl);
      const value = nl < 0 ? '' : entry.slice(nl + 1).trim();
      if (key === 'user.name') out.name = value === '' ? null : value;
      if (key === 'user.email') out.email = value === '' ? null : value;
    }
  } catch {
    // unset (exit 1), or no git CLI: fall back
  }
  return out;
}

/** Variables that add or move configuration where the files below do not show it: git is asked then. */
const CONFIG_ENV = ['GIT_CONFIG_PARAMETERS', 'GIT_CONFIG_COUNT', 'GIT_CONFIG', 'GIT_DIR', 'GIT_COMMON_DIR'];

/**
 * `user.name` / `user.email` as the files a user edits say them, read in process: the global file (or the
 * XDG one) and the repository's own, later files winning. Null whenever only git can say for sure: a value
 * missing from these files (the system file, wherever this git was built to keep it, may hold it), an
 * include, a quoted, escaped or continued line, a worktree config, variables that add configuration. Hand-
 * written: isomorphic-git reads the repository's file only, and a git process costs tens of milliseconds.
 */
function userFromFiles(dir: string): { name: string; email: string } | null {
  const env = process.env;
  if (CONFIG_ENV.some((k) => env[k] !== undefined)) return null;
  if (!statSync(join(dir, '.git'), { throwIfNoEntry: false })?.isDirectory()) return null;
  const xdg = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  const global =
    env.GIT_CONFIG_GLOBAL !== undefined
      ? [env.GIT_CONFIG_GLOBAL]
      : [join(xdg, 'git', 'config'), join(homedir(), '.gitconfig')];
  const found: { name?: string; email?: string } = {};
  for (const file of [...global, join(dir, '.git', 'config')]) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    let inUser = false;
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.trim();
      if (line.endsWith('\\')) return null;
      if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
      if (line.startsWith('[')) {
        const head = /^\[([^\]]*)\]\s*(?:[#;].*)?$/.exec(line);
        const section = head?.[1]?.trim().toLowerCase();
        if (section === undefined || /^include(if)?\b/.test(section)) return null;
        if (section === 'extensions' && /worktreeconfig/i.test(text)) return null;
        inUser = section === 'user';
        continue;
      }
      if (!inUser) continue;
      const kv = /^([A-Za-z][A-Za-z0-9-]*)\s*=\s*([^"\\#;]*?)\s*(?:[#;].*)?$/.exec(line);
      if (!kv) {
        if (/^(name|email)\b/i.test(line)) return null; // quoted, escaped or a bare key: git's to read
        continue;
      }
      const key = (kv[1] ?? '').toLowerCase();
      if (key === 'name' || key === 'email') found[key] = kv[2] ?? '';
    }
  }
  if (!found.name || !found.email) return null;
  return { name: found.name, email: found.email };
}

/**
 * What git's answer depends on: the config files it reads (their stat: any write moves the ctime) and the
 * variables that move them. A promotion asks each time; one git process per phase is saved while none of
 * these changed. (An include's target is not among them: edit the including file, or restart, to see one.)
 */
function configKey(dir: string): string {
  const env = process.env;
  const xdg = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  const files = [join(dir, '.git', 'config'), env.GIT_CONFIG_GLOBAL ?? join(homedir(), '.gitconfig')];
  files.push(join(xdg, 'git', 'config'), env.GIT_CONFIG_SYSTEM ?? '/etc/gitconfig');
  // Synchronous: four stats of a few microseconds, where four thread-pool round trips cost milliseconds on a
  // busy machine, on every promotion.
  const stamps = files.map((f) => {
    try {
      const s = statSync(f, { bigint: true, throwIfNoEntry: false });
      return s ? `${f}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}` : `${f}:-`;
    } catch {
      return `${f}:-`;
    }
  });
  return [dir, env.GIT_CONFIG_NOSYSTEM ?? '', ...stamps].join('|');
}

const users = new Map<string, { name: string | null; email: string | null }>();

export async function humanIdentity(dir: string, configured?: { name: string; email: string }): Promise<HumanIdentity> {
  if (configured && usableIdentity(configured.name, configured.email)) return { ...configured, source: 'agents.yaml' };
  const key = configKey(dir);
  const known = users.get(key);
  const { name, email } = known ?? userFromFiles(dir) ?? (await gitUser(dir));
  if (!known) {
    if (users.size >= 64) users.clear(); // a host has a handful of projects; this only bounds a leak
    users.set(key, { name, email });
  }
  if (name !== null && email !== null && usableIdentity(name, email)) return { name, email, source: 'git config' };
  return DEFAULT_HUMAN;
}
