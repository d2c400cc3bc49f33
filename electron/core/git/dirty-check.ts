/**
 * Which of a few named paths of the user's checkout `git status` would list (modified, staged, deleted,
 * untracked; ignored files not), answered in process. A promotion asks it for the paths the release
 * changes, and the start of every run for the configuration files: a `git status` process cost tens of
 * milliseconds of the main thread just to start, for an answer about a handful of files.
 *
 * Hand-written because no library answers it: isomorphic-git's statusMatrix walks and hashes every file,
 * and its isIgnored lets a nested .gitignore re-include a file below an ignored folder (git never does).
 * It does what git's own status does for one path: the index entry's stat against the file's (a match
 * that is not racy means unchanged, unread), else the file hashed; the entry against HEAD's; a path the
 * index lacks checked against the ignore rules (.git/info/exclude, the default global excludes file, each
 * .gitignore from the root down, an ignored folder hiding everything below it).
 *
 * It answers null, and the caller asks `git status`, whenever it cannot be sure: an index it does not read
 * (version 4, split, sparse), a conflict, skip-worktree / intent-to-add / assume-unchanged entries, a
 * submodule or symlink among the paths, a .git file (a linked worktree), local configuration that changes
 * what status compares (includes, sparse checkout, excludesFile, checkStat, trustCtime…), an untracked name
 * differing only in case from an indexed one under core.ignoreCase, and a file whose content differs while
 * attributes could convert it on the way in (eol, filters). core.fileMode and core.ignoreCase themselves,
 * which isomorphic-git's init writes (false and true), are honoured.
 */
