/**
 * Refs read and written in process: a full ref's oid (symbolic refs followed), the branch and tag names,
 * a commit-ish resolved to its commit, and a ref moved.
 */
import { readFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import path from 'node:path';
import { GovernorError, InvalidInputError, NotFoundError } from '../errors.ts';
import { peelToCommit, readCommit } from './commits.ts';
import { atomicWriteFileSync, type RepoCtx } from './repo-fs.ts';
import { assertValidRefName, isOid } from './refs.ts';

/**
 * The oid a full ref (or HEAD) points at, symbolic refs followed; null when the ref does not exist.
 * Read here, not with isomorphic-git's `resolveRef`: that reads packed-refs on every call and, for a ref
 * that does not exist, tries five other prefixes (`refs/tags/refs/heads/…`), each a failed read, at about
 * 2 ms a call, and the loop resolves a ref some 150 times in a three-phase run. Ref files are replaced by
 * rename (repo-fs.ts, and git's own lock files), so a read sees the old oid or the new one.
 */
export async function resolveFullRef(ctx: RepoCtx, full: string): Promise<string | null> {
  let ref = full;
  for (let depth = 0; depth < 5; depth++) {
    const text = (await readRefFile(ctx, ref)) ?? (await packedRefs(ctx)).get(ref);
    if (text === undefined || text === null) return null;
    if (!text.startsWith('ref: ')) {
      if (!isOid(text)) throw new GovernorError('corrupt_ref', `${ref} holds "${text.slice(0, 60)}", not an oid`);
      return text;
    }
    ref = text.slice('ref: '.length);
  }
  throw new GovernorError('corrupt_ref', `${full}: symbolic refs nest too deep`);
}

/**
 * Synchronous on purpose: a ref file is 41 bytes, read in microseconds, while a trip through the thread pool
 * cost milliseconds on a busy machine, a dozen times in every promotion.
 */
async function readRefFile(ctx: RepoCtx, ref: string): Promise<string | null> {
  try {
    return readFileSync(path.join(ctx.gitdir, ref), 'utf8').trim() || null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A folder where a ref was looked for (`refs/heads/a` when only `refs/heads/a/b` exists) is no ref.
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return null;
    throw err;
  }
}

/**
 * The names under `refs/heads` or `refs/tags` (relative to it), loose and packed, sorted: what isomorphic-git's
 * listBranches/listTags return, without loading it. Lock and temp files of a write in progress are no refs.
 */
export async function listRefNames(ctx: RepoCtx, prefix: 'refs/heads' | 'refs/tags'): Promise<string[]> {
  const root = path.join(ctx.gitdir, prefix);
  const loose = await fsp.readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  const names = new Set<string>();
  for (const d of loose) {
    if (!d.isFile() || d.name.endsWith('.lock') || d.name.includes('.governor-tmp-')) continue;
    names.add(
      path
        .relative(root, path.join(d.parentPath ?? d.path, d.name))
        .split(path.sep)
        .join('/'),
    );
  }
  for (const ref of (await packedRefs(ctx)).keys())
    if (ref.startsWith(`${prefix}/`)) names.add(ref.slice(prefix.length + 1));
  return [...names].sort();
}

/** `.git/packed-refs` as ref → oid (peeled `^` lines and comments skipped); empty when there is none. */
async function packedRefs(ctx: RepoCtx): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let text = '';
  try {
    text = readFileSync(path.join(ctx.gitdir, 'packed-refs'), 'utf8');
  } catch {
    // no packed refs
  }
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.startsWith('^')) continue;
    const space = line.indexOf(' ');
    if (space === 40) out.set(line.slice(41).trim(), line.slice(0, 40));
  }
  return out;
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

/**
 * Moves (or creates) a ref: `<oid>\n` in a sibling temp file renamed over it, the bytes isomorphic-git's
 * `writeRef` wrote, synchronously (repo-fs.ts `atomicWriteFileSync`): its stat of `.git` and its async write
 * and rename were five thread-pool round trips, about 5 ms a ref on a busy machine, and a three-phase run
 * moves some fifty refs. Callers hold the write queue.
 */
export function writeRefOid(ctx: RepoCtx, full: string, oid: string): void {
  assertValidRefName(full);
  if (!isOid(oid)) throw new InvalidInputError(`${full} can only be moved to a full 40-hex object id, not "${oid}"`);
  atomicWriteFileSync(path.join(ctx.gitdir, full), `${oid}\n`);
}
