/**
 * What an agent changed in its workspace, as the change set the GitService commits: read from `git status`
 * in a worktree at the commit (materialize.ts makes those), by content anywhere else.
 */
import * as fsp from 'node:fs/promises';
import path from 'node:path';
import { runGit } from './cli.ts';
import { MANIFEST, headOf, worktreeGitdir } from './materialize.ts';
import { MODE_EXEC, MODE_GITLINK, MODE_SYMLINK, hashObject, listTreeFiles, readBlob } from './objects.ts';
import type { RepoCtx } from './repo-fs.ts';
import type { FileChange } from './tree-write.ts';

/** A file as a change: its content (a symlink's target) and its kind. */
async function changeOf(full: string, rel: string): Promise<FileChange> {
  const st = await fsp.lstat(full);
  if (st.isSymbolicLink()) return { path: rel, content: await fsp.readlink(full), mode: 'symlink' };
  return { path: rel, content: await fsp.readFile(full), mode: (st.mode & 0o100) !== 0 ? 'executable' : 'file' };
}

const byPath = (a: FileChange, b: FileChange) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

function ignoredByPrefix(p: string, ignore: ((relPath: string) => boolean) | undefined): boolean {
  if (!ignore) return false;
  for (let i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) if (ignore(p.slice(0, i))) return true;
  return ignore(p);
}

/**
 * What changed in a workspace relative to `commit` (tree `tree`): the change set for commitChanges.
 * In a worktree at that commit, `git status` says (files git ignores are not changes); elsewhere every
 * file is compared with the tree by content.
 */
export async function changesInDir(
  ctx: RepoCtx,
  input: { commit?: string; tree: string; dir: string; ignore?: ((relPath: string) => boolean) | undefined },
): Promise<FileChange[]> {
  const dir = path.resolve(input.dir);
  const gitdir = await worktreeGitdir(ctx, dir);
  if (gitdir !== null && input.commit !== undefined && (await headOf(gitdir)) === input.commit) {
    const out = await runGit(dir, ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames']);
    const changes: FileChange[] = [];
    for (const entry of out.split('\0')) {
      if (entry.length < 4) continue;
      const code = entry.slice(0, 2);
      const rel = entry.slice(3);
      if (ignoredByPrefix(rel, input.ignore)) continue;
      const full = path.join(dir, rel);
      const gone =
        code.includes('D') &&
        !(await fsp.lstat(full).then(
          () => true,
          () => false,
        ));
      changes.push(gone ? { path: rel, content: null } : await changeOf(full, rel));
    }
    return changes.sort(byPath);
  }
  return changesByContent(ctx, { tree: input.tree, dir, ignore: input.ignore });
}

/** Every file compared with the tree by content: for a folder that is not a worktree at the commit. */
async function changesByContent(
  ctx: RepoCtx,
  input: { tree: string; dir: string; ignore?: ((relPath: string) => boolean) | undefined },
): Promise<FileChange[]> {
  const target = await listTreeFiles(ctx, input.tree);
  const seen = new Set<string>();
  const changes: FileChange[] = [];
  const walk = async (rel: string): Promise<void> => {
    const listing = await fsp.readdir(rel ? path.join(input.dir, rel) : input.dir, { withFileTypes: true });
    await Promise.all(
      listing.map(async (d) => {
        const p = rel ? `${rel}/${d.name}` : d.name;
        if (p === MANIFEST || d.name === '.git' || input.ignore?.(p)) return;
        const full = path.join(input.dir, p);
        const want = target.get(p);
        if (d.isDirectory()) return walk(p);
        if (d.isSymbolicLink()) {
          seen.add(p);
          const link = await fsp.readlink(full);
          if (want?.mode === MODE_SYMLINK && Buffer.from(await readBlob(ctx, want.oid)).toString('utf8') === link)
            return;
          changes.push({ path: p, content: link, mode: 'symlink' });
          return;
        }
        if (!d.isFile()) return; // sockets, fifos: not content
        seen.add(p);
        const st = await fsp.lstat(full);
        const exec = (st.mode & 0o100) !== 0;
        const bytes = await fsp.readFile(full);
        if (
          want &&
          want.mode !== MODE_SYMLINK &&
          want.mode !== MODE_GITLINK &&
          exec === (want.mode === MODE_EXEC) &&
          hashObject('blob', bytes).oid === want.oid
        )
          return;
        // A symlink leading out was materialised as a file of its link text: unchanged while it still is.
        if (want?.mode === MODE_SYMLINK && hashObject('blob', bytes).oid === want.oid) return;
        changes.push({ path: p, content: bytes, mode: exec ? 'executable' : 'file' });
      }),
    );
  };
  try {
    await walk('');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  for (const [p, e] of target) {
    if (!seen.has(p) && e.mode !== MODE_GITLINK && !ignoredByPrefix(p, input.ignore))
      changes.push({ path: p, content: null });
  }
  return changes.sort(byPath);
}
