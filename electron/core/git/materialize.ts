/**
 * Checkouts of a commit outside the user's working tree: the agents' workspaces and the QA gate's
 * isolated checkouts. Each is a real git worktree of the project (`git worktree add --detach`), so an
 * agent's tools (and a coding agent running git itself) see an ordinary repository, and refreshing one
 * is `git checkout`: git's index knows every file's stat, so a refresh rewrites only what differs and costs
 * about what `git checkout` costs, whatever the size of the tree; git's own racy-timestamp rule
 * re-reads only files written in the same instant as the index, never a fixed window.
 *
 * The worktree is detached at the commit: Governor stays the only writer of governed branches (it commits
 * an agent's changes itself, through the GitService) and no branch is ever "checked out" twice.
 *
 * Git checks committed symlinks out as plain files of their link text (core.symlinks=false, see cli.ts);
 * the ones that stay inside the workspace are then made links again. A link leading out stays a file, so
 * nothing an agent or its tests do in the workspace reaches the rest of the machine through one.
 * (Coding agents such as Claude Code work in their own `git clone --shared` instead: see git-workspace.ts.)
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, readdirSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '../errors.ts';
import { runGit } from './cli.ts';
import { diffTrees } from './diff.ts';
import {
  type DirStamps,
  RACY,
  changedDirs,
  foldersOf,
  keepKey,
  listIndex,
  readStamps,
  writeStamps,
} from './dir-stamps.ts';
import { MODE_GITLINK, MODE_SYMLINK, treeOfCommit } from './objects.ts';
import type { RepoCtx } from './repo-fs.ts';
import { foldersWithStrays, wipeUntracked } from './strays.ts';
import { addWorktree } from './worktree-add.ts';
import { refreshWorktree } from './worktree-refresh.ts';

/** The stat manifest plain-folder workspaces kept; a folder that still has one is replaced by a worktree. */
export const MANIFEST = '.governor-materialized.json';

/**
 * Does a committed symlink at `rel` (inside `dir`) point outside `dir`? An absolute target always does; a
 * relative one does when it climbs out. Such a link, materialised, would let every later write or read in
 * the workspace (a file tool, the tests) reach the rest of the machine.
 */
export function symlinkLeadsOut(rel: string, target: string): boolean {
  if (target.length === 0 || target.includes('\u0000') || path.isAbsolute(target)) return true;
  const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(rel), target));
  return resolved === '..' || resolved.startsWith('../');
}

/** What a checkout from one commit to another changed: each path, and whether it is a symlink now. */
interface TreeDelta {
  from: string;
  changes: Array<{ path: string; link: boolean }>;
}

/**
 * The files that differ between two commits, read in process (diff.ts compares trees by id, so unchanged
 * folders cost nothing, and no git process is spawned for it).
 */
async function treeDelta(ctx: RepoCtx, from: string, toTree: string): Promise<TreeDelta> {
  const changes = (await diffTrees(ctx, { from: await treeOfCommit(ctx, from), to: toTree, content: false }))
    .filter((c) => c.oldMode !== MODE_GITLINK && c.newMode !== MODE_GITLINK)
    .map((c) => ({ path: c.path, link: c.newMode === MODE_SYMLINK }));
  return { from, changes };
}

/**
 * The committed symlinks and the tracked folders of a worktree at `commit`: carried from its record
 * (dir-stamps.ts) by what the checkout changed, so a refresh reads a few paths, not the whole index; or
 * listed from the index when there is nothing to carry.
 */
async function tracked(
  dir: string,
  gitdir: string,
  commit: string,
  carried: DirStamps | null,
  delta?: TreeDelta,
): Promise<{ links: string[]; folders: Iterable<string> }> {
  if (!carried || (carried.commit !== commit && carried.commit !== delta?.from)) return listIndex(dir, gitdir);
  const links = new Set(carried.links);
  for (const c of delta?.changes ?? []) {
    if (c.link) links.add(c.path);
    else links.delete(c.path);
  }
  const folders = foldersOf(
    (delta?.changes ?? []).map((c) => c.path),
    new Set(Object.keys(carried.dirs)),
  );
  return { links: [...links], folders };
}

