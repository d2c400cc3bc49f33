/**
 * Object-level reads and writes shared by the GitService helpers.
 *
 * Blobs are hashed and written here rather than with `git.writeBlob`: we need the oid anyway to
 * tell whether a path changed (so unchanged content is never deflated or written twice), and
 * node's zlib is several times faster than the pure-JS deflate isomorphic-git uses.
 */
import { readFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { constants as zlib, deflate, deflateSync, inflate, inflateSync } from 'node:zlib';
import { promisify } from 'node:util';
import git, { type CommitObject, type ReadObjectResult, type TagObject, type TreeEntry } from 'isomorphic-git';
import { GovernorError, InvalidInputError, NotFoundError } from '../errors.ts';
import { atomicWriteFile, type RepoCtx } from './repo-fs.ts';
import { isOid } from './refs.ts';

/** The well-known oid of the empty tree; git resolves it without it being stored. */
export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

export const MODE_FILE = '100644';
export const MODE_EXEC = '100755';
export const MODE_SYMLINK = '120000';
export const MODE_TREE = '040000';
export const MODE_GITLINK = '160000';

export type Entry = TreeEntry;

export function isNotFound(err: unknown): boolean {
  return err instanceof Error && (err as Error & { code?: unknown }).code === 'NotFoundError';
}

export function hashObject(
  type: 'blob' | 'tree' | 'commit' | 'tag',
  body: Uint8Array,
): { oid: string; header: Buffer } {
  const header = Buffer.from(`${type} ${body.byteLength}\0`);
  const oid = createHash('sha1').update(header).update(body).digest('hex');
  return { oid, header };
}

export function toBytes(content: string | Uint8Array): Uint8Array {
  return typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
}

/** Whether an object is stored loose (a packed one is not seen: callers then write it again, harmlessly). */
export async function hasLooseObject(ctx: RepoCtx, oid: string): Promise<boolean> {
  return fsp.access(path.join(ctx.gitdir, 'objects', oid.slice(0, 2), oid.slice(2))).then(
    () => true,
    () => false,
  );
}

/** Writes a loose object (temp + rename) unless it is already there; returns its oid. */
async function writeLoose(ctx: RepoCtx, type: 'blob' | 'commit' | 'tag', body: Uint8Array): Promise<string> {
  const { oid, header } = hashObject(type, body);
  const file = path.join(ctx.gitdir, 'objects', oid.slice(0, 2), oid.slice(2));
  try {
    await fsp.access(file);
    return oid;
  } catch {
    // not stored loose yet
  }
  await fsp.mkdir(path.dirname(file), { recursive: true });
  await atomicWriteFile(file, await deflateLoose(Buffer.concat([header, body])));
  return oid;
}

const deflateAsync = promisify(deflate);
/**
 * Git's own level for loose objects (`core.looseCompression` defaults to 1, best speed): a promotion
 * commits the audit JSONL files whole, megabytes on a long history, and level 1 deflates them about three
 * times faster than zlib's default 6 (repacking recompresses them anyway). A large object is deflated off
 * the event loop, so the host keeps serving while a promotion commits.
 */
function deflateLoose(raw: Buffer): Buffer | Promise<Buffer> {
  const opts = { level: zlib.Z_BEST_SPEED };
  return raw.byteLength > ASYNC_DEFLATE_BYTES ? deflateAsync(raw, opts) : deflateSync(raw, opts);
}
const ASYNC_DEFLATE_BYTES = 64 * 1024;

export async function writeBlob(ctx: RepoCtx, body: Uint8Array): Promise<string> {
  return writeLoose(ctx, 'blob', body);
}

const inflateAsync = promisify(inflate);
/** Compressed size above which a loose object is inflated off the event loop. */
const ASYNC_INFLATE_BYTES = 32 * 1024;

/**
 * Fast path for loose objects: Node's zlib instead of isomorphic-git's pure-JS inflate and SHA-1 check
 * (measured ~3× faster per tree read, which is what diffs and merges do most). Like the git CLI on a
 * normal read, it trusts the object store; `git fsck` is the integrity check. Packed objects (null here)
 * go through isomorphic-git.
 */
async function readLoose(ctx: RepoCtx, oid: string): Promise<{ type: string; body: Buffer } | null> {
  const file = path.join(ctx.gitdir, 'objects', oid.slice(0, 2), oid.slice(2));
  let raw: Buffer;
  try {
    // Synchronous on purpose: loose objects are mostly small, and the thread-pool round trip of an async
    // read costs more than the read itself when a diff walks a hundred trees.
    raw = readFileSync(file);
  } catch {
    return null;
  }
  // A big object (a multi-MB file in a diff) is inflated on the thread pool instead: inflating megabytes
  // here would hold the event loop — the desktop window's, or the host's — for tens of milliseconds.
  // Megabyte output chunks: the default 16 kB ones cost a long Buffer.concat on the event loop at the end.
  const data =
    raw.byteLength > ASYNC_INFLATE_BYTES ? await inflateAsync(raw, { chunkSize: 1 << 20 }) : inflateSync(raw);
  const nul = data.indexOf(0);
  const type = data.subarray(0, nul).toString('latin1').split(' ')[0] ?? '';
  return { type, body: data.subarray(nul + 1) };
}

/** A tree object's raw body when it is loose, else null (callers fall back to parsed entries). */
export async function readTreeRaw(ctx: RepoCtx, oid: string | null): Promise<Buffer | null> {
  if (oid === null || oid === EMPTY_TREE) return Buffer.alloc(0);
  const loose = await readLoose(ctx, oid);
  return loose && loose.type === 'tree' ? loose.body : null;
}

/** One raw tree record: offsets into the body, so unchanged entries are never decoded. */
interface RawRecord {
  start: number;
  nameStart: number;
  nameEnd: number;
  end: number;
}

function rawRecords(body: Buffer): RawRecord[] {
  const out: RawRecord[] = [];
  let i = 0;
  while (i < body.length) {
    const space = body.indexOf(0x20, i);
    const nul = body.indexOf(0, space);
    out.push({ start: i, nameStart: space + 1, nameEnd: nul, end: nul + 21 });
    i = nul + 21;
  }
  return out;
}

function decodeRecord(body: Buffer, r: RawRecord): Entry {
  const mode = body
    .subarray(r.start, r.nameStart - 1)
    .toString('latin1')
    .padStart(6, '0');
  const oid = body.subarray(r.nameEnd + 1, r.end).toString('hex');
  const type = mode === MODE_TREE ? 'tree' : mode === MODE_GITLINK ? 'commit' : 'blob';
  return { mode, path: body.subarray(r.nameStart, r.nameEnd).toString('utf8'), oid, type };
}

/**
 * The entries that differ between two raw tree bodies, as [left, right] pairs (either may be absent).
 * Records whose bytes are identical (same mode, name and oid) are skipped without decoding, which is
 * most of a tree in a typical diff. Names are matched by bytes, so tree sort order does not matter.
 */
export function differingEntries(a: Buffer, b: Buffer): Array<[Entry | undefined, Entry | undefined]> {
  const left = rawRecords(a);
  const right = rawRecords(b);
  const byName = new Map<string, RawRecord>();
  for (const r of right) byName.set(b.toString('latin1', r.nameStart, r.nameEnd), r);
  const out: Array<[Entry | undefined, Entry | undefined]> = [];
  for (const l of left) {
    const key = a.toString('latin1', l.nameStart, l.nameEnd);
    const r = byName.get(key);
    if (r) {
      byName.delete(key);
      if (a.compare(b, r.start, r.end, l.start, l.end) === 0) continue;
      out.push([decodeRecord(a, l), decodeRecord(b, r)]);
    } else out.push([decodeRecord(a, l), undefined]);
  }
  for (const r of byName.values()) out.push([undefined, decodeRecord(b, r)]);
  return out;
}

/** Git's binary tree format: `<mode> <name>\0<20-byte oid>` repeated. */
function parseTree(body: Buffer): Entry[] {
  const out: Entry[] = [];
  let i = 0;
  while (i < body.length) {
    const space = body.indexOf(0x20, i);
    const nul = body.indexOf(0, space);
    const rawMode = body.subarray(i, space).toString('latin1');
    const mode = rawMode.padStart(6, '0');
    const name = body.subarray(space + 1, nul).toString('utf8');
    const oid = body.subarray(nul + 1, nul + 21).toString('hex');
    const type = mode === MODE_TREE ? 'tree' : mode === MODE_GITLINK ? 'commit' : 'blob';
    out.push({ mode, path: name, oid, type });
    i = nul + 21;
  }
  return out;
}

export async function readBlob(ctx: RepoCtx, oid: string): Promise<Uint8Array> {
  const loose = await readLoose(ctx, oid);
  if (loose && loose.type === 'blob') return loose.body;
  const { blob } = await git.readBlob({ fs: ctx.fs, gitdir: ctx.gitdir, oid, cache: ctx.cache });
  return blob;
}

export async function readTreeEntries(ctx: RepoCtx, oid: string | null): Promise<Entry[]> {
  if (oid === null || oid === EMPTY_TREE) return [];
  const loose = await readLoose(ctx, oid);
  if (loose && loose.type === 'tree') return parseTree(loose.body);
  const { tree } = await git.readTree({ fs: ctx.fs, gitdir: ctx.gitdir, oid, cache: ctx.cache });
  return tree;
}

export async function writeTree(ctx: RepoCtx, entries: Entry[]): Promise<string> {
  return git.writeTree({ fs: ctx.fs, gitdir: ctx.gitdir, tree: entries });
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
  if (ctx.signer === undefined) return git.writeCommit({ fs: ctx.fs, gitdir: ctx.gitdir, commit });
  const headers = commitHeaders(commit);
  const message = normalizeNewlines(commit.message);
  const signature = await armoredSignature(ctx.signer, `${headers}\n${message}`);
  // Continuation lines of a header start with one space; the armor's empty line becomes " ", as git writes it.
  const gpgsig = `gpgsig ${signature.split('\n').join('\n ')}\n`;
  return writeLoose(ctx, 'commit', Buffer.from(`${headers}${gpgsig}\n${message}`, 'utf8'));
}

/** Writes an annotated tag object; with a signer on the context the signature follows the message, as `git tag -s` does. */
export async function writeTagObject(ctx: RepoCtx, tag: TagObject): Promise<string> {
  if (ctx.signer === undefined) return git.writeTag({ fs: ctx.fs, gitdir: ctx.gitdir, tag });
  const payload = `object ${tag.object}\ntype ${tag.type}\ntag ${tag.tag}\ntagger ${formatPerson(tag.tagger)}\n\n${normalizeNewlines(tag.message)}`;
  const signature = await armoredSignature(ctx.signer, payload);
  return writeLoose(ctx, 'tag', Buffer.from(`${payload}${signature}\n`, 'utf8'));
}

export async function readCommit(ctx: RepoCtx, oid: string): Promise<CommitObject> {
  const { commit } = await git.readCommit({ fs: ctx.fs, gitdir: ctx.gitdir, oid, cache: ctx.cache });
  return commit;
}

/** The oid a full ref points at, or null when the ref does not exist. */
export async function resolveFullRef(ctx: RepoCtx, full: string): Promise<string | null> {
  try {
    return await git.resolveRef({ fs: ctx.fs, gitdir: ctx.gitdir, ref: full });
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

/** Follows annotated tags down to the commit; null when the object does not exist. */
export async function peelToCommit(ctx: RepoCtx, oid: string): Promise<string | null> {
  let current = oid;
  for (let depth = 0; depth < 16; depth++) {
    let obj: ReadObjectResult;
    try {
      obj = await git.readObject({ fs: ctx.fs, gitdir: ctx.gitdir, oid: current, format: 'parsed', cache: ctx.cache });
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
    if (obj.type === 'commit') return current;
    if (obj.type !== 'tag' || obj.format !== 'parsed')
      throw new InvalidInputError(`${oid} is a ${obj.type}, not a commit`);
    current = (obj.object as TagObject).object;
  }
  throw new InvalidInputError(`${oid}: tag chain too deep`);
}

/** `rev^` or `rev^N`: git's "first (Nth) parent of". `^` cannot occur in a ref name, so it is never ambiguous. */
const PARENT_SUFFIX = /^(.+)\^(\d*)$/;

/**
 * A branch name, tag name, full ref or 40-hex oid, optionally followed by `^`/`^N` (its first/Nth parent,
 * as the audit timeline asks for "this commit against its parent") → the commit oid, or null.
 * Branches win over tags of the same name: the GitService speaks in branches.
 */
export async function resolveCommitish(ctx: RepoCtx, name: string): Promise<string | null> {
  const parent = PARENT_SUFFIX.exec(name);
  if (parent) {
    const child = await resolveCommitish(ctx, parent[1] ?? '');
    const n = parent[2] === '' ? 1 : Number(parent[2]);
    // `rev^0` is the commit itself, as in git; a root commit has no parent to resolve to.
    if (child === null || n === 0) return child;
    return (await readCommit(ctx, child)).parent[n - 1] ?? null;
  }
  const candidates = isOid(name)
    ? [null]
    : name.startsWith('refs/') || name === 'HEAD'
      ? [name]
      : [`refs/heads/${name}`, `refs/tags/${name}`];
  for (const ref of candidates) {
    const oid = ref === null ? name : await resolveFullRef(ctx, ref);
    if (oid !== null) return peelToCommit(ctx, oid);
  }
  return null;
}

export async function requireCommit(ctx: RepoCtx, name: string): Promise<string> {
  const oid = await resolveCommitish(ctx, name);
  if (oid === null) throw new NotFoundError('commit', name, 'expected a branch, tag or commit oid');
  return oid;
}

export async function treeOfCommit(ctx: RepoCtx, commitOid: string): Promise<string> {
  return (await readCommit(ctx, commitOid)).tree;
}

/** Plain git semantics: a commit is its own ancestor. */
export async function isAncestor(ctx: RepoCtx, ancestor: string, descendant: string): Promise<boolean> {
  if (ancestor === descendant) return true;
  return git.isDescendent({ fs: ctx.fs, gitdir: ctx.gitdir, oid: descendant, ancestor, depth: -1, cache: ctx.cache });
}

/** Moves (or creates) a ref. The write is atomic through repoFs; callers hold the write queue. */
export async function writeRefOid(ctx: RepoCtx, full: string, oid: string): Promise<void> {
  await git.writeRef({ fs: ctx.fs, gitdir: ctx.gitdir, ref: full, value: oid, force: true });
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
