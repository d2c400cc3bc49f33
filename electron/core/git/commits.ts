/**
 * Commits as the engine walks them on every step: a branch's log, "is this merged?", merge bases, a ref
 * peeled to its commit. Read from loose objects with Node's zlib (loose.ts), parsed as isomorphic-git's
 * GitCommit parses them, and kept per repository by oid: an object never changes, so a cached commit is
 * never stale and a walk over history already seen reads no file. Packed objects (a repository the user
 * ran `git gc` on) go through isomorphic-git. The walks below mirror isomorphic-git's (`log`,
 * `isDescendent`, `findMergeBase`) step for step, so their results and order are the same.
 */
import type { CommitObject, TagObject } from 'isomorphic-git';
import { iso } from './iso.ts';
import { InvalidInputError, NotFoundError } from '../errors.ts';
import { readLoose } from './loose.ts';
import type { RepoCtx } from './repo-fs.ts';

/** Parsed commits kept per repository; bounded, since a long-lived host walks ever more history. */
const MAX_CACHED = 50_000;
const caches = new WeakMap<object, Map<string, CommitObject>>();

function cacheOf(ctx: RepoCtx): Map<string, CommitObject> {
  let c = caches.get(ctx.cache);
  if (!c) {
    c = new Map();
    caches.set(ctx.cache, c);
  }
  return c;
}

function remember(ctx: RepoCtx, oid: string, commit: CommitObject): CommitObject {
  const c = cacheOf(ctx);
  if (c.size >= MAX_CACHED) {
    const oldest = c.keys().next();
    if (!oldest.done) c.delete(oldest.value);
  }
  c.set(oid, commit);
  return commit;
}

/** Joins a header's continuation lines (they start with one space), as git and isomorphic-git read them. */
function headerLines(head: string): string[] {
  const out: string[] = [];
  for (const h of head.split('\n')) {
    if (h[0] === ' ' && out.length > 0) out[out.length - 1] += `\n${h.slice(1)}`;
    else out.push(h);
  }
  return out;
}

const keyOf = (h: string) => h.slice(0, h.indexOf(' '));
const headerValue = (h: string) => h.slice(h.indexOf(' ') + 1);

function parsePerson(text: string): CommitObject['author'] {
  const m = /^(.*) <(.*)> (.*) (.*)$/.exec(text);
  const tz = m ? /(\+|-)(\d\d)(\d\d)/.exec(m[4] ?? '') : null;
  if (!m || !tz) throw new InvalidInputError(`malformed commit signature "${text}"`);
  const minutes = (tz[1] === '+' ? 1 : -1) * (Number(tz[2]) * 60 + Number(tz[3]));
  // isomorphic-git counts minutes west (Date#getTimezoneOffset) and keeps +0000 as 0, -0000 as -0.
  return {
    name: m[1] ?? '',
    email: m[2] ?? '',
    timestamp: Number(m[3]),
    timezoneOffset: minutes === 0 ? minutes : -minutes,
  };
}

function normalizeNewlines(text: string): string {
  return `${text.replace(/\r/g, '').replace(/^\n+/, '').replace(/\n+$/, '')}\n`;
}

/** A commit object's body → its fields: one `tree` first, the `parent`s right after, then first-wins headers. */
export function parseCommit(body: Buffer): CommitObject {
  const text = body.toString('utf8');
  const split = text.indexOf('\n\n');
  const hs = headerLines(text.slice(0, split));
  const first = hs[0];
  if (first === undefined || keyOf(first) !== 'tree') throw new InvalidInputError('a commit must start with its tree');
  const parent: string[] = [];
  let i = 1;
  for (; i < hs.length && keyOf(hs[i] ?? '') === 'parent'; i++) parent.push(headerValue(hs[i] ?? ''));
  const rest = new Map<string, string>();
  for (; i < hs.length; i++) {
    const h = hs[i] ?? '';
    if (!rest.has(keyOf(h)) && keyOf(h) !== 'tree' && keyOf(h) !== 'parent') rest.set(keyOf(h), headerValue(h));
  }
  const author = rest.get('author');
  const committer = rest.get('committer');
  if (author === undefined || committer === undefined)
    throw new InvalidInputError('a commit must name its author and committer');
  const gpgsig = rest.get('gpgsig');
  return {
    message: normalizeNewlines(text.slice(split + 2)),
    tree: headerValue(first),
    parent,
    author: parsePerson(author),
    committer: parsePerson(committer),
    ...(gpgsig !== undefined ? { gpgsig } : {}),
  };
}

/** A commit by oid; an annotated tag is followed to its commit, as isomorphic-git's `readCommit` does. */
export async function readCommit(ctx: RepoCtx, oid: string): Promise<CommitObject> {
  const known = cacheOf(ctx).get(oid);
  if (known) return known;
  const loose = await readLoose(ctx, oid);
  if (loose?.type === 'commit') return remember(ctx, oid, parseCommit(loose.body));
  // Packed, or a tag: isomorphic-git reads packs and follows tags (and throws what callers expect).
  const { commit, oid: at } = await (await iso()).readCommit({ fs: ctx.fs, gitdir: ctx.gitdir, oid, cache: ctx.cache });
  return at === oid ? remember(ctx, oid, commit) : commit;
}

