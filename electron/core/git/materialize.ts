/**
 * Plain-directory checkouts of a commit: the agents' workspaces and the QA gate's isolated
 * checkouts. isomorphic-git has no worktrees, and `git.checkout` would write the one shared
 * index; a workspace is instead a plain folder mirroring a tree, with a small manifest
 * (`.governor-materialized.json`) recording what was written and each file's stat, so
 * re-materializing rewrites only what differs and `changesInDir` hashes only what was touched.
 */
import * as fsp from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '../errors.ts';
import {
  MODE_EXEC,
  MODE_FILE,
  MODE_GITLINK,
  MODE_SYMLINK,
  hashObject,
  listTreeFiles,
  readBlob,
  type FlatEntry,
} from './objects.ts';
import { atomicWriteFile, type RepoCtx } from './repo-fs.ts';
import type { FileChange } from './tree-write.ts';

export const MANIFEST = '.governor-materialized.json';

/**
 * A file whose mtime is this close to the manifest's own write time may have been edited again
 * within the file system's timestamp granularity; it is verified by content, as git does for
 * "racily clean" index entries.
 */
const RACY_MS = 2000;

interface ManifestEntry {
  oid: string;
  mode: string;
  size: number;
  mtimeMs: number;
}

interface Manifest {
  version: 1;
  commit: string;
  writtenAtMs: number;
  entries: Record<string, ManifestEntry>;
}

async function readManifest(dir: string): Promise<Manifest | null> {
  try {
    const parsed = JSON.parse(await fsp.readFile(path.join(dir, MANIFEST), 'utf8')) as Partial<Manifest>;
    return parsed.version === 1 && typeof parsed.entries === 'object' && parsed.entries !== null ? (parsed as Manifest) : null;
  } catch {
    return null; // absent or unreadable: every file is verified by content instead
  }
}

const isRegularMode = (mode: string): boolean => mode === MODE_FILE || mode === MODE_EXEC;

/** `.git` in any case, anywhere in a path: git itself refuses such trees (a `.GIT/config` is `.git/config` on macOS). */
const GIT_COMPONENT = /(^|\/)\.git(\/|$)/i;

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

/** Is the file at `full` exactly `want` (content and executable bit)? Stat first, content if unsure. */
async function matches(full: string, rel: string, want: FlatEntry, manifest: Manifest | null): Promise<ManifestEntry | null> {
  const st = await fsp.lstat(full);
  const exec = (st.mode & 0o100) !== 0;
  if (exec !== (want.mode === MODE_EXEC)) return null;
  const entry = { oid: want.oid, mode: want.mode, size: st.size, mtimeMs: st.mtimeMs };
  const m = manifest?.entries[rel];
  if (
    manifest &&
    m &&
    m.oid === want.oid &&
    m.mode === want.mode &&
    m.size === st.size &&
    m.mtimeMs === st.mtimeMs &&
    m.mtimeMs < manifest.writtenAtMs - RACY_MS
  ) {
    return entry;
  }
  return hashObject('blob', await fsp.readFile(full)).oid === want.oid ? entry : null;
}

function parentDirs(paths: Iterable<string>): Set<string> {
  const dirs = new Set<string>();
  for (const p of paths) {
    for (let i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) dirs.add(p.slice(0, i));
  }
  return dirs;
}

export interface MaterializeResult {
  written: number;
  removed: number;
  unchanged: number;
}

/**
 * Makes `dir` contain exactly the files of `tree` (plus the manifest, plus whatever `keep`
 * names, e.g. `node_modules`). Anything else is removed, symlinks included, before any file
 * is written, so a stray symlink can never redirect a write outside the directory.
 */
