/**
 * Loose objects, read and written with Node's zlib and crypto.
 *
 * isomorphic-git inflates each object through a DecompressionStream and checks its SHA-1 with WebCrypto,
 * two thread-pool round trips per object, and deflates in pure JS: on a loop step that reads a few hundred
 * commits and trees that was most of its git time. The git CLI trusts its object store on a normal read as
 * well (`git fsck` is the integrity check); writes hash here anyway, since the oid is the file name.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { constants as zlib, deflate, deflateSync, inflate, inflateSync } from 'node:zlib';
import { promisify } from 'node:util';
import { atomicWriteFile, atomicWriteFileSync, type RepoCtx } from './repo-fs.ts';

export type ObjectType = 'blob' | 'tree' | 'commit' | 'tag';

export function hashObject(type: ObjectType, body: Uint8Array): { oid: string; header: Buffer } {
  const header = Buffer.from(`${type} ${body.byteLength}\0`);
  const oid = createHash('sha1').update(header).update(body).digest('hex');
  return { oid, header };
}

/**
 * Objects this process wrote or found stored, per object folder: a step writes the same trees and blobs again
 * (an export unchanged since the last commit, a tree along an unchanged path), and each repeat cost a stat.
 * Git never deletes a reachable object, and `git prune` keeps unreachable ones for two weeks by default, so a
 * fresh memory is as good as the stat; it is dropped after a minute (a `git gc --prune=now` run by hand
 * between two of our writes is then seen again within a minute, as git's own object cache would not).
 */
const known = new Map<string, { since: number; oids: Set<string> }>();
const KNOWN_MS = 60_000;
const KNOWN_MAX = 200_000;

function knownIn(gitdir: string): Set<string> {
  const now = Date.now();
  const entry = known.get(gitdir);
  if (entry && now - entry.since < KNOWN_MS && entry.oids.size < KNOWN_MAX) return entry.oids;
  const fresh = { since: now, oids: new Set<string>() };
  known.set(gitdir, fresh);
  return fresh.oids;
}

/** Did this process write (or find) the object lately? See `known`. */
export const knownStored = (ctx: RepoCtx, oid: string): boolean => knownIn(ctx.gitdir).has(oid);

/** Remember an object found stored, so the next commit of this process takes it without a stat. */
export const rememberStored = (ctx: RepoCtx, oid: string): void => {
  knownIn(ctx.gitdir).add(oid);
};

/** Writes a loose object (temp + rename) unless it is already there; returns its oid. */
export async function writeLoose(
  ctx: RepoCtx,
  type: ObjectType,
  body: Uint8Array,
  hashed?: { oid: string; header: Buffer },
): Promise<string> {
  const { oid, header } = hashed ?? hashObject(type, body);
  const stored = knownIn(ctx.gitdir);
  if (stored.has(oid)) return oid;
  const file = path.join(ctx.gitdir, 'objects', oid.slice(0, 2), oid.slice(2));
  if (body.byteLength <= ASYNC_DEFLATE_BYTES) {
    // Synchronous on purpose, as readLoose reads: a commit writes a few small objects, and the thread-pool
    // round trips of an async stat, mkdir, write and rename cost more than the writes themselves.
    if (!existsSync(file)) writeAtomicSync(ctx.gitdir, file, deflateSmall(Buffer.concat([header, body])));
    stored.add(oid);
    return oid;
  }
  try {
    await fsp.access(file);
    stored.add(oid);
    return oid;
  } catch {
    // not stored loose yet
  }
  await fsp.mkdir(path.dirname(file), { recursive: true });
  await atomicWriteFile(file, await deflateLarge(Buffer.concat([header, body])));
  stored.add(oid);
  return oid;
}

/** Fan-out folders (`objects/ab/`) this process listed, made or found, per object folder. */
const fanOuts = new Map<string, Set<string>>();

/**
 * The fan-out folders there are: listed once per process (one directory read), then kept up to date by the
 * writes. A `mkdir` before the first write into each folder cost a call per folder and process (256 in a
 * repository with some history, for a CLI command that writes a few objects).
 */
function fanOutsOf(gitdir: string): Set<string> {
  let made = fanOuts.get(gitdir);
  if (!made) {
    made = new Set(readdirSync(path.join(gitdir, 'objects')).filter((n) => /^[0-9a-f]{2}$/.test(n)));
    fanOuts.set(gitdir, made);
  }
  return made;
}

/**
 * repo-fs.ts's atomicWriteFileSync: a sibling temp file renamed over the target. The fan-out folder is made
 * when the listing lacks it; one removed since (`git prune` removes empty ones) is made again when the write
 * finds it missing.
 */
function writeAtomicSync(gitdir: string, file: string, data: Uint8Array): void {
  const folder = path.dirname(file);
  const made = fanOutsOf(gitdir);
  const name = path.basename(folder);
  if (!made.has(name)) {
    mkdirSync(folder, { recursive: true });
    made.add(name);
  }
  atomicWriteFileSync(file, data);
}

/**
 * Git's own level for loose objects (`core.looseCompression` defaults to 1, best speed): a promotion
 * commits the audit JSONL files whole, megabytes on a long history, and level 1 deflates them about three
 * times faster than zlib's default 6 (repacking recompresses them anyway).
 */
const LEVEL = zlib.Z_BEST_SPEED;

/**
 * A small object is deflated with the smallest zlib window (and hash table) that still spans all of it, so
 * matches reach as far back as with the default window and the output is as small: zlib allocates its state
 * for the window it is given, and the default one (32 kB window, 64 kB hash, some 270 kB in all, handed back
 * after each call) made a 150-byte object cost ~100 us to deflate in a run, against ~15 us with a 512-byte
 * window. A match reaches back at most the window less 262 bytes (zlib's MIN_LOOKAHEAD). Git, like any zlib
 * reader, reads any window size: the stream's header names it.
 */
function deflateSmall(raw: Buffer): Buffer {
  const windowBits = Math.min(15, Math.max(9, Math.ceil(Math.log2(raw.byteLength + 262))));
  // zlib's own pairing at the default (window 15, memLevel 8): a hash table as large as the window.
  return deflateSync(raw, { level: LEVEL, windowBits, memLevel: windowBits - 7 });
}

const deflateAsync = promisify(deflate);
/** A large object is deflated off the event loop, so the host keeps serving while a promotion commits. */
const deflateLarge = (raw: Buffer): Promise<Buffer> => deflateAsync(raw, { level: LEVEL });
const ASYNC_DEFLATE_BYTES = 64 * 1024;

/** `hashed`: the blob's id and header when the caller already hashed it (to compare with a tree entry). */
export async function writeBlob(
  ctx: RepoCtx,
  body: Uint8Array,
  hashed?: { oid: string; header: Buffer },
): Promise<string> {
  return writeLoose(ctx, 'blob', body, hashed);
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
export async function readLoose(ctx: RepoCtx, oid: string): Promise<{ type: string; body: Buffer } | null> {
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
