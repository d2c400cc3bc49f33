/**
 * Building a commit's tree from a set of changed paths, without an index.
 *
 * Why no index: parallel implementers would otherwise share one `.git/index` (isomorphic-git has
 * no worktrees) and a commit would cost O(repo) to stage. Here a commit costs O(changed paths):
 * only the trees along changed paths are read and rewritten; every other subtree keeps its oid.
 */
import { InvalidInputError } from '../errors.ts';
import {
  MODE_EXEC,
  MODE_FILE,
  MODE_SYMLINK,
  MODE_TREE,
  hasLooseObject,
  hashObject,
  findTreeEntry,
  indexTreeEntries,
  readTreeEntries,
  readTreeRaw,
  spliceTree,
  toBytes,
  writeBlob,
  writeTree,
  writeTreeBody,
  type Entry,
} from './objects.ts';
import type { RepoCtx } from './repo-fs.ts';

export interface FileChange {
  /** Repository-relative, `/`-separated. */
  path: string;
  /** New content; `null` deletes the file. */
  content: string | Uint8Array | null;
  /** Default: a regular file. A symlink's content is its target. */
  mode?: 'executable' | 'symlink' | 'file';
}

/**
 * Content that never changes once written (a sealed audit segment): when the base tree already holds the
 * path, its blob is kept; else the blob `oid` stored when it was sealed, if still stored loose; else `load`.
 * Live content (a stream's tail known by its blob) may change: it is unchanged only if the tree holds `oid`.
 */
export interface SealedContent {
  load: () => Promise<Uint8Array>;
  oid?: string;
  live?: boolean;
}

/** A change for a commit: a file's new content, a deletion, or sealed content. */
export type CommitFileChange = Omit<FileChange, 'content'> & { content: FileChange['content'] | SealedContent };

const isSealed = (c: Prepared['content']): c is SealedContent => c !== null && !(c instanceof Uint8Array);

interface Prepared {
  content: Uint8Array | null | SealedContent;
  mode: string;
}

interface DirNode {
  files: Map<string, Prepared>;
  dirs: Map<string, DirNode>;
}

export function assertRepoPath(p: string): string[] {
  const segments = p.split('/');
  const bad =
    p.length === 0 ||
    p.includes('\0') ||
    segments.some((s) => s === '' || s === '.' || s === '..' || s.toLowerCase() === '.git');
  if (bad) throw new InvalidInputError(`"${p}" is not a repository-relative file path`);
  return segments;
}

function modeOf(change: CommitFileChange): string {
  if (change.mode === 'executable') return MODE_EXEC;
  if (change.mode === 'symlink') return MODE_SYMLINK;
  return MODE_FILE;
}

/** Groups changes by directory; the last change to a path wins. */
function buildChangeTree(changes: readonly CommitFileChange[]): DirNode {
  const root: DirNode = { files: new Map(), dirs: new Map() };
  for (const change of changes) {
    const segments = assertRepoPath(change.path);
    const name = segments.pop() as string;
    let node = root;
    for (const seg of segments) {
      let next = node.dirs.get(seg);
      if (!next) {
        next = { files: new Map(), dirs: new Map() };
        node.dirs.set(seg, next);
      }
      node = next;
    }
    const c = change.content;
    const content = c === null || (typeof c !== 'string' && !(c instanceof Uint8Array)) ? c : toBytes(c);
    node.files.set(name, { content, mode: modeOf(change) });
  }
  return root;
}

function hasWrites(node: DirNode): boolean {
  for (const f of node.files.values()) if (f.content !== null) return true;
  for (const d of node.dirs.values()) if (hasWrites(d)) return true;
  return false;
}

/**
 * Applies `changes` on top of `baseTree` (null = empty) and returns the new root tree and the
 * paths whose entry actually changed. Writing the same content again yields the same oid and an
 * empty `changed` list, which is what makes commitChanges idempotent.
 */
export async function writeTreeWithChanges(
  ctx: RepoCtx,
  baseTree: string | null,
  changes: readonly CommitFileChange[],
): Promise<{ tree: string; changed: string[] }> {
  const changed: string[] = [];
  const root = buildChangeTree(changes);
  const rewritten = await rewriteDir(ctx, baseTree, root, '', changed);
  const tree = rewritten ?? (await writeTree(ctx, []));
  return { tree, changed: changed.sort() };
}

/** Past this many names to look up in one tree, it is decoded once rather than walked per name. */
const LOOKUPS_BEFORE_INDEX = 8;

