/**
 * Bringing a workspace worktree to a commit in process, without a `git checkout` process.
 *
 * A workspace is refreshed before every agent turn, and on a project of a few hundred files the git process
 * cost more than the checkout: starting one from a large parent takes 15–30 ms of the parent's time, while
 * the refresh itself is a stat per file and a handful of writes. So a small worktree is refreshed here the way
 * git does it: every index entry is compared with its file by stat (the file is hashed when the stat differs
 * or is racy, git's rule), each file that is not the commit's version is replaced (a new file renamed over
 * it: never written through a link), files the commit no longer has are removed, and the index and HEAD are
 * written last. Anything this does not handle returns null and the caller runs git as before: a large index
 * (git's native walk is then cheaper than ours), an index with flags or conflicts, submodules, attributes
 * (`.gitattributes` filters and line endings only git applies), a file where the commit has a folder.
 *
 * The files are written with synchronous calls: a workspace's files are small, and each one costs a few
 * tens of microseconds that way, where the same mkdir, write and rename through the thread pool cost a
 * round trip each (about 0.7 ms a file on a busy machine). A file that already holds the commit's content
 * (a file an earlier turn laid over, now merged) is indexed as it stands, not written again.
 *
 * A kill part-way leaves every file old or new, never half; the next refresh compares files with the index
 * and the commit, not with what HEAD says, so it finishes the job whatever was written.
 */
import {
  type BigIntStats,
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  readlinkSync,
  renameSync,
  rmSync,
  rmdirSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { type ParsedIndex, entryBytes, parseIndex, writeIndex } from './index-entries.ts';
import { MODE_EXEC, MODE_FILE, MODE_GITLINK, MODE_SYMLINK, hashObject, listTreeFiles, readBlob } from './objects.ts';
import { type RepoCtx, tempNameFor } from './repo-fs.ts';

/** Above this many files, `git checkout` walks the worktree faster than this does. */
export const IN_PROCESS_MAX_FILES = 2000;

const u32 = (n: bigint) => Number(n % 0x1_0000_0000n);

interface Indexed {
  bytes: Buffer;
  oid: string;
  mode: number;
}

/** Does the file's stat still match the entry's (git's match_stat: times, inode, owner, size, kind)? */
function statMatches(bytes: Buffer, mode: number, st: BigIntStats): boolean {
  const kindOk = mode === 0o120000 ? st.isFile() || st.isSymbolicLink() : st.isFile();
  if (!kindOk) return false;
  if (mode !== 0o120000 && ((st.mode & 0o100n) !== 0n) !== (mode === 0o100755)) return false;
  const fields = [
    st.ctimeNs / 1_000_000_000n,
    st.ctimeNs % 1_000_000_000n,
    st.mtimeNs / 1_000_000_000n,
    st.mtimeNs % 1_000_000_000n,
  ];
  for (const [i, v] of fields.entries()) if (bytes.readUInt32BE(i * 4) !== u32(v)) return false;
  return (
    bytes.readUInt32BE(20) === u32(st.ino) &&
    bytes.readUInt32BE(28) === u32(st.uid) &&
    bytes.readUInt32BE(32) === u32(st.gid) &&
    bytes.readUInt32BE(36) === u32(st.size)
  );
}

/** Written no earlier than the index was: its stat cannot vouch for its content (git's racy-timestamp rule). */
function racy(bytes: Buffer, indexMtime: { s: number; ns: number }): boolean {
  const s = bytes.readUInt32BE(8);
  return s > indexMtime.s || (s === indexMtime.s && bytes.readUInt32BE(12) >= indexMtime.ns);
}

/** The blob id of what the worktree holds at `full` (a link's target, a file's bytes). */
function blobOf(full: string, st: BigIntStats): string {
  const data = st.isSymbolicLink() ? Buffer.from(readlinkSync(full)) : readFileSync(full);
  return hashObject('blob', data).oid;
}

/**
 * Does the plain file at `full` already hold `blob`, with the mode the commit gives it? Only a file of
 * its own (one link: a hard link's other name may be outside the workspace) is kept; anything else is
 * replaced as git replaces it.
 */
function alreadyHolds(full: string, st: BigIntStats, mode: number, blob: Uint8Array): boolean {
  if (mode === 0o120000 || !st.isFile() || st.nlink !== 1n || st.size !== BigInt(blob.byteLength)) return false;
  if (((st.mode & 0o100n) !== 0n) !== (mode === 0o100755)) return false;
  try {
    return Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength).equals(readFileSync(full));
  } catch {
    return false;
  }
}

