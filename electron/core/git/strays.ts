/**
 * Stray detection for a worktree refresh (materialize.ts): of the folders whose listing moved since the
 * last record (dir-stamps.ts), the ones that may hold untracked paths an agent left, read in process so
 * `git clean` walks only those.
 */
import { type Dirent, lstatSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import path from 'node:path';
import { foldersOf, readIndexPaths } from './dir-stamps.ts';
import { readTreeEntries, type Entry } from './objects.ts';
import type { RepoCtx } from './repo-fs.ts';
import { IN_PROCESS_MAX_FILES, plainParents, pruneEmptyParents } from './worktree-refresh.ts';

/**
 * Of the folders whose listing moved, those that may hold strays. A folder whose every entry is one the
 * commit's tree has there, of the same kind, holds none: its ctime moved because a tracked file was
 * rewritten (by git's checkout, or by an agent). A file the commit checked out next (`next`) has there is
 * no stray either: the forced checkout replaces it (a link or a hard link too, never written through), as
 * happens to every file an agent added once Governor has committed it. A folder only `next` has is read
 * whole (nothing recorded its listing): no stray if it holds just what `next` has there. Read in process;
 * the rest go to `git clean`.
 */
export async function foldersWithStrays(
  ctx: RepoCtx,
  tree: string,
  next: string,
  dir: string,
  folders: string[],
): Promise<string[]> {
  const out: string[] = [];
  // Folders share their parents' trees: each tree is read once.
  const trees = new Map<string, Promise<Entry[]>>();
  const entries = (oid: string) => {
    const known = trees.get(oid);
    if (known) return known;
    const read = readTreeEntries(ctx, oid);
    trees.set(oid, read);
    return read;
  };
  for (const rel of folders) if (!(await onlyTracked(entries, tree, next, dir, rel))) out.push(rel);
  return out;
}

/** The entries of the folder `rel` in `tree`, by name; null when `tree` has no such folder. */
async function folderIn(
  entries: (oid: string) => Promise<Entry[]>,
  tree: string,
  rel: string,
): Promise<Map<string, Entry> | null> {
  let oid = tree;
  for (const part of rel === '' ? [] : rel.split('/')) {
    const e = (await entries(oid)).find((x) => x.path === part);
    if (e?.type !== 'tree') return null;
    oid = e.oid;
  }
  return new Map((await entries(oid)).map((e) => [e.path, e]));
}

/** Does the folder at `full` hold nothing but what tree `oid` has (a folder only the next commit has)? */
async function onlyIn(entries: (oid: string) => Promise<Entry[]>, oid: string, full: string): Promise<boolean> {
  const want = new Map((await entries(oid)).map((e) => [e.path, e]));
  let listing: Dirent[];
  try {
    listing = readdirSync(full, { withFileTypes: true });
  } catch {
    return false;
  }
  for (const d of listing) {
    const e = want.get(d.name);
    if (e?.type === 'blob' && (d.isFile() || d.isSymbolicLink())) continue;
    if (e?.type !== 'tree' || !d.isDirectory() || !(await onlyIn(entries, e.oid, path.join(full, d.name))))
      return false;
  }
  return true;
}

async function onlyTracked(
  entries: (oid: string) => Promise<Entry[]>,
  tree: string,
  next: string,
  dir: string,
  rel: string,
): Promise<boolean> {
  const tracked = await folderIn(entries, tree, rel);
  if (tracked === null) return false;
  const coming = next === tree ? null : await folderIn(entries, next, rel);
  let listing: Dirent[];
  try {
    // Synchronous: a folder's listing, a few entries, where the pool's round trip costs more than the read.
    listing = readdirSync(path.join(dir, rel), { withFileTypes: true });
  } catch {
    return true; // gone: nothing in it to remove, and the checkout brings the tracked files back
  }
  for (const d of listing) {
    if (rel === '' && d.name === '.git') continue;
    const kind = tracked.get(d.name)?.type;
    const fileish = d.isFile() || d.isSymbolicLink();
    if (kind === undefined) {
      // Not in the commit the worktree holds: no stray only if the next commit has it, of the same kind
      // (a folder holding nothing else: no stamp recorded its listing, so it is read whole).
      const then = coming?.get(d.name);
      if (then?.type === 'blob' && fileish) continue;
      if (then?.type === 'tree' && d.isDirectory() && (await onlyIn(entries, then.oid, path.join(dir, rel, d.name))))
        continue;
      return false;
    }
    if (kind === 'tree' ? !d.isDirectory() : kind !== 'blob' || !fileish) return false;
  }
  return true;
}

/**
 * Removes everything in the worktree `dir` that its index does not track, ignored files included (a
 * previous test run's reports, caches, node_modules): what `git clean -f -f -d -x` removes, without the
 * process, for the QA gate's pristine checkout. A tracked path holding another kind (a folder where a file
 * is tracked, a link where a folder is) goes too; the refresh that follows writes the commit's. Nothing is
 * followed through a link. Returns the paths removed, or null when the index is one for git (too large,
 * a format this does not read).
 */
export async function wipeUntracked(dir: string, gitdir: string): Promise<number | null> {
  const index = await readIndexPaths(gitdir);
  if (!index || index.paths.length > IN_PROCESS_MAX_FILES) return null;
  const files = new Set(index.paths);
  const folders = foldersOf(index.paths);
  const wipe = async (rel: string): Promise<number> => {
    let removed = 0;
    // Listed synchronously (a tracked folder's listing is small); what goes is removed through the thread pool,
    // since it may be a whole tree (node_modules, a test run's reports).
    for (const d of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      if (rel === '' && d.name === '.git') continue;
      const p = rel === '' ? d.name : `${rel}/${d.name}`;
      if (files.has(p) && (d.isFile() || d.isSymbolicLink())) continue;
      if (folders.has(p) && d.isDirectory()) {
        removed += await wipe(p);
        continue;
      }
      await fsp.rm(path.join(dir, p), { recursive: true, force: true });
      removed += 1;
    }
    return removed;
  };
  return wipe('');
}

/** Where a worktree's record of the files laid over it is kept: its own git folder, out of git's sight. */
const LAID_OVER = 'governor-laid-over.json';

/** The git folder a worktree's `.git` file names; null when `dir` is no worktree. */
function worktreeAdminDir(dir: string): string | null {
  let text = '';
  try {
    // Synchronous, as the record's reads and writes below: a few small files, read before every Tester turn.
    text = readFileSync(path.join(dir, '.git'), 'utf8');
  } catch {
    // no .git: no worktree
  }
  const m = /^gitdir: (.+)$/m.exec(text);
  return m?.[1] ? path.resolve(dir, m[1].trim()) : null;
}

/**
 * Records `paths` as files written into the worktree `dir` over its commit (the Tester's workspace: the
 * phase's branches laid over develop as files). They are strays at its next refresh; recorded, they are
 * removed in process then (removeLaidOver) instead of found by a `git status` and a `git clean`.
 */
export async function recordLaidOver(dir: string, paths: readonly string[]): Promise<void> {
  const admin = worktreeAdminDir(dir);
  if (!admin) return;
  const file = path.join(admin, LAID_OVER);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify([...new Set(paths)].sort()));
  renameSync(tmp, file);
}

