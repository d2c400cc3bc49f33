/**
 * Who the human is in git. Promotions, release tags and the human's configuration commits are the
 * human's acts, so they carry the human's own identity rather than a placeholder: `human:` in
 * agents.yaml when set, else the project's effective `git config user.name` / `user.email` (local,
 * global or system, as the git CLI resolves them), else "Human <human@agents.local>".
 */
import { execFile } from 'node:child_process';
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

async function gitConfig(dir: string, key: string): Promise<string | null> {
  try {
    // The git CLI, not isomorphic-git: only it knows the global and system files, includes and conditionals.
    const { stdout } = await run('git', ['config', '--get', key], { cwd: dir, timeout: 10_000 });
    const value = stdout.trim();
    return value === '' ? null : value;
  } catch {
    return null; // unset (exit 1), or no git CLI: fall back
  }
}

export async function humanIdentity(dir: string, configured?: { name: string; email: string }): Promise<HumanIdentity> {
  if (configured && usableIdentity(configured.name, configured.email)) return { ...configured, source: 'agents.yaml' };
  const [name, email] = await Promise.all([gitConfig(dir, 'user.name'), gitConfig(dir, 'user.email')]);
  if (name !== null && email !== null && usableIdentity(name, email)) return { name, email, source: 'git config' };
  return DEFAULT_HUMAN;
}