import { type BigIntStats, existsSync, lstatSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import ignoreModule, { type Ignore } from 'ignore';
import { parseIndex } from './index-entries.ts';
import { hashObject } from './loose.ts';
import { MODE_EXEC, MODE_FILE, MODE_TREE, readTreeEntries, treeOfCommit } from './objects.ts';
import { resolveCommitish } from './ref-store.ts';
import type { RepoCtx } from './repo-fs.ts';

// A CommonJS module whose typings declare an ES default export: under NodeNext it sits on `.default`.
const ignore = ignoreModule.default;

interface IndexEntry {
  ctime: [number, number];
  mtime: [number, number];
  dev: number;
  ino: number;
  mode: string;
  uid: number;
  gid: number;
  size: number;
  oid: string;
}

const STAGE_MASK = 0x3000;
const ASSUME_VALID = 0x8000;
const EXTENDED = 0x4000;
/** skip-worktree and intent-to-add, in the extended flags. */
const EXT_UNSUPPORTED = 0x4000 | 0x2000;

/** Local settings under which status compares differently; any of them sends the question to git. */
const UNSURE_CONFIG = [
  /^core\.(excludesfile|attributesfile|checkstat|worktree|sparsecheckout|sparsecheckoutcone|eol)=/,
  /^core\.trustctime=(false|no|off|0)$/,
  /^core\.(bare|precomposeunicode)=(true|yes|on|1)$/,
  /^extensions\.worktreeconfig=/,
  /^(include|includeif)$/,
];

const TRUE = /^(true|yes|on|1)$/;
const FALSE = /^(false|no|off|0)$/;

interface Settings {
  /** core.fileMode: whether the executable bit counts (isomorphic-git's init writes false). */
  filemode: boolean;
  /** core.ignoreCase: paths and ignore rules compared without case (isomorphic-git's init writes true). */
  ignorecase: boolean;
}

/**
 * The two settings status needs from the repository's own config (only the local file counts: Governor
 * runs git with no global or system config, cli.ts). Null when a line is not one this reads (a quoted or
 * continued value, say) or a setting changes what status compares: git is asked then.
 */
function localSettings(gitdir: string): Settings | null {
  const out: Settings = { filemode: true, ignorecase: false };
  let text: string;
  try {
    text = readFileSync(path.join(gitdir, 'config'), 'utf8');
  } catch {
    return out;
  }
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const head = /^\[([A-Za-z0-9.-]+)(?:\s+"[^"\\]*")?\]\s*(?:[#;].*)?$/.exec(line);
    if (head) {
      section = (head[1] ?? '').toLowerCase();
      if (UNSURE_CONFIG.some((re) => re.test(section))) return null;
      continue;
    }
    const kv = /^([A-Za-z][A-Za-z0-9-]*)\s*(?:=\s*([^"\\#;]*?))?\s*(?:[#;].*)?$/.exec(line);
    if (!kv) return null;
    const key = `${section}.${(kv[1] ?? '').toLowerCase()}`;
    const value = (kv[2] ?? 'true').toLowerCase();
    if (UNSURE_CONFIG.some((re) => re.test(`${key}=${value}`))) return null;
    if (key === 'core.filemode' || key === 'core.ignorecase') {
      const flag = TRUE.test(value) ? true : FALSE.test(value) ? false : null;
      if (flag === null) return null;
      if (key === 'core.filemode') out.filemode = flag;
      else out.ignorecase = flag;
    }
  }
  return out;
}

/** Git's default global excludes file (read even with no global config: cli.ts keeps HOME and XDG). */
function globalFile(name: 'ignore' | 'attributes'): string {
  const xdg = process.env.XDG_CONFIG_HOME || path.join(homedir(), '.config');
  return path.join(xdg, 'git', name);
}

const u32 = (n: bigint) => Number(n % 0x1_0000_0000n);

/**
 * The entries for `wanted` (stage 0) and every path's name, or null when the index holds anything this does
 * not judge.
 */
function readIndex(
  gitdir: string,
  wanted: ReadonlySet<string>,
): { entries: Map<string, IndexEntry>; names: string[] } | null {
  let buf: Buffer;
  try {
    buf = readFileSync(path.join(gitdir, 'index'));
  } catch {
    return { entries: new Map(), names: [] }; // no index yet: nothing staged
  }
  const parsed = parseIndex(buf);
  if (!parsed) return null;
  const out = new Map<string, IndexEntry>();
  const names: string[] = [];
  for (const { path: name, bytes } of parsed.entries) {
    const flags = bytes.readUInt16BE(60);
    if ((flags & ASSUME_VALID) !== 0) return null;
    if ((flags & EXTENDED) !== 0 && (bytes.readUInt16BE(62) & EXT_UNSUPPORTED) !== 0) return null;
    const rel = name.toString('utf8');
    names.push(rel);
    if (!wanted.has(rel)) continue;
    if ((flags & STAGE_MASK) !== 0) return null; // a conflict: git lists it its own way
    const at = (i: number) => bytes.readUInt32BE(i * 4);
    out.set(rel, {
      ctime: [at(0), at(1)],
      mtime: [at(2), at(3)],
      dev: at(4),
      ino: at(5),
      mode: at(6).toString(8).padStart(6, '0'),
      uid: at(7),
      gid: at(8),
      size: at(9),
      oid: bytes.toString('hex', 40, 60),
    });
  }
  return { entries: out, names };
}

/**
 * Under core.ignoreCase git takes an untracked file whose name, or a folder on its way, differs only in case
 * from what the index holds for the index's (and lists it with the index's spelling): git is asked then.
 */
function caseVariant(names: readonly string[]): (rel: string) => boolean {
  // Every indexed path and folder by its folded spelling, built once for all the paths asked about.
  const folded = new Map<string, string>();
  for (const n of names) {
    const parts = n.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const q = parts.slice(0, i).join('/');
      folded.set(q.toLowerCase(), q);
    }
  }
  return (rel) => {
    const parts = rel.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const q = parts.slice(0, i).join('/');
      const known = folded.get(q.toLowerCase());
      if (known !== undefined && known !== q) return true;
    }
    return false;
  };
}

/** HEAD's blob id and mode for each of `paths` that HEAD has (its trees read once per folder). */
async function headEntries(
  ctx: RepoCtx,
  paths: readonly string[],
): Promise<Map<string, { oid: string; mode: string }>> {
  const out = new Map<string, { oid: string; mode: string }>();
  const head = await resolveCommitish(ctx, 'HEAD');
  if (head === null) return out;
  const trees = new Map<string, Promise<Map<string, { oid: string; mode: string }> | null>>();
  const folder = (dir: string): Promise<Map<string, { oid: string; mode: string }> | null> => {
    let known = trees.get(dir);
    if (!known) {
      known = (async () => {
        let oid: string;
        if (dir === '') oid = await treeOfCommit(ctx, head);
        else {
          const parent = await folder(path.posix.dirname(dir) === '.' ? '' : path.posix.dirname(dir));
          const entry = parent?.get(path.posix.basename(dir));
          if (!entry || entry.mode !== MODE_TREE) return null;
          oid = entry.oid;
        }
        const entries = await readTreeEntries(ctx, oid);
        return new Map(entries.map((e) => [e.path, { oid: e.oid, mode: e.mode.padStart(6, '0') }]));
      })();
      trees.set(dir, known);
    }
    return known;
  };
  for (const p of paths) {
    const dir = path.posix.dirname(p);
    const entry = (await folder(dir === '.' ? '' : dir))?.get(path.posix.basename(p));
    if (entry && entry.mode !== MODE_TREE) out.set(p, entry);
  }
  return out;
}

/** Git's stat test for an unchanged file (read-cache.c, match_stat_data), compared field by field. */
function statMatches(e: IndexEntry, st: BigIntStats): boolean {
  const sec = (ns: bigint) => u32(ns / 1_000_000_000n);
  const nsec = (ns: bigint) => Number(ns % 1_000_000_000n);
  return (
    e.mtime[0] === sec(st.mtimeNs) &&
    e.mtime[1] === nsec(st.mtimeNs) &&
    e.ctime[0] === sec(st.ctimeNs) &&
    e.ctime[1] === nsec(st.ctimeNs) &&
    e.ino === u32(st.ino) &&
    e.dev === u32(st.dev) &&
    e.uid === u32(st.uid) &&
    e.gid === u32(st.gid) &&
    e.size === u32(st.size)
  );
}

/** Racily clean: the file may have changed within the same tick the index was written (git hashes it then). */
function racy(e: IndexEntry, index: BigIntStats): boolean {
  const sec = u32(index.mtimeNs / 1_000_000_000n);
  const nsec = Number(index.mtimeNs % 1_000_000_000n);
  return e.mtime[0] > sec || (e.mtime[0] === sec && e.mtime[1] >= nsec);
}

/** Attributes files that could convert `rel` on its way into git (eol, text, filters): git decides then. */
function attributesMayApply(ctx: RepoCtx, rel: string): boolean {
  if (existsSync(path.join(ctx.gitdir, 'info', 'attributes')) || existsSync(globalFile('attributes'))) return true;
  const parts = rel.split('/').slice(0, -1);
  for (let i = 0; i <= parts.length; i++) {
    if (existsSync(path.join(ctx.dir, ...parts.slice(0, i), '.gitattributes'))) return true;
  }
  return false;
}

/** The ignore rules of the checkout, levels read on first use: each folder's .gitignore, by folder. */
function ignoreRules(ctx: RepoCtx, ignorecase: boolean): (rel: string) => boolean {
  const read = (file: string): Ignore | null => {
    try {
      return ignore({ ignorecase }).add(readFileSync(file, 'utf8'));
    } catch {
      return null;
    }
  };
  // Lowest precedence first: the global excludes file, .git/info/exclude, then .gitignore files root-down.
  const base = [read(globalFile('ignore')), read(path.join(ctx.gitdir, 'info', 'exclude'))];
  const levels = new Map<string, Ignore | null>();
  const level = (folder: string) => {
    if (!levels.has(folder)) levels.set(folder, read(path.join(ctx.dir, folder, '.gitignore')));
    return levels.get(folder) ?? null;
  };
  const folderOf = (parts: string[], n: number) => parts.slice(0, n).join('/');
  /** The last rule that matches `parts[0..n)` wins, deeper files over shallower; a folder gets a trailing `/`. */
  const matches = (parts: string[], n: number, dir: boolean): boolean => {
    const full = folderOf(parts, n) + (dir ? '/' : '');
    let ignored = false;
    const apply = (ig: Ignore | null, rel: string) => {
      if (!ig) return;
      const r = ig.test(rel);
      if (r.ignored) ignored = true;
      else if (r.unignored) ignored = false;
    };
    for (const ig of base) apply(ig, full);
    for (let depth = 0; depth < n; depth++) {
      const prefix = folderOf(parts, depth);
      apply(level(prefix), depth === 0 ? full : full.slice(prefix.length + 1));
    }
    return ignored;
  };
  return (rel) => {
    const parts = rel.split('/');
    // An ignored folder hides everything below it: git never reads the .gitignore files inside.
    for (let n = 1; n < parts.length; n++) if (matches(parts, n, true)) return true;
    return matches(parts, parts.length, false);
  };
}

/** Which of `paths` `git status` would list; null when only git can say (see the top of this file). */
export async function dirtyAmongInProcess(ctx: RepoCtx, paths: readonly string[]): Promise<string[] | null> {
  if (paths.length === 0) return [];
  const dotGit = lstatSync(path.join(ctx.dir, '.git'), { throwIfNoEntry: false });
  if (!dotGit?.isDirectory() || path.resolve(ctx.gitdir) !== path.resolve(ctx.dir, '.git')) return null;
  const settings = localSettings(ctx.gitdir);
  if (!settings) return null;
  // The index's own time, taken before it is read: an entry as new as it is racy (a later write only
  // makes the index newer, so more entries look racy, never fewer).
  const indexStat = lstatSync(path.join(ctx.gitdir, 'index'), { bigint: true, throwIfNoEntry: false });
  const wanted = new Set(paths);
  const index = readIndex(ctx.gitdir, wanted);
  if (!index) return null;
  const { entries, names } = index;
  const head = await headEntries(ctx, [...wanted]);
  let ignored: ((rel: string) => boolean) | null = null;
  let variant: ((rel: string) => boolean) | null = null;
  const dirty: string[] = [];
  for (const rel of [...wanted].sort()) {
    const entry = entries.get(rel);
    const committed = head.get(rel);
    if (entry?.mode === '160000' || entry?.mode === '120000' || committed?.mode === '160000') return null;
    const st = lstatSync(path.join(ctx.dir, rel), { bigint: true, throwIfNoEntry: false });
    if (st?.isSymbolicLink()) return null;
    if (!entry) {
      // Staged for deletion, or untracked: listed unless ignored (a folder there lists its files, not `rel`).
      if (committed) dirty.push(rel);
      else if (st?.isFile()) {
        variant ??= settings.ignorecase ? caseVariant(names) : () => false;
        if (variant(rel)) return null;
        ignored ??= ignoreRules(ctx, settings.ignorecase);
        let listed: boolean;
        try {
          listed = !ignored(rel);
        } catch {
          return null; // a name the ignore matcher refuses: git's to judge
        }
        if (listed) dirty.push(rel);
      }
      continue;
    }
    if (!committed || committed.oid !== entry.oid || committed.mode !== entry.mode) {
      dirty.push(rel); // staged
      continue;
    }
    if (!st?.isFile()) {
      dirty.push(rel); // deleted, or a folder now
      continue;
    }
    // Without core.fileMode git keeps the index's executable bit for a regular file whatever the disk says.
    const mode = !settings.filemode ? entry.mode : (st.mode & 0o111n) !== 0n ? MODE_EXEC : MODE_FILE;
    if (mode !== entry.mode) {
      dirty.push(rel);
      continue;
    }
    if (statMatches(entry, st) && indexStat && !racy(entry, indexStat)) continue;
    let content: Buffer;
    try {
      content = readFileSync(path.join(ctx.dir, rel));
    } catch {
      return null;
    }
    if (hashObject('blob', content).oid === entry.oid) continue;
    if (attributesMayApply(ctx, rel)) return null;
    dirty.push(rel);
  }
  return dirty;
}