async function rewriteDir(
  ctx: RepoCtx,
  treeOid: string | null,
  node: DirNode,
  prefix: string,
  changed: string[],
): Promise<string | null> {
  // A loose tree is looked up and edited in its raw body (objects.ts spliceTree): the cost is the names changed,
  // not a decode and re-encode of every entry. A packed one is parsed whole.
  const raw = await readTreeRaw(ctx, treeOid);
  const parsed = raw ? null : new Map<string, Entry>((await readTreeEntries(ctx, treeOid)).map((e) => [e.path, e]));
  /** The entries set (or removed: null) by this rewrite, by name. */
  const edits = new Map<string, Entry | null>();
  // Many names looked up in one loose tree: decoded once into a map (a lookup per name walks the body).
  const indexed = raw && node.files.size + node.dirs.size > LOOKUPS_BEFORE_INDEX ? indexTreeEntries(raw) : null;
  const entryOf = (name: string): Entry | undefined => {
    const edited = edits.get(name);
    if (edited !== undefined) return edited ?? undefined;
    if (indexed) return indexed.get(name);
    return raw ? findTreeEntry(raw, name) : parsed?.get(name);
  };
  let dirty = false;

  for (const [name, dirNode] of node.dirs) {
    const file = node.files.get(name);
    if (file && file.content !== null && hasWrites(dirNode)) {
      throw new InvalidInputError(`"${prefix}${name}" is written both as a file and as a directory in one commit`);
    }
  }

  await Promise.all(
    [...node.files].map(async ([name, change]) => {
      const existing = entryOf(name);
      if (change.content === null) {
        // Deleting a path that is a directory (or absent) is a no-op: the caller named a file.
        if (existing && existing.type !== 'tree') {
          edits.set(name, null);
          changed.push(prefix + name);
          dirty = true;
        }
        return;
      }
      const content = change.content;
      let oid: string;
      if (isSealed(content)) {
        const kept = content.live ? existing?.oid === content.oid : existing?.type === 'blob';
        if (kept && existing?.mode === change.mode) return;
        oid =
          content.oid && (await hasLooseObject(ctx, content.oid))
            ? content.oid
            : await writeBlob(ctx, await content.load());
      } else {
        // Hashed first: a file written again with the content the tree already holds (an export unchanged
        // since the last commit) costs no object store access at all.
        const hashed = hashObject('blob', content);
        if (existing && existing.oid === hashed.oid && existing.mode === change.mode) return;
        oid = await writeBlob(ctx, content, hashed);
      }
      if (existing && existing.oid === oid && existing.mode === change.mode) return;
      if (existing?.type === 'tree') changed.push(...(await filesUnder(ctx, existing.oid, `${prefix}${name}/`)));
      edits.set(name, { mode: change.mode, path: name, oid, type: 'blob' });
      changed.push(prefix + name);
      dirty = true;
    }),
  );

  await Promise.all(
    [...node.dirs].map(async ([name, dirNode]) => {
      const existing = entryOf(name);
      const file = node.files.get(name);
      if (file && file.content !== null) return; // replaced by a file above; nothing to write under it
      const subtree = existing?.type === 'tree' ? existing.oid : null;
      if (subtree === null && !hasWrites(dirNode)) return; // only deletions under a path that is not a directory
      const next = await rewriteDir(ctx, subtree, dirNode, `${prefix}${name}/`, changed);
      if (next === subtree) return;
      if (existing && existing.type !== 'tree') changed.push(prefix + name); // a file becomes a directory
      edits.set(name, next === null ? null : { mode: MODE_TREE, path: name, oid: next, type: 'tree' });
      dirty = true;
    }),
  );

  if (!dirty) return treeOid;
  if (raw) {
    const body = spliceTree(raw, edits);
    return body.length === 0 ? null : writeTreeBody(ctx, body); // git stores no empty directories
  }
  const entries = parsed ?? new Map<string, Entry>();
  for (const [name, e] of edits) {
    if (e === null) entries.delete(name);
    else entries.set(name, e);
  }
  if (entries.size === 0) return null;
  return writeTree(ctx, [...entries.values()]);
}

async function filesUnder(ctx: RepoCtx, treeOid: string, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readTreeEntries(ctx, treeOid)) {
    if (e.type === 'tree') out.push(...(await filesUnder(ctx, e.oid, `${prefix}${e.path}/`)));
    else out.push(prefix + e.path);
  }
  return out;
}
