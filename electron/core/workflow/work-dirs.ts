import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';

/**
 * Where agents' workspaces and the QA gate's checkouts live: outside the project folder.
 *
 * They are full copies of the project's files, tests included. Inside the project (they used to be under
 * `.governor/`) every test runner that walks the tree from the root picked the copies up as well:
 * `node --test`, vitest and jest all descend into dot folders. No ignore file reaches every runner, so
 * the copies go to the user's cache folder instead, one folder per project:
 *
 *   $GOVERNOR_CACHE                       when set (tests point it at a temp folder)
 *   $GOVERNOR_HOME/cache                  when GOVERNOR_HOME is set
 *   $XDG_CACHE_HOME/governor or ~/.cache/governor     Linux and others
 *   ~/Library/Caches/governor             macOS
 *   %LOCALAPPDATA%\governor\cache         Windows
 *
 * Everything there can be deleted at any time: it is rebuilt from git on the next step.
 */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.GOVERNOR_CACHE) return resolve(env.GOVERNOR_CACHE);
  if (env.GOVERNOR_HOME) return join(resolve(env.GOVERNOR_HOME), 'cache');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'governor');
  if (platform === 'win32') return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'governor', 'cache');
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'governor');
}

/** This project's folder in the cache: its name for people, a hash of its path so two projects never share one. */
export function projectWorkDir(projectDir: string): string {
  const abs = resolve(projectDir);
  const slug =
    basename(abs)
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .slice(0, 40) || 'project';
  return join(cacheRoot(), 'projects', `${slug}-${createHash('sha256').update(abs).digest('hex').slice(0, 12)}`);
}

/**
 * An agent's workspace for a branch: one per agent across phases (`phase2/implementer-2` →
 * `…/workspaces/implementer-2`), so the next phase refreshes the worktree the last one left (git rewrites
 * the files that differ) instead of adding a new one (every file written again). Phases run one after
 * another, so no two tasks of an agent share it at once; other branches keep their own
 * (`experiments/x` → `experiments-x`).
 */
export const workspaceDir = (projectDir: string, branch: string) =>
  join(projectWorkDir(projectDir), 'workspaces', branch.replace(/^phase\d+\//, '').replaceAll('/', '-'));

/**
 * A QA gate's clean checkout: one per slot (`gate`, `gate-1` for a run while another holds the first; see
 * qa/run-registry.ts), reused run after run and made pristine for each (materialize.ts), so a candidate
 * costs the files it changes, not a new worktree. The last run's stays for the human to inspect.
 */
export const qaCheckoutDir = (projectDir: string, slot = 'gate') => join(projectWorkDir(projectDir), 'qa', slot);
