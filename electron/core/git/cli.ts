/**
 * The git CLI, for the one job isomorphic-git cannot do well: keeping a worktree's files in step with a
 * commit (it has no worktrees, and its checkout rewrites one shared index). Git is already required, and
 * `git checkout` refreshes a 10,000-file worktree by stat and rewrites only what differs.
 *
 * The environment is stripped of anything that would point git elsewhere (GIT_DIR, GIT_INDEX_FILE…) or
 * change the files it writes (the user's global config: autocrlf, filters), and hooks never run: a
 * supervised repository's post-checkout hook is not Governor's to execute.
 */
import { execFile } from 'node:child_process';
import { InvalidInputError } from '../errors.ts';

/** Settings that hold whatever the repository's config says: files exactly as committed, no hooks. */
const CONFIG = [
  ['core.hooksPath', '/dev/null'],
  ['core.autocrlf', 'false'],
  // Committed links are written as files of their text; materialize.ts makes the ones that stay inside
  // the worktree links again, and a link leading out stays a file (nothing reaches outside through it).
  ['core.symlinks', 'false'],
  ['core.fsmonitor', 'false'],
  // Lets `git status` skip the folders whose listing did not change (kept in the worktree's own index).
  ['core.untrackedCache', 'true'],
  ['advice.detachedHead', 'false'],
  ['gc.auto', '0'],
].flatMap(([k, v]) => ['-c', `${k}=${v}`]);

function env(): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) out[k] = v;
  return { ...out, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };
}

/** Run `git -C cwd …args`; resolves with stdout, rejects naming the command and git's own message. */
export function runGit(cwd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      ['-C', cwd, ...CONFIG, ...args],
      { env: env(), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT')
          return reject(new InvalidInputError('the git CLI was not found on PATH; Governor needs git installed'));
        reject(new Error(`git ${args.join(' ')} (in ${cwd}) failed: ${stderr.trim() || err.message}`));
      },
    );
  });
}