export async function materializeTree(
  ctx: RepoCtx,
  input: { commit: string; tree: string; dir: string; keep?: ((relPath: string) => boolean) | undefined },
): Promise<MaterializeResult> {
  const dir = path.resolve(input.dir);
  if (dir === path.resolve(ctx.dir) || dir === path.resolve(ctx.gitdir) || dir.startsWith(path.resolve(ctx.gitdir) + path.sep)) {
    throw new InvalidInputError(`materialize writes a separate directory, not the repository itself (${dir})`);
  }
  const target = await listTreeFiles(ctx, input.tree);
  const dirs = parentDirs(target.keys());
  const manifest = await readManifest(dir);
  await fsp.mkdir(dir, { recursive: true });
  const fresh = new Map<string, ManifestEntry>();
  let removed = 0;

  const scan = async (rel: string): Promise<void> => {
    const listing = await fsp.readdir(rel ? path.join(dir, rel) : dir, { withFileTypes: true });
    await Promise.all(
      listing.map(async (d) => {
        const p = rel ? `${rel}/${d.name}` : d.name;
        if (p === MANIFEST || d.name === '.git' || input.keep?.(p)) return;
        const full = path.join(dir, p);
        if (d.isDirectory() && dirs.has(p)) return scan(p);
        const want = target.get(p);
        if (d.isFile() && want && isRegularMode(want.mode)) {
          const ok = await matches(full, p, want, manifest);
          if (ok) fresh.set(p, ok);
          return; // a stale regular file is overwritten in place below
        }
        await fsp.rm(full, { recursive: true, force: true });
        removed += 1;
      }),
    );
  };
  await scan('');

  const pending = [...target].filter(([p]) => !fresh.has(p));
  const unchanged = fresh.size;
  const writeOne = async ([p, want]: [string, FlatEntry]): Promise<void> => {
    const full = path.join(dir, p);
    if (want.mode === MODE_GITLINK) {
      await fsp.mkdir(full, { recursive: true }); // a submodule is an empty directory, as in a fresh clone
      return;
    }
    if (GIT_COMPONENT.test(p)) return;
    const bytes = await readBlob(ctx, want.oid);
    await fsp.mkdir(path.dirname(full), { recursive: true });
    if (want.mode === MODE_SYMLINK) {
      const link = Buffer.from(bytes).toString('utf8');
      // Leading out: written as a plain file holding the link text, as git does with core.symlinks=false.
      if (symlinkLeadsOut(p, link)) await atomicWriteFile(full, bytes, { mode: 0o644 });
      else await fsp.symlink(link, full);
      return;
    }
    const perm = want.mode === MODE_EXEC ? 0o755 : 0o644;
    // temp + rename replaces a stale file's inode instead of writing through it: a hard link an
    // agent's test run planted in its workspace cannot redirect the write outside.
    await atomicWriteFile(full, bytes, { mode: perm });
    await fsp.chmod(full, perm); // the mode option is filtered by the umask
    const st = await fsp.lstat(full);
    fresh.set(p, { oid: want.oid, mode: want.mode, size: st.size, mtimeMs: st.mtimeMs });
  };
  // Regular files first, symlinks last: nothing is ever written through a link.
  await inBatches(pending.filter(([, e]) => e.mode !== MODE_SYMLINK), writeOne);
  await inBatches(pending.filter(([, e]) => e.mode === MODE_SYMLINK), writeOne);

  const entries = Object.fromEntries([...fresh].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const next: Manifest = { version: 1, commit: input.commit, writtenAtMs: Date.now(), entries };
  await atomicWriteFile(path.join(dir, MANIFEST), JSON.stringify(next));
  return { written: pending.length, removed, unchanged };
}

/** Bounded parallelism: enough to hide I/O latency without exhausting file descriptors. */
async function inBatches<T>(items: T[], fn: (item: T) => Promise<void>, width = 32): Promise<void> {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(fn));
}

function ignoredByPrefix(p: string, ignore: ((relPath: string) => boolean) | undefined): boolean {
  if (!ignore) return false;
  for (let i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) if (ignore(p.slice(0, i))) return true;
  return ignore(p);
}

/**
 * What an agent changed in its workspace relative to `tree`: the change set for commitChanges.
 * Untouched files are recognised from the manifest's stat cache without being read.
 */
export async function changesInDir(
  ctx: RepoCtx,
  input: { tree: string; dir: string; ignore?: ((relPath: string) => boolean) | undefined },
): Promise<FileChange[]> {
  const dir = path.resolve(input.dir);
  const target = await listTreeFiles(ctx, input.tree);
  const manifest = await readManifest(dir);
  const seen = new Set<string>();
  const changes: FileChange[] = [];

  const walk = async (rel: string): Promise<void> => {
    const listing = await fsp.readdir(rel ? path.join(dir, rel) : dir, { withFileTypes: true });
    await Promise.all(
      listing.map(async (d) => {
        const p = rel ? `${rel}/${d.name}` : d.name;
        if (p === MANIFEST || d.name === '.git' || input.ignore?.(p)) return;
        const full = path.join(dir, p);
        const want = target.get(p);
        if (d.isDirectory()) return walk(p);
        if (d.isSymbolicLink()) {
          seen.add(p);
          const link = await fsp.readlink(full);
          if (want?.mode === MODE_SYMLINK && Buffer.from(await readBlob(ctx, want.oid)).toString('utf8') === link) return;
          changes.push({ path: p, content: link, mode: 'symlink' });
          return;
        }
        if (!d.isFile()) return; // sockets, fifos: not content
        seen.add(p);
        if (want && isRegularMode(want.mode) && (await matches(full, p, want, manifest))) return;
        // A symlink leading out was materialised as a file of its link text: unchanged while it still is.
        if (want?.mode === MODE_SYMLINK && hashObject('blob', await fsp.readFile(full)).oid === want.oid) return;
        const exec = ((await fsp.lstat(full)).mode & 0o100) !== 0;
        changes.push({ path: p, content: await fsp.readFile(full), mode: exec ? 'executable' : 'file' });
      }),
    );
  };
  try {
    await walk('');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  for (const [p, e] of target) {
    if (!seen.has(p) && e.mode !== MODE_GITLINK && !ignoredByPrefix(p, input.ignore)) changes.push({ path: p, content: null });
  }
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
