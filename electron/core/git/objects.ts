/**
 * Object-level reads and writes shared by the GitService helpers.
 *
 * Blobs are hashed and written here rather than with `git.writeBlob`: we need the oid anyway to
 * tell whether a path changed (so unchanged content is never deflated or written twice), and
 * node's zlib is several times faster than the pure-JS deflate isomorphic-git uses.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { CommitObject, TagObject } from 'isomorphic-git';
import { iso } from './iso.ts';
import { GovernorError, NotFoundError } from '../errors.ts';
import { isDescendent, readCommit } from './commits.ts';
import { knownStored, readLoose, rememberStored, writeLoose } from './loose.ts';
import type { RepoCtx } from './repo-fs.ts';

export { hashObject, writeBlob } from './loose.ts';
export { peelToCommit, readCommit } from './commits.ts';
export {
  MODE_EXEC,
  MODE_FILE,
  MODE_GITLINK,
  MODE_SYMLINK,
  MODE_TREE,
  type Entry,
  differingEntries,
  findTreeEntry,
  indexTreeEntries,
  spliceTree,
} from './raw-tree.ts';
import { type Entry, findTreeEntry, parseTree, treeBody } from './raw-tree.ts';

/** The well-known oid of the empty tree; git resolves it without it being stored. */
export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

export function isNotFound(err: unknown): boolean {
  return err instanceof Error && (err as Error & { code?: unknown }).code === 'NotFoundError';
}

export function toBytes(content: string | Uint8Array): Uint8Array {
  return typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
}

/**
 * Whether an object is stored loose (a packed one is not seen: callers then write it again, harmlessly).
 * A synchronous stat, as loose.ts reads and writes small objects: a records commit asks this of every sealed
 * audit segment new to the tree (one per 1,000 lines of a stream, 50 at 100k events of history), and a
 * thread-pool round trip of an async access each cost more than the stat itself.
 */
export async function hasLooseObject(ctx: RepoCtx, oid: string): Promise<boolean> {
  if (knownStored(ctx, oid)) return true;
  // Found: remembered as written ones are (a promotion's records commit and its final exports commit ask
  // about the same segments).
  const found = existsSync(path.join(ctx.gitdir, 'objects', oid.slice(0, 2), oid.slice(2)));
  if (found) rememberStored(ctx, oid);
  return found;
}

/** Notes are attached to objects that exist: a loose one is seen by its file, a packed one read. */
export async function requireObject(ctx: RepoCtx, oid: string): Promise<void> {
  if (await hasLooseObject(ctx, oid)) return;
  try {
    await (await iso()).readObject({ fs: ctx.fs, gitdir: ctx.gitdir, oid, format: 'deflated', cache: ctx.cache });
  } catch (err) {
    if (isNotFound(err)) throw new NotFoundError('object', oid, 'notes are attached to existing commits or tags');
    throw err;
  }
}

/**
 * Tree bodies read or written lately, per repository: a step reads the same trees again and again (its commit
 * rewrites a path's trees, the workspace refresh and the merge preview diff them, the promotion merges them),
 * and each read was a file read and an inflate. A tree never changes under its id, so a cached body is always
 * right; the cache holds the most recently used ones up to TREE_CACHE_BYTES.
 */
const treeCache = new Map<string, Buffer>();
let treeCacheBytes = 0;
const TREE_CACHE_BYTES = 16 * 1024 * 1024;

function cachedTree(ctx: RepoCtx, oid: string): Buffer | undefined {
  const key = `${ctx.gitdir}\0${oid}`;
  const body = treeCache.get(key);
  if (body) {
    treeCache.delete(key);
    treeCache.set(key, body);
  }
  return body;
}

function rememberTree(ctx: RepoCtx, oid: string, body: Buffer): void {
  const key = `${ctx.gitdir}\0${oid}`;
  if (treeCache.has(key) || body.byteLength > TREE_CACHE_BYTES / 4) return;
  treeCache.set(key, body);
  treeCacheBytes += body.byteLength;
  for (const [k, v] of treeCache) {
    if (treeCacheBytes <= TREE_CACHE_BYTES) break;
    treeCache.delete(k);
    treeCacheBytes -= v.byteLength;
  }
}

