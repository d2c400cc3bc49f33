/**
 * The real git CLI, the judge of every repository the GitService writes, plus a temp-dir helper.
 * Identity and config come from the environment so the host's ~/.gitconfig cannot change results.
 */
import { spawnSync } from 'node:child_process';
import { lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const env = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'cli',
  GIT_AUTHOR_EMAIL: 'cli@example.invalid',
  GIT_COMMITTER_NAME: 'cli',
  GIT_COMMITTER_EMAIL: 'cli@example.invalid',
  LC_ALL: 'C',
};

export interface GitRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `git -C dir …args`; never throws. */
export function gitRun(dir: string, ...args: string[]): GitRun {
  const r = spawnSync('git', ['-C', dir, ...args], { encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `git -C dir …args` and returns stdout; throws with stderr when git fails. */
export function gitCli(dir: string, ...args: string[]): string {
  const r = gitRun(dir, ...args);
  if (r.code !== 0) throw new Error(`git ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** `git fsck --full --strict`: exit 0 and nothing reported as an error, warning or missing/broken object. */
export function fsck(dir: string): GitRun {
  return gitRun(dir, 'fsck', '--full', '--strict', '--no-dangling');
}

export async function tempDir(prefix = 'governor-git-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Every file under a worktree `root` as `mode path`, as `git ls-tree -r` names them (links by mode 120000). */
export async function worktreeFiles(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(join(root, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${d.name}` : d.name;
    // The worktree's link to the repository is git's, not a file of the commit.
    if (p === '.git') continue;
    if (d.isDirectory()) out.push(...(await worktreeFiles(root, p)));
    else {
      const st = await lstat(join(root, p));
      out.push(`${d.isSymbolicLink() ? '120000' : st.mode & 0o100 ? '100755' : '100644'} ${p}`);
    }
  }
  return out.sort();
}
