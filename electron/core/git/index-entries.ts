/**
 * Stages files whose blob Governor already stored (sealed audit segments, exporter.ts) in the user's index,
 * with the files' own stat, without reading them; and files it has just hashed itself (the exports a
 * promotion finds in place, checkout-sync.ts), with the stat taken before the read, saving a process.
 * `git update-index --add` would read and hash every one again: 20 MB on the first promotion after 100k
 * events, the one part of the checkout's cost that grew with the history. No git command takes a blob id
 * *and* a stat (`--cacheinfo` leaves a zero stat, so the next `git status` hashes the file anyway), and
 * isomorphic-git's `updateIndex` zeroes the stat too, so the index entries are written here, per git's
 * index format (Documentation/gitformat-index.txt).
 *
 * Only what this needs is handled: index versions 2 and 3, and optional extensions, which are dropped
 * (the cache tree and the untracked cache are caches git rebuilds; isomorphic-git drops them on every
 * index write too). Anything else (version 4, a split or sparse index, a required extension, a damaged
 * file, a lock held by another git) returns false, and the caller stages with the git CLI as before.
 * The write takes git's own lock file (`index.lock`, created exclusively) and renames it over the index,
 * so a concurrent git sees the old index or the new one, never half.
 */
import { createHash } from 'node:crypto';
import {
  type BigIntStats,
  closeSync,
  lstatSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';

export interface KnownEntry {
  path: string;
  oid: string;
  /** '100644' or '100755'. */
  mode: string;
  /** The stat taken before the file was read to hash it; without it, the file's stat now. */
  stat?: BigIntStats;
}

const HEADER = 12;
const FIXED = 62;
const EXTENDED = 0x4000;
const NAME_MASK = 0xfff;
const u32 = (n: bigint | number) => Number(BigInt(n) % 0x1_0000_0000n);

/**
 * One entry as git lays it out: the fixed part, the path, then 1–8 NULs up to a multiple of 8 bytes. The
 * stat is synchronous: one per file, cheaper than a thread-pool round trip each.
 */
export function entryBytes(dir: string, e: KnownEntry): Buffer | null {
  const st = e.stat ?? lstatSync(path.join(dir, e.path), { bigint: true, throwIfNoEntry: false });
  if (!st?.isFile()) return null;
  const name = Buffer.from(e.path, 'utf8');
  const out = Buffer.alloc(Math.ceil((FIXED + name.length + 1) / 8) * 8);
  const fields = [
    st.ctimeNs / 1_000_000_000n,
    st.ctimeNs % 1_000_000_000n,
    st.mtimeNs / 1_000_000_000n,
    st.mtimeNs % 1_000_000_000n,
    st.dev,
    st.ino,
    Number.parseInt(e.mode, 8),
    st.uid,
    st.gid,
    st.size,
  ];
  for (const [i, v] of fields.entries()) out.writeUInt32BE(u32(v), i * 4);
  out.write(e.oid, 40, 20, 'hex');
  out.writeUInt16BE(Math.min(name.length, NAME_MASK), 60);
  name.copy(out, FIXED);
  return out;
}

/** An index entry's path and its raw bytes. */
interface IndexEntry {
  path: Buffer;
  bytes: Buffer;
}

export interface ParsedIndex {
  version: number;
  /** In index order. */
  entries: IndexEntry[];
}

/** The entries of an index git or isomorphic-git wrote; null for anything this module does not handle. */
export function parseIndex(buf: Buffer): ParsedIndex | null {
  if (buf.length < HEADER + 20 || buf.toString('latin1', 0, 4) !== 'DIRC') return null;
  const body = buf.subarray(0, buf.length - 20);
  if (
    !createHash('sha1')
      .update(body)
      .digest()
      .equals(buf.subarray(buf.length - 20))
  )
    return null;
  const version = buf.readUInt32BE(4);
  if (version !== 2 && version !== 3) return null;
  const count = buf.readUInt32BE(8);
  const entries: ParsedIndex['entries'] = [];
  let at = HEADER;
  for (let i = 0; i < count; i++) {
    if (at + FIXED > body.length) return null;
    const extended = (buf.readUInt16BE(at + 60) & EXTENDED) !== 0;
    if (extended && version === 2) return null;
    const start = at + FIXED + (extended ? 2 : 0);
    const nul = buf.indexOf(0, start);
    if (nul < 0 || nul >= body.length) return null;
    const next = at + Math.ceil((nul - at + 1) / 8) * 8;
    entries.push({ path: buf.subarray(start, nul), bytes: buf.subarray(at, next) });
    at = next;
  }
  // Extensions: a required one (its signature starts with a lowercase letter: `link`, `sdir`) means a split
  // or sparse index this cannot rewrite; optional ones are caches, dropped.
  while (at + 8 <= body.length) {
    const sig = buf[at] ?? 0;
    if (sig >= 0x61 && sig <= 0x7a) return null;
    at += 8 + buf.readUInt32BE(at + 4);
  }
  return at === body.length ? { version, entries } : null;
}

/**
 * Puts `entries` in the index of the checkout `dir` (gitdir `gitdir`) with the stat each file has now.
 * Returns false, writing nothing, when the index is one this does not handle or a file is not a regular
 * file any more; the caller then stages them with the git CLI.
 */
export async function addKnownEntries(dir: string, gitdir: string, entries: readonly KnownEntry[]): Promise<boolean> {
  if (entries.length === 0) return true;
  const indexFile = path.join(gitdir, 'index');
  // Synchronous, as writeIndex below: one file, read once per promotion.
  let current: Buffer | null = null;
  try {
    current = readFileSync(indexFile);
  } catch {
    // no index yet
  }
  const parsed: ParsedIndex | null = current === null ? { version: 2, entries: [] } : parseIndex(current);
  if (!parsed) return false;
  const added = new Map<string, Buffer>();
  for (const e of entries) {
    const bytes = entryBytes(dir, e);
    if (!bytes) return false;
    added.set(e.path, bytes);
  }
  const names = new Set(added.keys());
  const kept: IndexEntry[] = [];
  const keptNames = new Set<string>();
  for (const e of parsed.entries) {
    const name = e.path.toString('utf8');
    if (names.has(name)) continue;
    kept.push(e);
    keptNames.add(name);
  }
  // A path that is a folder of a kept entry, or the reverse, is a change of kind git's CLI settles. Looked
  // up per added path (a search of the sorted entries for `path/`), not by listing every folder of every
  // entry: the checkout holds every sealed audit segment, so that list grew with the history.
  const under = entriesUnder(kept);
  for (const p of names) if (under(p) || parents(p).some((f) => keptNames.has(f))) return false;
  const all = [...kept, ...[...added].map(([p, bytes]) => ({ path: Buffer.from(p, 'utf8'), bytes }))];
  return writeIndex(indexFile, { version: parsed.version, entries: all });
}

/**
 * Writes `index` (entries in any order) as the index file `indexFile`, under git's lock file; false when
 * another git holds the lock.
 */
export async function writeIndex(indexFile: string, index: ParsedIndex): Promise<boolean> {
  // git orders entries by the bytes of their path (then stage, which the sort keeps: it is stable).
  const all = [...index.entries].sort((a, b) => Buffer.compare(a.path, b.path));
  const header = Buffer.alloc(HEADER);
  header.write('DIRC', 0, 'latin1');
  header.writeUInt32BE(index.version, 4);
  header.writeUInt32BE(all.length, 8);
  const body = Buffer.concat([header, ...all.map((e) => e.bytes)]);
  const file = Buffer.concat([body, createHash('sha1').update(body).digest()]);
  const lock = `${indexFile}.lock`;
  // Synchronous: one small file, where open, write, close and rename through the thread pool cost four
  // round trips, each a wait behind whatever else the process has queued.
  let fd: number;
  try {
    fd = openSync(lock, 'wx');
  } catch {
    return false;
  }
  try {
    // No fsync: git does not sync its index by default either (core.fsync).
    writeFileSync(fd, file);
  } catch (err) {
    closeSync(fd);
    rmSync(lock, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(lock, indexFile);
  return true;
}

/**
 * Whether any of `entries` lies under folder `p`: a binary search for `p/` when the entries are in git's
 * order (byte order of their paths, as git writes every index), else a scan.
 */
function entriesUnder(entries: readonly IndexEntry[]): (p: string) => boolean {
  const sorted = entries.every((e, i) => i === 0 || Buffer.compare((entries[i - 1] as IndexEntry).path, e.path) <= 0);
  return (p: string) => {
    const prefix = Buffer.from(`${p}/`, 'utf8');
    const starts = (e: IndexEntry) => e.path.length > prefix.length && e.path.subarray(0, prefix.length).equals(prefix);
    if (!sorted) return entries.some(starts);
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (Buffer.compare((entries[mid] as IndexEntry).path, prefix) < 0) lo = mid + 1;
      else hi = mid;
    }
    const first = entries[lo];
    return first !== undefined && starts(first);
  };
}

/** `a/b/c` → [`a`, `a/b`]. */
function parents(p: string): string[] {
  const parts = p.split('/');
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join('/'));
}