/** A loose tree's body (cached), or null when it is packed or not a tree. */
async function looseTreeBody(ctx: RepoCtx, oid: string): Promise<Buffer | null> {
  const cached = cachedTree(ctx, oid);
  if (cached) return cached;
  const loose = await readLoose(ctx, oid);
  if (loose?.type !== 'tree') return null;
  rememberTree(ctx, oid, loose.body);
  return loose.body;
}

/** A tree object's raw body when it is loose, else null (callers fall back to parsed entries). */
export async function readTreeRaw(ctx: RepoCtx, oid: string | null): Promise<Buffer | null> {
  if (oid === null || oid === EMPTY_TREE) return Buffer.alloc(0);
  return looseTreeBody(ctx, oid);
}

/** The entry named `name` in a tree (null: the empty tree), from its raw body when loose, else parsed. */
export async function treeEntry(ctx: RepoCtx, oid: string | null, name: string): Promise<Entry | undefined> {
  const raw = await readTreeRaw(ctx, oid);
  if (raw) return findTreeEntry(raw, name);
  return (await readTreeEntries(ctx, oid)).find((e) => e.path === name);
}

export async function readBlob(ctx: RepoCtx, oid: string): Promise<Uint8Array> {
  const loose = await readLoose(ctx, oid);
  if (loose && loose.type === 'blob') return loose.body;
  const { blob } = await (await iso()).readBlob({ fs: ctx.fs, gitdir: ctx.gitdir, oid, cache: ctx.cache });
  return blob;
}

export async function readTreeEntries(ctx: RepoCtx, oid: string | null): Promise<Entry[]> {
  if (oid === null || oid === EMPTY_TREE) return [];
  const body = await looseTreeBody(ctx, oid);
  if (body) return parseTree(body);
  const { tree } = await (await iso()).readTree({ fs: ctx.fs, gitdir: ctx.gitdir, oid, cache: ctx.cache });
  return tree;
}

/**
 * A tree object from its entries, in git's order (names compared as bytes, a folder as if it ended in `/`),
 * modes without their leading zero: the bytes isomorphic-git's GitTree writes, hashed and deflated by Node.
 */
export async function writeTree(ctx: RepoCtx, entries: Entry[]): Promise<string> {
  return writeTreeBody(ctx, treeBody(entries));
}

/** Stores a raw tree body (in git's order already) and keeps it for the reads that follow. */
export async function writeTreeBody(ctx: RepoCtx, body: Buffer): Promise<string> {
  const oid = await writeLoose(ctx, 'tree', body);
  rememberTree(ctx, oid, body);
  return oid;
}

// ---- signed objects -----------------------------------------------------------------------
//
// isomorphic-git signs only inside `git.commit` / `git.tag` (which need the index and HEAD), so a
// signed object is rendered here: the exact bytes that are signed are the bytes stored, minus the
// signature, by construction. Commits are rendered as isomorphic-git's GitCommit renders them, so a
// signed commit stripped of its `gpgsig` header is the object an unsigned write would have stored.

type Person = CommitObject['author'];

