import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GovernorError } from '../../errors.ts';

const run = promisify(execFile);

/** Where a coding agent's clone of its branch lives (kept across tasks and restarts). */
export const agentWorkspaceDir = (projectDir: string, branch: string) => join(projectDir, '.governor', 'agent-workspaces', branch.replaceAll('/', '-'));

async function git(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  try {
    const r = await run('git', args, { cwd, env: { ...process.env, ...env, GIT_TERMINAL_PROMPT: '0' }, maxBuffer: 64 * 1024 * 1024 });
    return r.stdout;
  } catch (err) {
    const e = err as { code?: string; stderr?: string; message: string };
    if (e.code === 'ENOENT') throw new GovernorError('git_missing', 'coding agents work in a git clone, and the git CLI was not found; install git (2.30 or newer) and run again');
    throw new GovernorError('git_failed', `git ${args.join(' ')}: ${(e.stderr ?? e.message).trim().slice(0, 500)}`);
  }
}

/**
 * A coding agent's workspace: a real git repository holding its branch, so the agent can use git as it
 * always does — but its own clone (objects borrowed from the project through `--shared`, no remote), so
 * nothing it runs can move a governed branch. Governor stays the only writer of the project's branches:
 * it reads the workspace's changes and commits them itself.
 *
 * `fresh` (a new task) puts the clone on the branch tip and drops untracked files; a resumed task keeps
 * whatever the agent had done.
 */
export async function prepareGitWorkspace(o: { projectDir: string; dir: string; branch: string; tip: string; fresh: boolean }): Promise<void> {
  if (!existsSync(join(o.dir, '.git'))) {
    await mkdir(join(o.dir, '..'), { recursive: true });
    await git(o.projectDir, ['clone', '--quiet', '--shared', '--no-checkout', o.projectDir, o.dir]);
    await git(o.dir, ['remote', 'remove', 'origin']);
    await git(o.dir, ['config', 'user.name', 'Governor workspace']);
    await git(o.dir, ['config', 'user.email', 'workspace@governor.local']);
    await git(o.dir, ['checkout', '--quiet', '-f', '-B', o.branch, o.tip]);
    return;
  }
  if (!o.fresh) return;
  await git(o.dir, ['checkout', '--quiet', '-f', '-B', o.branch, o.tip]);
  await git(o.dir, ['clean', '-fdq']);
}

/**
 * What the agent changed against `tip`, committed in its clone or not, as the paths and contents
 * Governor commits. Read through a throwaway index, so the agent's own index is left as it was;
 * .gitignore'd files (node_modules, build output) are not changes.
 */
export async function workspaceChanges(dir: string, tip: string): Promise<Map<string, Uint8Array | null>> {
  const index = join(dir, '.git', `governor-index-${process.pid}`);
  const env = { GIT_INDEX_FILE: index };
  await git(dir, ['read-tree', tip], env);
  await git(dir, ['add', '-A', '.'], env);
  const out = await git(dir, ['diff', '--cached', '--name-status', '--no-renames', '-z', tip], env);
  await run('rm', ['-f', index]).catch(() => undefined);
  const parts = out.split('\0').filter(Boolean);
  const changes = new Map<string, Uint8Array | null>();
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const status = parts[i] ?? '';
    const path = parts[i + 1] ?? '';
    changes.set(path, status === 'D' ? null : await readFile(join(dir, path)));
  }
  return changes;
}