/**
 * Every committed symlink as it should be: a link when it stays inside the workspace, a file of its link
 * text when it leads out. Git wrote them all as files (core.symlinks=false) and compares either form with
 * the entry by target, so neither form is a change; an agent's link leading out in place of one is
 * made a file again here. Returns how many were fixed.
 */
async function settleLinks(dir: string, links: readonly string[]): Promise<number> {
  let fixed = 0;
  for (const rel of links) {
    const full = path.join(dir, rel);
    const st = await fsp.lstat(full).catch(() => null);
    if (st?.isFile()) {
      const target = await fsp.readFile(full, 'utf8');
      if (symlinkLeadsOut(rel, target)) continue;
      // A new link renamed over the file: the path is a file or a link at every instant, never missing.
      const tmp = `${full}.governor-link-${process.pid}`;
      await fsp.rm(tmp, { force: true });
      await fsp.symlink(target, tmp);
      await fsp.rename(tmp, full);
      fixed += 1;
    } else if (st?.isSymbolicLink()) {
      const target = await fsp.readlink(full);
      if (!symlinkLeadsOut(rel, target)) continue;
      await fsp.rm(full, { force: true });
      await fsp.writeFile(full, target, { mode: 0o644, flag: 'wx' });
      fixed += 1;
    }
  }
  return fixed;
}

export interface MaterializeResult {
  /** Files that differ between the commit the worktree held and this one (every file for a new one). */
  written: number;
  /** Untracked files and folders removed (strays an agent or a test run left). */
  removed: number;
  /** Files of the commit that were already in place. */
  unchanged: number;
}

/** The worktree's own git directory, when `dir` is a worktree of this repository; else null. */
export async function worktreeGitdir(ctx: RepoCtx, dir: string): Promise<string | null> {
  // Synchronous reads here and below: a few bytes each, read before every agent turn, where a trip through
  // the thread pool waits behind whatever else the process has queued.
  let text: string;
  try {
    text = readFileSync(path.join(dir, '.git'), 'utf8');
  } catch {
    return null;
  }
  const m = /^gitdir: (.+)$/m.exec(text);
  if (!m?.[1]) return null;
  const gitdir = path.resolve(dir, m[1].trim());
  const worktrees = path.resolve(ctx.gitdir, 'worktrees') + path.sep;
  if (!gitdir.startsWith(worktrees)) return null;
  return existsSync(path.join(gitdir, 'HEAD')) ? gitdir : null;
}

/**
 * Is any worktree registered whose folder is gone? Git records each one's `.git` file path in
 * `worktrees/<name>/gitdir`; one that no longer exists (or an unreadable record) is what prune removes.
 */
function staleWorktrees(ctx: RepoCtx): boolean {
  // Synchronous, as worktreeGitdir reads: a listing and a few small files, once per new worktree.
  const root = path.join(ctx.gitdir, 'worktrees');
  let names: string[] = [];
  try {
    names = readdirSync(root);
  } catch {
    // no worktrees yet
  }
  for (const name of names) {
    let where = '';
    try {
      where = readFileSync(path.join(root, name, 'gitdir'), 'utf8').trim();
    } catch {
      // an unreadable record: prune removes it
    }
    // Absolute as git 2.39 writes it; relative ones (worktree.useRelativePaths) are from the record's folder.
    if (where === '' || !existsSync(path.resolve(root, name, where))) return true;
  }
  return false;
}

/** The commit a (detached) worktree is at. */
export async function headOf(gitdir: string): Promise<string | null> {
  let head = '';
  try {
    head = readFileSync(path.join(gitdir, 'HEAD'), 'utf8').trim();
  } catch {
    // no HEAD: not at a commit
  }
  return /^[0-9a-f]{40}$/.test(head) ? head : null;
}

/** The number of entries in a worktree's index: its header says, so no file is read to count them. */
async function indexEntries(gitdir: string): Promise<number> {
  let fd: number;
  try {
    fd = openSync(path.join(gitdir, 'index'), 'r');
  } catch {
    return 0;
  }
  try {
    const header = Buffer.alloc(12);
    return readSync(fd, header, 0, 12, 0) === 12 && header.toString('latin1', 0, 4) === 'DIRC'
      ? header.readUInt32BE(8)
      : 0;
  } finally {
    closeSync(fd);
  }
}

