/**
 * Brings the user's checkout of a branch from commit `from` to commit `to` after Governor moved the
 * branch (a promotion), as `git merge` would bring a clean checkout along. It is written to be finished
 * by a later run: every file is replaced atomically (repo-fs.ts) and the index is written after the
 * files, so a run killed half-way leaves each path at `from` or at `to`, and the next run, deciding the
 * same set of paths again, completes it. Never half a file, never the user's work overwritten.
 *
 * A path is Governor's to write when the checkout still holds `from`'s version of it (or `to`'s, or
 * nothing), or when it is one of Governor's exports (`governed`). Anything else there is the user's own
 * edit: it is kept, and reported, whatever the release says.
 */
import { type BigIntStats, lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import path from 'node:path';
import { iso } from './iso.ts';
import { headBranch } from './checkout.ts';
import { runGit } from './cli.ts';
import { type KnownEntry, addKnownEntries } from './index-entries.ts';
import { diffTrees } from './diff.ts';
import { MODE_EXEC, MODE_GITLINK, MODE_SYMLINK, hashObject, readBlob, treeOfCommit } from './objects.ts';
import { type RepoCtx, atomicWriteFileSync } from './repo-fs.ts';

export interface CheckoutSyncInput {
  /** Short branch name; nothing happens unless the user has it checked out. */
  branch: string;
  from: string | null;
  to: string;
  governed: (relPath: string) => boolean;
  /**
   * Files Governor wrote once and never changes (sealed audit segments), as it recorded them then: a regular
   * file there that still has that size and modification time is taken to hold that blob (git's own test
   * for an unchanged file), unread, and is indexed by it without being hashed.
   */
  stored?: (relPath: string) => StoredFile | undefined;
  /** Called between effects (see crash-points.ts). */
  boundary?: (label: string) => void;
}

export interface CheckoutSyncResult {
  state: 'synced' | 'not_checked_out';
  /** Paths brought to `to` in the working tree and the index. */
  synced: string[];
  /** Paths the user had changed; left exactly as they were. */
  kept: string[];
}

export interface StoredFile {
  oid: string;
  size: number;
  /** Rounded to the millisecond, as Node gives a Date and sets times from one (`cp -a` keeps them too). */
  mtimeMs: number;
}

/** `stat`: the file's stat taken before it was read and hashed, as git records it in the index. */
type Found = { oid: string; mode: string; stat?: BigIntStats } | null | 'other';

/** Up to this size a file is read synchronously (see worktreeEntry); a larger one through the thread pool. */
const SYNC_READ_MAX = 1024 * 1024;

/**
 * What the working tree holds at `rel`, as a blob id and mode; 'other' for a directory or anything unreadable.
 * The stat and the read of an ordinary file are synchronous on purpose: a promotion looks at every path the
 * release changes, and a thread-pool round trip each cost milliseconds on a busy machine, more than the read.
 */
function worktreeEntry(dir: string, rel: string): Found | Promise<Found> {
  const full = path.join(dir, rel);
  let st: BigIntStats | undefined;
  try {
    st = lstatSync(full, { bigint: true, throwIfNoEntry: false });
  } catch {
    return 'other';
  }
  if (st === undefined) return null;
  const stat = st;
  try {
    if (stat.isSymbolicLink())
      return { oid: hashObject('blob', Buffer.from(readlinkSync(full))).oid, mode: MODE_SYMLINK };
    if (!stat.isFile()) return 'other';
    const mode = (stat.mode & 0o111n) !== 0n ? MODE_EXEC : '100644';
    if (stat.size <= BigInt(SYNC_READ_MAX)) return { oid: hashObject('blob', readFileSync(full)).oid, mode, stat };
  } catch {
    return 'other';
  }
  const mode = (stat.mode & 0o111n) !== 0n ? MODE_EXEC : '100644';
  return fsp.readFile(full).then(
    (content): Found => ({ oid: hashObject('blob', content).oid, mode, stat }),
    (): Found => 'other',
  );
}

/**
 * A file Governor recorded (`stored`): unread while it has the recorded size and time, else hashed. The
 * stat is synchronous on purpose: one per sealed segment, and a thread-pool round trip each cost more than
 * the stat (milliseconds apiece on a busy machine).
 */
function storedEntry(dir: string, rel: string, stored: StoredFile): Found | Promise<Found> {
  const st = lstatSync(path.join(dir, rel), { bigint: true, throwIfNoEntry: false });
  if (st === undefined) return null;
  const same = st.isFile() && (st.mode & 0o111n) === 0n && st.size === BigInt(stored.size);
  // Its stat goes into the index entry as taken here: one stat per segment, not two.
  return same && Math.round(Number(st.mtimeNs) / 1e6) === stored.mtimeMs
    ? { oid: stored.oid, mode: '100644', stat: st }
    : worktreeEntry(dir, rel);
}

const holds = (found: Found, oid: string | null, mode: string | null): boolean =>
  oid === null ? found === null : found !== null && found !== 'other' && found.oid === oid && found.mode === mode;

export async function syncCheckoutPaths(ctx: RepoCtx, input: CheckoutSyncInput): Promise<CheckoutSyncResult> {
  if ((await headBranch(ctx)) !== `refs/heads/${input.branch}`) {
    return { state: 'not_checked_out', synced: [], kept: [] };
  }
  const fromTree = input.from === null ? null : await treeOfCommit(ctx, input.from);
  const changes = (
    await diffTrees(ctx, { from: fromTree, to: await treeOfCommit(ctx, input.to), content: false })
  ).filter((c) => c.oldMode !== MODE_GITLINK && c.newMode !== MODE_GITLINK);
  await sweepTempFiles(
    ctx.dir,
    changes.map((c) => c.path),
  );
  const ours: string[] = [];
  const kept: string[] = [];
  const foundAt = new Map<string, Found>();
  const storedAt = (c: (typeof changes)[number]) => {
    const s = c.newMode === '100644' ? input.stored?.(c.path) : undefined;
    return s && s.oid === c.newOid ? s : undefined;
  };
  // A sealed file with its recorded stat is taken by its stored blob, unread (storedEntry).
  for (const c of changes) {
    const stored = storedAt(c);
    const found = stored ? await storedEntry(ctx.dir, c.path, stored) : await worktreeEntry(ctx.dir, c.path);
    foundAt.set(c.path, found);
    // Absent counts as ours: a file is never half-written, but a mode change is a delete, then a write.
    const theirs = found !== null && !holds(found, c.oldOid, c.oldMode) && !holds(found, c.newOid, c.newMode);
    if (theirs && !input.governed(c.path)) kept.push(c.path);
    else ours.push(c.path);
  }
  // Files already holding the release (Governor's exports: the records commit was made from them) need no
  // writing, only their index entries: rewriting them through isomorphic-git inflated and wrote back the
  // audit files, megabytes on a long history. Regular files only: git compares a link with its entry.
  const mine = new Set(ours);
  const inPlace = new Set(
    changes
      .filter((c) => mine.has(c.path) && c.newOid !== null && c.newMode !== null && c.newMode !== MODE_SYMLINK)
      .filter((c) => holds(foundAt.get(c.path) ?? null, c.newOid, c.newMode))
      .map((c) => c.path),
  );
  const toWrite = ours.filter((p) => !inPlace.has(p));
  const half = Math.max(2, Math.floor(ours.length / 2));
  let written = 0;
  const progress = () => {
    written += 1;
    if (written === 1) input.boundary?.('checkout: first file written');
    else if (written === half) input.boundary?.('checkout: half the files written');
  };
  // Regular files the release adds or changes are written here (temp + rename each, then one index write
  // with their fresh stat): isomorphic-git's checkout, even of a few paths, read and rewrote the whole index
  // through its own walk, tens of milliseconds a promotion. A deletion, a link or a submodule among them goes
  // to isomorphic-git as before.
  const byPath = new Map(changes.map((c) => [c.path, c]));
  const plain = toWrite.every((p) => {
    const mode = byPath.get(p)?.newMode;
    return byPath.get(p)?.newOid != null && (mode === '100644' || mode === MODE_EXEC);
  });
  const fresh: KnownEntry[] = [];
  const isoCheckout = async () =>
    // isomorphic-git writes each file through repoFs (temp + rename) and the index after the files.
    (await iso()).checkout({
      fs: ctx.fs,
      dir: ctx.dir,
      gitdir: ctx.gitdir,
      cache: ctx.cache,
      ref: input.branch,
      filepaths: toWrite,
      force: true,
      noUpdateHead: true,
      onProgress: ({ phase }) => {
        if (phase === 'Updating workdir') progress();
      },
    });
  if (toWrite.length > 0 && plain) {
    try {
      for (const p of toWrite) {
        const c = byPath.get(p);
        if (!c?.newOid) continue;
        const content = await readBlob(ctx, c.newOid);
        // Synchronous (a missing folder made when the write finds it missing): a mkdir, a write and a rename
        // through the thread pool were three round trips a file, milliseconds each on a busy machine.
        atomicWriteFileSync(path.join(ctx.dir, p), content, { mode: c.newMode === MODE_EXEC ? 0o755 : 0o644 });
        progress();
        fresh.push({ path: p, oid: c.newOid, mode: c.newMode ?? '100644' });
      }
    } catch {
      // A folder where a file goes, or a file where a folder does: isomorphic-git settles those paths.
      fresh.length = 0;
      await isoCheckout();
    }
  } else if (toWrite.length > 0) {
    await isoCheckout();
  }
  if (inPlace.size > 0 || fresh.length > 0) {
    // Every file in place was either hashed above (its stat taken before the read, as git's update-index
    // records it: a later edit shows as a stat change, and git hashes the file again) or is a sealed one
    // taken by its stored blob and stat; a file just written is indexed with its stat now: all are indexed
    // here by that id, with no `git update-index` process. The git CLI stages them only when this cannot (an
    // index format it does not handle). Both take git's lock file and rename, so the index is old or new,
    // never half. A run killed before this does it again: the files then hold `to`, in place.
    const known: KnownEntry[] = changes.flatMap((c) => {
      if (!inPlace.has(c.path)) return [];
      const found = foundAt.get(c.path);
      const stat = found && found !== 'other' ? found.stat : undefined;
      return [{ path: c.path, oid: c.newOid ?? '', mode: c.newMode ?? '', ...(stat ? { stat } : {}) }];
    });
    known.push(...fresh);
    const indexed = new Set((await addKnownEntries(ctx.dir, ctx.gitdir, known)) ? known.map((k) => k.path) : []);
    const rest = known.map((k) => k.path).filter((p) => !indexed.has(p));
    if (rest.length > 0) await runGit(ctx.dir, ['update-index', '--add', '--', ...rest]);
    while (written < Math.min(half, ours.length)) progress();
  }
  return { state: 'synced', synced: ours.sort(), kept: kept.sort() };
}

const REPO_TEMP = /\.governor-tmp-\d+-\d+$/;

/** A run killed mid-write leaves `<file>.governor-tmp-<pid>-<n>` (repo-fs.ts) next to the file: remove it. */
async function sweepTempFiles(dir: string, paths: readonly string[]): Promise<void> {
  const wanted = new Set(paths);
  for (const folder of new Set(paths.map((p) => path.posix.dirname(p)))) {
    // Synchronous, as in worktreeEntry: one small listing per folder the release touches.
    let names: string[] = [];
    try {
      names = readdirSync(path.join(dir, folder));
    } catch {
      // no such folder (yet)
    }
    for (const name of names) {
      const rel = folder === '.' ? name : `${folder}/${name}`;
      if (REPO_TEMP.test(name) && wanted.has(rel.replace(REPO_TEMP, '')))
        await fsp.rm(path.join(dir, rel), { force: true });
    }
  }
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
  await (await iso()).add({
    fs: ctx.fs,
    dir: ctx.dir,
    gitdir: ctx.gitdir,
    filepath: paths,
    force: true,
    cache: ctx.cache,
  });
}

async function unstage(ctx: RepoCtx, path: string): Promise<void> {
  const where = { fs: ctx.fs, dir: ctx.dir, gitdir: ctx.gitdir, cache: ctx.cache };
  await (await iso()).updateIndex({ ...where, filepath: path, remove: true, force: true });
}
