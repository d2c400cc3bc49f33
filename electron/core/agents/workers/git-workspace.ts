import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GovernorError } from '../../errors.ts';
import { projectWorkDir } from '../../workflow/work-dirs.ts';

const run = promisify(execFile);

/**
 * Where a coding agent's clone of its branch lives (kept across tasks and restarts): in the cache, outside
 * the project, so a test runner walking the project (`node --test`, vitest) never finds its copies.
 */
export const agentWorkspaceDir = (projectDir: string, branch: string) =>
  join(projectWorkDir(projectDir), 'agent-workspaces', branch.replaceAll('/', '-'));

/**
 * The commit the clone's changes are read against. It is the branch tip, except for the Tester, whose
 * clone also holds the phase's implementation (see layOver): a ref in the clone, so a resumed session
 * reads against the same base after a restart.
 */
const BASE_REF = 'refs/governor/base';

async function git(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  try {
    const r = await run('git', args, {
      cwd,
      env: { ...process.env, ...env, GIT_TERMINAL_PROMPT: '0' },
      maxBuffer: 64 * 1024 * 1024,
    });
    return r.stdout;
  } catch (err) {
    const e = err as { code?: string; stderr?: string; message: string };
    if (e.code === 'ENOENT')
      throw new GovernorError(
        'git_missing',
        'coding agents work in a git clone, and the git CLI was not found; install git (2.30 or newer) and run again',
      );
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
export async function prepareGitWorkspace(o: {
  projectDir: string;
  dir: string;
  branch: string;
  tip: string;
  fresh: boolean;
}): Promise<void> {
  if (!existsSync(join(o.dir, '.git'))) {
    await mkdir(join(o.dir, '..'), { recursive: true });
    // The identity goes into the clone's config as the clone writes it: no `git config` process per value.
    const identity = ['--config', 'user.name=Governor workspace', '--config', 'user.email=workspace@governor.local'];
    await git(o.projectDir, ['clone', '--quiet', '--shared', '--no-checkout', ...identity, o.projectDir, o.dir]);
    await git(o.dir, ['remote', 'remove', 'origin']);
    await git(o.dir, ['checkout', '--quiet', '-f', '-B', o.branch, o.tip]);
    await git(o.dir, ['update-ref', BASE_REF, o.tip]);
    return;
  }
  if (!o.fresh) return;
  await git(o.dir, ['checkout', '--quiet', '-f', '-B', o.branch, o.tip]);
  await git(o.dir, ['clean', '-fdq']);
  await git(o.dir, ['update-ref', BASE_REF, o.tip]);
}

/** The commit to read the clone's changes against: its base ref, or `tip` for a clone made before it existed. */
export async function workspaceBase(dir: string, tip: string): Promise<string> {
  try {
    return (await git(dir, ['rev-parse', '--verify', '--quiet', `${BASE_REF}^{commit}`])).trim() || tip;
  } catch {
    return tip;
  }
}

/**
 * Merges `commits` (of the project, reachable through the shared objects) into the clone's branch, in
 * order, and makes the result the clone's base: the agent sees them, and they are not its changes. The
 * merge commits stay in the clone; Governor commits only what the agent changes on top. A commit that does
 * not merge cleanly is left out and named (the QA gate's merge of the real branches reports it too).
 */
export async function layOver(
  dir: string,
  commits: ReadonlyArray<{ name: string; oid: string }>,
): Promise<{ skipped: string[] }> {
  const skipped: string[] = [];
  for (const c of commits) {
    try {
      await git(dir, ['merge', '--quiet', '--no-edit', '-m', `Governor: lay ${c.name} over the workspace`, c.oid]);
    } catch {
      await git(dir, ['merge', '--abort']).catch(() => undefined);
      skipped.push(c.name);
    }
  }
  await git(dir, ['update-ref', BASE_REF, 'HEAD']);
  return { skipped };
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
