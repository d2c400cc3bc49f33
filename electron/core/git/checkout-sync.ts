/**
 * Brings the user's checkout of a branch from commit `from` to commit `to` after Governor moved the
 * branch (a promotion), as `git merge` would bring a clean checkout along. It is written to be finished
 * by a later run: each path is replaced atomically, a path already holding `to`'s content is left as it
 * is, and the index is updated last; so a run killed half-way leaves every path at `from` or at `to`,
 * and the next run completes the same set. Never half a file, never the user's work overwritten.
 *
 * A path is Governor's to write when the checkout still holds `from`'s version of it (or `to`'s), or
 * when it is one of Governor's exports (`governed`). Anything else there is the user's own edit: it is
 * kept, and reported, whatever the release says.
 */
import * as fsp from 'node:fs/promises';
import path from 'node:path';
import git from 'isomorphic-git';
import { headBranch } from './checkout.ts';
import { diffTrees } from './diff.ts';
import { MODE_EXEC, MODE_GITLINK, MODE_SYMLINK, hashObject, readBlob, treeOfCommit } from './objects.ts';
import { atomicWriteFile, type RepoCtx } from './repo-fs.ts';

export interface CheckoutSyncInput {
  /** Short branch name; nothing happens unless the user has it checked out. */
  branch: string;
  from: string | null;
  to: string;
  governed: (relPath: string) => boolean;
  /** Called between effects (see crash-point.ts). */
  boundary?: (label: string) => void;
}

export interface CheckoutSyncResult {
  state: 'synced' | 'not_checked_out';
  /** Paths now at `to` in the working tree and the index. */
  synced: string[];
  /** Paths the user had changed; left exactly as they were. */
  kept: string[];
}

type Found = { oid: string; mode: string } | null | 'other';

/** What the working tree holds at `rel`, as a blob id and mode; 'other' for a directory or anything unreadable. */
async function worktreeEntry(dir: string, rel: string): Promise<Found> {
  const full = path.join(dir, rel);
  let st;
  try {
    st = await fsp.lstat(full);
  } catch {
    return null;
  }
  try {
    if (st.isSymbolicLink()) {
      return { oid: hashObject('blob', Buffer.from(await fsp.readlink(full))).oid, mode: MODE_SYMLINK };
    }
    if (!st.isFile()) return 'other';
    const mode = (st.mode & 0o111) !== 0 ? MODE_EXEC : '100644';
    return { oid: hashObject('blob', await fsp.readFile(full)).oid, mode };
  } catch {
    return 'other';
  }
}

const holds = (found: Found, oid: string | null, mode: string | null): boolean =>
  oid === null ? found === null : found !== null && found !== 'other' && found.oid === oid && found.mode === mode;

async function writeEntry(ctx: RepoCtx, rel: string, oid: string | null, mode: string | null): Promise<void> {
  const full = path.join(ctx.dir, rel);
  if (oid === null) {
    await fsp.rm(full, { force: true });
    // Like git: a folder the release emptied goes too; one still holding the user's files stays.
    for (let d = path.dirname(full); d.startsWith(ctx.dir + path.sep); d = path.dirname(d)) {
      if ((await fsp.readdir(d).catch(() => ['?'])).length > 0) break;
      await fsp.rmdir(d).catch(() => {});
    }
    return;
  }
  await fsp.mkdir(path.dirname(full), { recursive: true });
  const bytes = await readBlob(ctx, oid);
  if (mode === MODE_SYMLINK) {
    await fsp.rm(full, { force: true });
    await fsp.symlink(Buffer.from(bytes).toString('utf8'), full);
    return;
  }
  const perm = mode === MODE_EXEC ? 0o755 : 0o644;
  await atomicWriteFile(full, bytes, { mode: perm });
  await fsp.chmod(full, perm);
}

export async function syncCheckoutPaths(ctx: RepoCtx, input: CheckoutSyncInput): Promise<CheckoutSyncResult> {
  if ((await headBranch(ctx)) !== `refs/heads/${input.branch}`) {
    return { state: 'not_checked_out', synced: [], kept: [] };
  }
  const fromTree = input.from === null ? null : await treeOfCommit(ctx, input.from);
  const changes = (await diffTrees(ctx, { from: fromTree, to: await treeOfCommit(ctx, input.to), content: false }))
    .filter((c) => c.oldMode !== MODE_GITLINK && c.newMode !== MODE_GITLINK);
  const synced: string[] = [];
  const kept: string[] = [];
  const toWrite: typeof changes = [];
  for (const c of changes) {
    const found = await worktreeEntry(ctx.dir, c.path);
    if (holds(found, c.newOid, c.newMode)) synced.push(c.path);
    else if (input.governed(c.path) || holds(found, c.oldOid, c.oldMode)) toWrite.push(c);
    else kept.push(c.path);
  }
  const half = Math.floor(toWrite.length / 2);
  for (const [i, c] of toWrite.entries()) {
    await writeEntry(ctx, c.path, c.newOid, c.newMode);
    synced.push(c.path);
    if (i === 0) input.boundary?.('checkout: first file written');
    else if (i === half) input.boundary?.('checkout: half the files written');
  }
  input.boundary?.('checkout: files written, index not yet');
  // The index follows the files, in one write for everything present (and one per deletion).
  const gone = new Set(changes.filter((c) => c.newOid === null).map((c) => c.path));
  const present = synced.filter((p) => !gone.has(p));
  await stageAll(ctx, present);
  for (const p of synced.filter((x) => gone.has(x))) await unstage(ctx, p);
  return { state: 'synced', synced: synced.sort(), kept: kept.sort() };
}

/** Stages exactly `paths` of the user's checkout as they are on disk (a deleted one leaves the index). */
export async function stagePaths(ctx: RepoCtx, paths: readonly string[]): Promise<void> {
  const present: string[] = [];
  for (const p of paths) {
    const found = await worktreeEntry(ctx.dir, p);
    if (found === null) await unstage(ctx, p);
    else if (found !== 'other') present.push(p);
  }
  await stageAll(ctx, present);
}

/** One index write for all of them (`force`: a path the project's .gitignore names is still tracked). */
async function stageAll(ctx: RepoCtx, paths: string[]): Promise<void> {
  if (paths.length === 0) return;
  await git.add({ fs: ctx.fs, dir: ctx.dir, gitdir: ctx.gitdir, filepath: paths, force: true, cache: ctx.cache });
}

async function unstage(ctx: RepoCtx, path: string): Promise<void> {
  const where = { fs: ctx.fs, dir: ctx.dir, gitdir: ctx.gitdir, cache: ctx.cache };
  await git.updateIndex({ ...where, filepath: path, remove: true, force: true });
}