/**
 * Removes the files recorded by recordLaidOver, and `also` (files of the same kind: the branches about to be
 * laid over again, which hold what the agent wrote and Governor committed since), wherever the worktree's
 * index does not track them: exactly the untracked ones, which `git clean` would remove. A tracked one is
 * the refresh's to put back; one that is not a file, or is reached through a link, is left for `git clean`.
 * Folders left empty go too, as `git clean -d` removes them. Returns how many files were removed.
 */
export async function removeLaidOver(dir: string, also: readonly string[]): Promise<number> {
  const admin = worktreeAdminDir(dir);
  if (!admin) return 0;
  let recorded: unknown = [];
  try {
    recorded = JSON.parse(readFileSync(path.join(admin, LAID_OVER), 'utf8'));
  } catch {
    // none yet, or unreadable: only `also`
  }
  const index = await readIndexPaths(admin);
  if (!index) return 0;
  const tracked = new Set(index.paths);
  const paths = new Set([...(Array.isArray(recorded) ? recorded : []), ...also]);
  const seen = new Map<string, boolean>();
  let removed = 0;
  for (const rel of paths) {
    if (typeof rel !== 'string' || tracked.has(rel) || rel.split('/').some((s) => s === '' || s === '..' || s === '.'))
      continue;
    if (!plainParents(dir, rel, seen)) continue;
    const full = path.join(dir, rel);
    // Synchronous: a handful of small files, each a stat and an unlink (a round trip each through the pool).
    const st = lstatSync(full, { throwIfNoEntry: false });
    if (!st || !(st.isFile() || st.isSymbolicLink())) continue;
    rmSync(full, { force: true });
    pruneEmptyParents(dir, rel);
    removed += 1;
  }
  return removed;
}