/**
 * Makes `dir` a worktree holding exactly the files of `commit`, plus the untracked paths git ignores
 * (`node_modules`, build output: expensive to rebuild, never committed) and the top-level paths in
 * `keep`. Anything else untracked is removed before the checkout writes a file, so nothing an agent
 * planted (a symlink in place of a folder, a hard link to a file outside) is ever written through:
 * `git checkout -f` replaces a changed file rather than writing into it.
 */
export async function materializeTree(
  ctx: RepoCtx,
  input: { commit: string; tree: string; dir: string; keep?: readonly string[] | undefined; pristine?: boolean },
): Promise<MaterializeResult> {
  const dir = path.resolve(input.dir);
  if (
    dir === path.resolve(ctx.dir) ||
    dir === path.resolve(ctx.gitdir) ||
    dir.startsWith(path.resolve(ctx.gitdir) + path.sep)
  ) {
    throw new InvalidInputError(`materialize writes a separate directory, not the repository itself (${dir})`);
  }
  const gitdir = await worktreeGitdir(ctx, dir);
  if (gitdir === null) {
    // A folder from before worktrees (or anything else in the way) is replaced whole, once.
    // Usually nothing is there: looked for first, so that only an old folder costs a (thread-pool) removal.
    if (existsSync(dir)) await fsp.rm(dir, { recursive: true, force: true });
    mkdirSync(path.dirname(dir), { recursive: true });
    // Registrations of worktrees whose folders are gone (a QA checkout removed after its run) go first;
    // looked for first, since a `git worktree prune` with nothing to prune costs a process per new worktree.
    if (staleWorktrees(ctx)) await runGit(ctx.dir, ['worktree', 'prune']);
    // In process when the commit is small and plain (worktree-add.ts), else `git worktree add`.
    if (!(await addWorktree(ctx, { dir, commit: input.commit, tree: input.tree })))
      await runGit(ctx.dir, ['worktree', 'add', '--detach', '--force', '--quiet', dir, input.commit]);
    const made = await worktreeGitdir(ctx, dir);
    if (!made) return { written: 0, removed: 0, unchanged: 0 };
    const t = await listIndex(dir, made);
    await settleLinks(dir, t.links);
    await writeStamps(made, dir, { commit: input.commit, keep: keepKey(input.keep), links: t.links }, t.folders);
    return { written: await indexEntries(made), removed: 0, unchanged: 0 };
  }
  // A pristine checkout (the QA gate's) holds nothing but the commit: what git ignores goes too (a previous
  // run's reports, caches, node_modules), as if the folder were made anew, without the `worktree add`.
  // In process when the index is small (strays.ts), else by `git clean -x`.
  const wiped = input.pristine
    ? ((await wipeUntracked(dir, gitdir)) ??
      (await runGit(dir, ['clean', '-f', '-f', '-d', '-x'])).split('\n').filter((l) => l.startsWith('Removing '))
        .length)
    : 0;
  const before = await headOf(gitdir);
  const files = await indexEntries(gitdir);
  const saved = await readStamps(gitdir);
  const keepAs = keepKey(input.keep);
  const carried = saved !== null && before !== null && saved.commit === before && saved.keep === keepAs ? saved : null;
  // The folders where an agent may have left strays: none when no folder's listing moved; null when unknown.
  // A pristine checkout has none left: every untracked path is wiped.
  const suspects = input.pristine
    ? []
    : carried && before
      ? await foldersWithStrays(ctx, await treeOfCommit(ctx, before), input.tree, dir, changedDirs(dir, carried))
      : null;
  if (before === input.commit) {
    // Already at the commit, the usual case before an agent's turn. With no folder's listing changed, only
    // tracked files can differ: compared by stat in process (and put right), or by `git status` (no walk
    // for untracked files) when the worktree is one for git (worktree-refresh.ts).
    const untouched = suspects !== null && suspects.length === 0;
    const refreshed = untouched
      ? await refreshWorktree(ctx, { dir, gitdir, commit: input.commit, tree: input.tree })
      : null;
    if (refreshed) {
      const t = await tracked(dir, gitdir, input.commit, carried);
      const fixed = await settleLinks(dir, t.links);
      const stale = refreshed.written.length > 0 || fixed > 0 || Object.values(carried?.dirs ?? {}).includes(RACY);
      if (stale) await writeStamps(gitdir, dir, { commit: input.commit, keep: keepAs, links: t.links }, t.folders);
      // Edits put right count as no file written: the commit is the one the worktree held (as with git).
      return { written: fixed, removed: wiped, unchanged: files - fixed };
    }
    const status = await runGit(dir, [
      'status',
      '--porcelain=v1',
      '-z',
      `--untracked-files=${untouched ? 'no' : 'all'}`,
      '--ignore-submodules=all',
    ]);
    if (status === '') {
      const t = await tracked(dir, gitdir, input.commit, carried);
      const fixed = await settleLinks(dir, t.links);
      // New stamps when the old ones were unknown, moved or racy (so the next refresh need not look again).
      const stale = !untouched || fixed > 0 || Object.values(carried?.dirs ?? {}).includes(RACY);
      if (stale) await writeStamps(gitdir, dir, { commit: input.commit, keep: keepAs, links: t.links }, t.folders);
      return { written: fixed, removed: wiped, unchanged: files - fixed };
    }
  }
  // What the checkout changes, read in process while git checks the commit out (only a .gitignore among them
  // changes what the clean below does, so that clean waits for it).
  const deltaRead = before && before !== input.commit ? treeDelta(ctx, before, input.tree) : undefined;
  deltaRead?.catch(() => {}); // awaited below; a failure is thrown from there
  // Strays go first (a stray symlink where the commit has a folder is gone before the checkout), looked for
  // only in the folders whose listing moved; everywhere when that is unknown or the root moved (a new
  // top-level entry).
  const keep = (input.keep ?? []).flatMap((p) => ['-e', `/${p.replace(/^\/+/, '')}`]);
  const clean = async (only: string[] | null) => {
    const args = only === null ? [] : ['--', ...only];
    const out = await runGit(dir, ['--literal-pathspecs', 'clean', '-f', '-f', '-d', ...keep, ...args]);
    return out.split('\n').filter((l) => l.startsWith('Removing ')).length;
  };
  const where = suspects === null || suspects.includes('') ? null : suspects;
  let removed = wiped + (where === null || where.length > 0 ? await clean(where) : 0);
  // The stamps stay: if this process dies mid-checkout, the next refresh still finds every stray, since git
  // itself leaves none (it writes only tracked paths) and the files it half-wrote are tracked ones.
  // Forced: the commit's files, whatever the agent did to them (git replaces a changed file, never writes into
  // it); in process when the worktree is small and plain (worktree-refresh.ts), else by git.
  const refreshed = await refreshWorktree(ctx, { dir, gitdir, commit: input.commit, tree: input.tree });
  if (!refreshed) await runGit(dir, ['checkout', '--force', '--quiet', '--detach', input.commit]);
  const delta = await deltaRead;
  // A changed .gitignore changes what counts as a stray: files it no longer ignores go too (a pristine
  // checkout has none: what git ignores was wiped as well).
  if (!input.pristine && where !== null && delta?.changes.some((c) => path.posix.basename(c.path) === '.gitignore'))
    removed += await clean(null);
  // A path the in-process refresh wrote beyond the commits' difference (a refresh killed part-way, finished
  // now) may be in a folder the record lacks: listed from the index then.
  const known = new Set(delta?.changes.map((c) => c.path) ?? []);
  const beyond = refreshed?.written.some((p) => !known.has(p)) ?? false;
  const t = await tracked(dir, gitdir, input.commit, beyond ? null : carried, delta);
  await settleLinks(dir, t.links);
  await writeStamps(gitdir, dir, { commit: input.commit, keep: keepAs, links: t.links }, t.folders);
  const written =
    before === input.commit
      ? 0
      : delta
        ? delta.changes.length
        : (await diffTrees(ctx, { from: null, to: input.tree, content: false })).length;
  const now = await indexEntries(gitdir);
  return { written, removed, unchanged: Math.max(0, now - written) };
}
