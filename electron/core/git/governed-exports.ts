import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import git from 'isomorphic-git';
import { repoFs } from './repo-fs.ts';

/**
 * Before a promotion moves the user's checked-out branch, clear the ledger exports that are not yet
 * tracked (REQUIREMENTS.md, audit/…): the promoted commit contains them, and an untracked copy in the
 * way would make the checkout refuse. They are re-rendered from the ledger right after.
 */
export async function clearUntrackedExports(dir: string, paths: readonly string[]): Promise<string[]> {
  const gitdir = join(dir, '.git');
  const rows = await git.statusMatrix({ fs: repoFs, dir, gitdir, filepaths: [...paths], refresh: false });
  const removed: string[] = [];
  for (const [file, head, , stage] of rows) {
    if (head === 0 && stage === 0 && paths.includes(file)) {
      await rm(join(dir, file), { force: true });
      removed.push(file);
    }
  }
  return removed;
}