/** The object a loose annotated tag points at (its first `object` header). */
function tagTarget(body: Buffer): string | null {
  for (const h of headerLines(body.toString('utf8').split('\n\n')[0] ?? ''))
    if (keyOf(h) === 'object') return headerValue(h);
  return null;
}

/** Follows annotated tags down to the commit; null when the object does not exist. */
export async function peelToCommit(ctx: RepoCtx, oid: string): Promise<string | null> {
  let current = oid;
  for (let depth = 0; depth < 16; depth++) {
    if (cacheOf(ctx).has(current)) return current;
    const loose = await readLoose(ctx, current);
    let type: string;
    let target: string | null = null;
    if (loose) {
      type = loose.type;
      if (type === 'commit') remember(ctx, current, parseCommit(loose.body));
      else if (type === 'tag') target = tagTarget(loose.body);
    } else {
      try {
        const obj = await (await iso()).readObject({
          fs: ctx.fs,
          gitdir: ctx.gitdir,
          oid: current,
          format: 'parsed',
          cache: ctx.cache,
        });
        type = obj.type;
        if (obj.type === 'tag' && obj.format === 'parsed') target = (obj.object as TagObject).object;
      } catch (err) {
        if (err instanceof Error && (err as Error & { code?: unknown }).code === 'NotFoundError') return null;
        throw err;
      }
    }
    if (type === 'commit') return current;
    if (type !== 'tag' || target === null) throw new InvalidInputError(`${oid} is a ${type}, not a commit`);
    current = target;
  }
  throw new InvalidInputError(`${oid}: tag chain too deep`);
}

/** Whether `ancestor` is reachable from `oid` (not counting `oid` itself): isomorphic-git's breadth-first walk. */
export async function isDescendent(ctx: RepoCtx, oid: string, ancestor: string): Promise<boolean> {
  if (oid === ancestor) return false;
  const queue = [oid];
  const visited = new Set<string>();
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const { parent } = await readCommit(ctx, next);
    if (parent.includes(ancestor)) return true;
    for (const p of parent) {
      if (!visited.has(p)) {
        queue.push(p);
        visited.add(p);
      }
    }
  }
  return false;
}

/**
 * The best common ancestors of `oids` (`git merge-base --all --octopus`): one walker per oid, common
 * commits collected, then the ones that are an ancestor of another common commit dropped.
 */
export async function findMergeBase(ctx: RepoCtx, oids: readonly string[]): Promise<string[]> {
  const parentsOf = async (oid: string) => (await readCommit(ctx, oid)).parent;
  const visits = new Map<string, Set<number>>();
  const common = new Set<string>();
  let heads = oids.map((oid, index) => ({ oid, index }));
  while (heads.length > 0) {
    for (const { oid, index } of heads) {
      await parentsOf(oid);
      const seen = visits.get(oid) ?? new Set<number>();
      visits.set(oid, seen);
      seen.add(index);
      if (seen.size === oids.length) common.add(oid);
    }
    const next = new Map<string, { oid: string; index: number }>();
    for (const { oid, index } of heads) {
      if (common.has(oid)) continue;
      for (const p of await parentsOf(oid))
        if (!visits.get(p)?.has(index)) next.set(`${p}:${index}`, { oid: p, index });
    }
    heads = [...next.values()];
  }
  if (common.size < 2) return [...common];
  const redundant = new Set<string>();
  for (const oid of common) {
    const ancestors = [...(await parentsOf(oid))];
    const seen = new Set<string>();
    for (let a = ancestors.pop(); a !== undefined; a = ancestors.pop()) {
      if (seen.has(a)) continue;
      seen.add(a);
      if (common.has(a)) redundant.add(a);
      else ancestors.push(...(await parentsOf(a)));
    }
  }
  return [...common].filter((oid) => !redundant.has(oid));
}

/** Up to `depth` commits from `oid`, newest committer time first: isomorphic-git's `log` without a path. */
export async function logCommits(
  ctx: RepoCtx,
  oid: string,
  depth: number,
): Promise<Array<{ oid: string; commit: CommitObject }>> {
  const start = await peelToCommit(ctx, oid);
  if (start === null) throw new NotFoundError('commit', oid);
  const out: Array<{ oid: string; commit: CommitObject }> = [];
  const tips = [{ oid: start, commit: await readCommit(ctx, start) }];
  for (let c = tips.pop(); c !== undefined; c = tips.pop()) {
    out.push(c);
    if (out.length === depth) break;
    for (const p of c.commit.parent) {
      const parent = { oid: p, commit: await readCommit(ctx, p) };
      if (!tips.some((t) => t.oid === p)) tips.push(parent);
    }
    tips.sort((a, b) => a.commit.committer.timestamp - b.commit.committer.timestamp);
  }
  return out;
}
