/**
 * Which folders of a workspace had an entry added, removed or renamed since Governor last left it exact.
 *
 * A refresh must remove whatever an agent left untracked, and finding strays is a walk of every folder
 * (`git clean`, `git status -uall`): on a 10,000-file repository that walk cost as much as the checkout
 * itself. An entry cannot appear in or vanish from a folder without changing that folder's ctime (which,
 * unlike mtime, no one can set back), so Governor records each tracked folder's inode and ctime after a
 * refresh, and the next refresh looks for strays only in the folders whose stamp moved: one `lstat` per
 * folder instead of a walk (git's own untracked cache works the same way).
 *
 * A folder changed in the same clock tick as its stamp was taken would keep its ctime; such a stamp is
 * recorded as racy and always counts as changed (git's racy-timestamp rule, for folders).
 */
import { lstatSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runGit } from './cli.ts';

const FILE = 'governor-dirs.json';
export const RACY = 'racy';
/** Wider than the coarse kernel clock that stamps ctimes (a jiffy, up to 10 ms). */
const RACY_WINDOW_NS = 20_000_000n;

export interface DirStamps {
  /** The commit the worktree held, exactly, when the stamps were taken. */
  commit: string;
  /**
   * The untracked top-level paths that refresh left in place: a stamp taken with `node_modules` kept says
   * nothing to a refresh that keeps nothing.
   */
  keep: string;
  /** Folder (relative, '' for the root) → `inode:ctimeNs`, or 'racy'. */
  dirs: Record<string, string>;
  /** The paths of the committed symlinks (materialize.ts settles them after every checkout). */
  links: string[];
}

/** A folder's stamp; 'racy' when `racyFrom` is given and its ctime is that recent; null when it is not a folder. */
function stampOf(full: string, racyFrom: bigint | null): string | null {
  try {
    const st = lstatSync(full, { bigint: true });
    if (!st.isDirectory()) return null;
    return racyFrom !== null && st.ctimeNs >= racyFrom ? RACY : `${st.ino}:${st.ctimeNs}`;
  } catch {
    return null;
  }
}

/** `keep` as the stamps record it. */
export const keepKey = (keep: readonly string[] | undefined): string => JSON.stringify([...(keep ?? [])].sort());

export async function readStamps(gitdir: string): Promise<DirStamps | null> {
  try {
    const saved = JSON.parse(readFileSync(path.join(gitdir, FILE), 'utf8')) as Partial<DirStamps>;
    if (typeof saved.commit !== 'string' || typeof saved.keep !== 'string') return null;
    if (typeof saved.dirs !== 'object' || saved.dirs === null || !Array.isArray(saved.links)) return null;
    const links = saved.links.filter((l): l is string => typeof l === 'string');
    return { commit: saved.commit, keep: saved.keep, dirs: saved.dirs, links };
  } catch {
    return null;
  }
}

/** The folders whose listing may have changed since the stamps were taken ('' is the root). */
export function changedDirs(dir: string, saved: DirStamps): string[] {
  const out: string[] = [];
  for (const [rel, was] of Object.entries(saved.dirs)) {
    if (was === RACY || stampOf(path.join(dir, rel), null) !== was) out.push(rel);
  }
  return out;
}

/** Every folder that holds a tracked path, and their parents up to the root. */
export function foldersOf(paths: Iterable<string>, into: Set<string> = new Set([''])): Set<string> {
  for (const p of paths) {
    for (let d = path.posix.dirname(p); d !== '.' && !into.has(d); d = path.posix.dirname(d)) into.add(d);
  }
  return into;
}

/** The worktree's tracked folders and committed symlinks, from its index file (or one `git ls-files`). */
export async function listIndex(dir: string, gitdir: string): Promise<{ folders: Set<string>; links: string[] }> {
  const read = await readIndexPaths(gitdir);
  if (read) return { folders: foldersOf(read.paths), links: read.links };
  // -s -z: "<mode> <oid> <stage>\t<path>\0" per entry.
  const entries = (await runGit(dir, ['ls-files', '-s', '-z'])).split('\0').filter((e) => e.length > 0);
  const paths = entries.map((e) => e.slice(e.indexOf('\t') + 1));
  const links = entries.filter((e) => e.startsWith('120000 ')).map((e) => e.slice(e.indexOf('\t') + 1));
  return { folders: foldersOf(paths), links };
}

/**
 * Every path of a worktree's index, and the symlinks (mode 120000) among them, read from the index file
 * instead of a `git ls-files` process: every new workspace and QA checkout lists them once, and on a busy
 * machine the process cost more than the read. Hand-written because no library we use parses git's index
 * format (isomorphic-git keeps its parser internal). Versions 2 and 3, whole (what git writes unless
 * configured otherwise); null for anything else (version 4, a split or sparse index), and `git ls-files` answers.
 */
export async function readIndexPaths(gitdir: string): Promise<{ paths: string[]; links: string[] } | null> {
  let buf: Buffer | null = null;
  try {
    buf = readFileSync(path.join(gitdir, 'index'));
  } catch {
    return null;
  }
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'DIRC') return null;
  const version = buf.readUInt32BE(4);
  if (version !== 2 && version !== 3) return null;
  const paths: string[] = [];
  const links: string[] = [];
  let at = 12;
  for (let i = buf.readUInt32BE(8); i > 0; i--) {
    // ctime, mtime, dev, ino (24 bytes), mode, uid, gid, size, the oid (20), flags (2): 62 bytes, then the
    // extended flags (version 3, when flagged), then the path, NUL-padded to a multiple of 8 bytes.
    if (at + 62 > buf.length) return null;
    const extended = version === 3 && (buf.readUInt16BE(at + 60) & 0x4000) !== 0;
    const name = at + 62 + (extended ? 2 : 0);
    const end = buf.indexOf(0, name);
    if (end < 0) return null;
    const rel = buf.toString('utf8', name, end);
    paths.push(rel);
    if (buf.readUInt32BE(at + 24) === 0o120000) links.push(rel);
    at += Math.floor((end - at + 8) / 8) * 8;
  }
  // Extensions follow (signature, size); a split index ('link') or sparse directories ('sdir') hold entries
  // this did not read. The last 20 bytes are the checksum.
  while (at + 8 <= buf.length - 20) {
    const sig = buf.toString('latin1', at, at + 4);
    if (sig === 'link' || sig === 'sdir') return null;
    at += 8 + buf.readUInt32BE(at + 4);
  }
  return { paths, links };
}

/** Records the stamps of `folders` (those gone are left out) for a worktree now exactly at `at.commit`. */
export async function writeStamps(
  gitdir: string,
  dir: string,
  at: Omit<DirStamps, 'dirs'>,
  folders: Iterable<string>,
): Promise<void> {
  const racyFrom = BigInt(Date.now()) * 1_000_000n - RACY_WINDOW_NS;
  const dirs: Record<string, string> = {};
  for (const rel of folders) {
    const s = stampOf(path.join(dir, rel), racyFrom);
    if (s !== null) dirs[rel] = s;
  }
  const file = path.join(gitdir, FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  // Synchronous: a small record written at every refresh, not worth two trips through the thread pool.
  writeFileSync(tmp, JSON.stringify({ ...at, dirs } satisfies DirStamps));
  renameSync(tmp, file);
}
