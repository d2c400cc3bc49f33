/**
 * A new worktree of the repository made in process, as `git worktree add --detach` makes one, without the
 * git process: every first use of an agent workspace and of a QA checkout made one, and starting git from
 * a large parent costs 10–30 ms of the parent's own time, more than writing a small project's files.
 *
 * What git writes, and so what this writes (Documentation/git-worktree.txt, "DETAILS"):
 *   $GIT_DIR/worktrees/<name>/locked     "initializing" while it is made, so a concurrent prune leaves it
 *   $GIT_DIR/worktrees/<name>/commondir  "../..": the objects and refs are the main repository's
 *   $GIT_DIR/worktrees/<name>/gitdir     the path of the worktree's `.git` file (what prune looks for)
 *   $GIT_DIR/worktrees/<name>/HEAD       the commit, detached
 *   $GIT_DIR/worktrees/<name>/index      written by the in-process refresh, with every file's stat
 *   <worktree>/.git                      "gitdir: <the folder above>"
 * <name> is the folder's base name, with a number added when it is taken (git's rule). The files and the
 * index come from worktree-refresh.ts, which returns null for anything it leaves to git (a large tree,
 * submodules, attributes): then everything made here is removed and the caller runs `git worktree add`.
 * A repository with a post-checkout hook is left to git too, which runs it.
 */
import { existsSync, mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import path from 'node:path';
import { writeIndex } from './index-entries.ts';
import type { RepoCtx } from './repo-fs.ts';
import { refreshWorktree } from './worktree-refresh.ts';

/** Claims `worktrees/<name>` (or `<name>1`, `<name>2`, …) by creating it: mkdir is the atomic claim. */
function claimAdminDir(ctx: RepoCtx, base: string): string {
  const root = path.join(ctx.gitdir, 'worktrees');
  mkdirSync(root, { recursive: true });
  const name = base.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '') || 'worktree';
  for (let n = 0; ; n++) {
    const admin = path.join(root, n === 0 ? name : `${name}${n}`);
    try {
      mkdirSync(admin);
      return realpathSync.native(admin);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || n > 10_000) throw err;
    }
  }
}

/**
 * Makes the (absent or empty) folder `dir` a worktree detached at `commit` (tree `tree`). Returns false,
 * having removed what it made, when the worktree is one for `git worktree add`. The folders and the small
 * files are made with synchronous calls, as worktree-refresh.ts writes the worktree's files: a dozen
 * thread-pool round trips cost milliseconds each on a busy machine, far more than the calls themselves.
 */
export async function addWorktree(ctx: RepoCtx, o: { dir: string; commit: string; tree: string }): Promise<boolean> {
  if (existsSync(path.join(ctx.gitdir, 'hooks', 'post-checkout'))) return false;
  mkdirSync(o.dir, { recursive: true });
  const dir = realpathSync.native(o.dir);
  const admin = claimAdminDir(ctx, path.basename(dir));
  // Rare (a tree left to git): through the thread pool, since the folder may hold files the refresh wrote.
  const undo = async () => {
    await fsp.rm(admin, { recursive: true, force: true });
    await fsp.rm(dir, { recursive: true, force: true });
  };
  try {
    writeFileSync(path.join(admin, 'locked'), 'initializing\n');
    writeFileSync(path.join(admin, 'commondir'), '../..\n');
    writeFileSync(path.join(admin, 'gitdir'), `${path.join(dir, '.git')}\n`);
    writeFileSync(path.join(admin, 'HEAD'), `${o.commit}\n`);
    writeFileSync(path.join(dir, '.git'), `gitdir: ${admin}\n`);
    // An empty index: the refresh compares it with the commit and writes every file, then the full index.
    const ok =
      (await writeIndex(path.join(admin, 'index'), { version: 2, entries: [] })) &&
      (await refreshWorktree(ctx, { dir, gitdir: admin, commit: o.commit, tree: o.tree })) !== null;
    if (!ok) {
      await undo();
      return false;
    }
    rmSync(path.join(admin, 'locked'));
    return true;
  } catch (err) {
    await undo();
    throw err;
  }
}