function readIndexed(parsed: ParsedIndex): Map<string, Indexed> | null {
  const out = new Map<string, Indexed>();
  for (const e of parsed.entries) {
    const flags = e.bytes.readUInt16BE(60);
    // Conflict stages, assume-valid, skip-worktree, intent-to-add: git's business.
    if ((flags & 0x3000) !== 0 || (flags & 0x8000) !== 0 || (flags & 0x4000) !== 0) return null;
    const mode = e.bytes.readUInt32BE(24);
    if (mode === 0o160000) return null;
    out.set(e.path.toString('utf8'), { bytes: e.bytes, oid: e.bytes.toString('hex', 40, 60), mode });
  }
  return out;
}

/** The entry count in an index file's header ("DIRC", version, count), or null when there is none. */
function indexEntryCount(file: string): number | null {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const head = Buffer.alloc(12);
    if (readSync(fd, head, 0, 12, 0) < 12 || head.toString('latin1', 0, 4) !== 'DIRC') return null;
    return head.readUInt32BE(8);
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Is every folder on the way to `rel` a real folder (or not there yet)? A link an agent put in place of a
 * folder would carry a write or a removal outside the workspace; git takes such a path apart itself.
 */
export function plainParents(dir: string, rel: string, seen: Map<string, boolean>): boolean {
  for (let d = path.posix.dirname(rel); d !== '.'; d = path.posix.dirname(d)) {
    let ok = seen.get(d);
    if (ok === undefined) {
      const st = lstatSync(path.join(dir, d), { throwIfNoEntry: false });
      ok = st === undefined || st.isDirectory();
      seen.set(d, ok);
    }
    if (!ok) return false;
  }
  return true;
}

/** Removes `rel`'s folders that are now empty, deepest first (git leaves no empty folder behind either). */
export function pruneEmptyParents(dir: string, rel: string): void {
  for (let d = path.posix.dirname(rel); d !== '.'; d = path.posix.dirname(d)) {
    try {
      rmdirSync(path.join(dir, d));
    } catch {
      return; // not empty (an ignored file, another tracked one), or gone
    }
  }
}

/**
 * Makes the worktree `dir` (git directory `gitdir`) hold exactly the tracked files of `commit` (tree `tree`),
 * with its index and HEAD to match. Untracked files are the caller's (materialize.ts cleans strays first).
 * Returns the paths written or removed, or null, having written nothing that a `git checkout --force`
 * would not put right, when this is one for git.
 */
export async function refreshWorktree(
  ctx: RepoCtx,
  o: { dir: string; gitdir: string; commit: string; tree: string },
): Promise<{ written: string[] } | null> {
  const indexFile = path.join(o.gitdir, 'index');
  // The header's entry count first: a large worktree goes to git without its index being read.
  if ((indexEntryCount(indexFile) ?? Number.POSITIVE_INFINITY) > IN_PROCESS_MAX_FILES) return null;
  let buf: Buffer | null = null;
  try {
    buf = readFileSync(indexFile);
  } catch {
    // no index: one for git
  }
  const indexStat = lstatSync(indexFile, { bigint: true, throwIfNoEntry: false });
  if (!buf || !indexStat) return null;
  const parsed = parseIndex(buf);
  if (!parsed || parsed.entries.length > IN_PROCESS_MAX_FILES) return null;
  const indexed = readIndexed(parsed);
  if (!indexed) return null;
  if (existsSync(path.join(ctx.gitdir, 'info', 'attributes'))) return null;
  const target = await listTreeFiles(ctx, o.tree);
  if (target.size > IN_PROCESS_MAX_FILES) return null;
  for (const [p, t] of target) if (t.mode === MODE_GITLINK || path.posix.basename(p) === '.gitattributes') return null;
  const indexMtime = {
    s: u32(indexStat.mtimeNs / 1_000_000_000n),
    ns: u32(indexStat.mtimeNs % 1_000_000_000n),
  };

  for (const t of target.values())
    if (t.mode !== MODE_FILE && t.mode !== MODE_EXEC && t.mode !== MODE_SYMLINK) return null;
  const seen = new Map<string, boolean>();
  for (const p of new Set([...indexed.keys(), ...target.keys()])) if (!plainParents(o.dir, p, seen)) return null;

  const written: string[] = [];
  // Folders known to exist: one mkdir per folder, not one per file.
  const made = new Set<string>();
  // Files the commit no longer has go first: one may stand where the commit has a folder.
  for (const p of indexed.keys()) {
    if (target.has(p)) continue;
    rmSync(path.join(o.dir, p), { force: true });
    pruneEmptyParents(o.dir, p);
    written.push(p);
  }
  const entries: ParsedIndex['entries'] = [];
  for (const [p, t] of target) {
    const full = path.join(o.dir, p);
    const mode = Number.parseInt(t.mode, 8);
    const was = indexed.get(p);
    const st = lstatSync(full, { bigint: true, throwIfNoEntry: false });
    if (was && was.oid === t.oid && was.mode === mode && st) {
      if (statMatches(was.bytes, mode, st) && !racy(was.bytes, indexMtime)) {
        entries.push({ path: Buffer.from(p, 'utf8'), bytes: was.bytes });
        continue;
      }
      const link = mode === 0o120000 && st.isSymbolicLink();
      const sameKind =
        link || (st.isFile() && (mode === 0o120000 || ((st.mode & 0o100n) !== 0n) === (mode === 0o100755)));
      if (sameKind && blobOf(full, st) === t.oid) {
        // Unchanged, only touched: indexed with its stat now, as `git status` refreshes it (a settled link
        // keeps its entry: git compares a link with its entry by target).
        const bytes = link ? was.bytes : entryBytes(o.dir, { path: p, oid: t.oid, mode: t.mode, stat: st });
        if (bytes) {
          entries.push({ path: Buffer.from(p, 'utf8'), bytes });
          continue;
        }
      }
    }
    if (st?.isDirectory()) return null; // a folder where the commit has a file: git settles the kind change
    const blob = await readBlob(ctx, t.oid);
    if (st && alreadyHolds(full, st, mode, blob)) {
      const bytes = entryBytes(o.dir, { path: p, oid: t.oid, mode: t.mode, stat: st });
      if (bytes) {
        entries.push({ path: Buffer.from(p, 'utf8'), bytes });
        if (!was || was.oid !== t.oid || was.mode !== mode) written.push(p);
        continue;
      }
    }
    const folder = path.dirname(full);
    if (!made.has(folder)) {
      try {
        mkdirSync(folder, { recursive: true });
      } catch {
        return null; // a file where the commit has a folder
      }
      made.add(folder);
    }
    // A committed link is written as a file of its target, as git does with core.symlinks=false (cli.ts);
    // materialize.ts makes the ones that stay inside links again.
    const tmp = tempNameFor(full);
    try {
      writeFileSync(tmp, blob, { mode: t.mode === MODE_EXEC ? 0o777 : 0o666 });
      renameSync(tmp, full);
    } catch (err) {
      rmSync(tmp, { force: true });
      if ((err as NodeJS.ErrnoException).code === 'EISDIR' || (err as NodeJS.ErrnoException).code === 'ENOTDIR')
        return null;
      throw err;
    }
    const bytes = entryBytes(o.dir, { path: p, oid: t.oid, mode: t.mode });
    if (!bytes) return null;
    entries.push({ path: Buffer.from(p, 'utf8'), bytes });
    written.push(p);
  }
  // The index after the files, HEAD last: a refresh killed in between is finished by the next one, which
  // compares the files with the index and the commit it is asked for, not with HEAD.
  if (!(await writeIndex(indexFile, { version: parsed.version, entries }))) return null;
  const head = path.join(o.gitdir, 'HEAD');
  const tmp = tempNameFor(head);
  writeFileSync(tmp, `${o.commit}\n`);
  renameSync(tmp, head);
  return { written: written.sort() };
}