/** `+hhmm`/`-hhmm`; isomorphic-git offsets count minutes west (Date#getTimezoneOffset), -0 means `-0000`. */
function formatOffset(minutesWest: number): string {
  const negative = minutesWest > 0 || Object.is(minutesWest, -0);
  const abs = Math.abs(minutesWest);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${negative ? '-' : '+'}${hh}${mm}`;
}

function formatPerson(p: Person): string {
  return `${p.name} <${p.email}> ${p.timestamp} ${formatOffset(p.timezoneOffset)}`;
}

/** Like isomorphic-git: no CRs, no leading blank lines, exactly one trailing newline. */
function normalizeNewlines(text: string): string {
  return `${text.replace(/\r/g, '').replace(/^\n+/, '').replace(/\n+$/, '')}\n`;
}

function commitHeaders(commit: CommitObject): string {
  const parents = commit.parent.map((p) => `parent ${p}\n`).join('');
  return `tree ${commit.tree}\n${parents}author ${formatPerson(commit.author)}\ncommitter ${formatPerson(commit.committer ?? commit.author)}\n`;
}

/** Asks the signer, and refuses anything that is not one armored signature block. */
async function armoredSignature(signer: NonNullable<RepoCtx['signer']>, payload: string): Promise<string> {
  const signature = (await signer(payload)).replace(/\r/g, '').trim();
  if (!signature.startsWith('-----BEGIN PGP SIGNATURE-----') || !signature.endsWith('-----END PGP SIGNATURE-----')) {
    // Anything else would be stored verbatim inside the object and break every later verify.
    throw new GovernorError('signing_failed', 'the commit signer did not return an ASCII-armored PGP signature');
  }
  return signature;
}

/** Writes a commit object; with a signer on the context it carries a `gpgsig` header. */
export async function writeCommitObject(ctx: RepoCtx, commit: CommitObject): Promise<string> {
  const headers = commitHeaders(commit);
  const message = normalizeNewlines(commit.message);
  if (ctx.signer === undefined) return writeLoose(ctx, 'commit', Buffer.from(`${headers}\n${message}`, 'utf8'));
  const signature = await armoredSignature(ctx.signer, `${headers}\n${message}`);
  // Continuation lines of a header start with one space; the armor's empty line becomes " ", as git writes it.
  const gpgsig = `gpgsig ${signature.split('\n').join('\n ')}\n`;
  return writeLoose(ctx, 'commit', Buffer.from(`${headers}${gpgsig}\n${message}`, 'utf8'));
}

/**
 * Writes an annotated tag object; with a signer on the context the signature follows the message, as `git tag -s`
 * does. Unsigned, the bytes are the ones isomorphic-git's `writeTag` rendered (the message as given, then a
 * newline), so a tag's oid does not change with the writer; written here, it skips isomorphic-git's pure-JS
 * deflate and its thread-pool writes (about 7 ms a tag on a busy machine).
 */
export async function writeTagObject(ctx: RepoCtx, tag: TagObject): Promise<string> {
  const headers = `object ${tag.object}\ntype ${tag.type}\ntag ${tag.tag}\ntagger ${formatPerson(tag.tagger)}\n\n`;
  if (ctx.signer === undefined) return writeLoose(ctx, 'tag', Buffer.from(`${headers}${tag.message}\n`, 'utf8'));
  const payload = `${headers}${normalizeNewlines(tag.message)}`;
  const signature = await armoredSignature(ctx.signer, payload);
  return writeLoose(ctx, 'tag', Buffer.from(`${payload}${signature}\n`, 'utf8'));
}

export async function treeOfCommit(ctx: RepoCtx, commitOid: string): Promise<string> {
  return (await readCommit(ctx, commitOid)).tree;
}

/** Plain git semantics: a commit is its own ancestor. */
export async function isAncestor(ctx: RepoCtx, ancestor: string, descendant: string): Promise<boolean> {
  if (ancestor === descendant) return true;
  return isDescendent(ctx, descendant, ancestor);
}

export interface FlatEntry {
  oid: string;
  mode: string;
}

/** Every non-tree entry under `treeOid`, by full path. Sibling subtrees are read in parallel. */
export async function listTreeFiles(ctx: RepoCtx, treeOid: string | null): Promise<Map<string, FlatEntry>> {
  const out = new Map<string, FlatEntry>();
  const visit = async (oid: string | null, prefix: string): Promise<void> => {
    const entries = await readTreeEntries(ctx, oid);
    const subtrees: Promise<void>[] = [];
    for (const e of entries) {
      if (e.type === 'tree') subtrees.push(visit(e.oid, `${prefix}${e.path}/`));
      else out.set(`${prefix}${e.path}`, { oid: e.oid, mode: e.mode });
    }
    await Promise.all(subtrees);
  };
  await visit(treeOid, '');
  return out;
}
