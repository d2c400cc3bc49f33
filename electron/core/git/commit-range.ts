/**
 * `git rev-list <include> ^<exclude>`: the commits reachable from one tip and not from another, read as far
 * back as the two histories differ and no further. The gate's Audit-ID check and `/status git` used to list
 * each branch's last 5,000 commits whole and subtract sets, which grew with the project's history (and saw
 * nothing past the 5,000th). isomorphic-git has no range walk, so this is git's own: commits are taken
 * newest committer time first, each marked as reached from the tip, from the excluded side, or both, the
 * excluded mark is passed on to parents, and the walk stops once everything still queued is excluded, plus a
 * few commits of slack for clocks that went backwards (git's `SLOP`). The result is filtered at the end, so a
 * commit found excluded late is still left out.
 */
import type { CommitObject } from 'isomorphic-git';
import { peelToCommit, readCommit } from './commits.ts';
import { NotFoundError } from '../errors.ts';
import type { RepoCtx } from './repo-fs.ts';

const INCLUDED = 1;
const EXCLUDED = 2;
/** Commits walked past the point where only excluded ones are queued, as git does against clock skew. */
const SLOP = 5;

export async function commitsBetween(
  ctx: RepoCtx,
  include: string,
  exclude: string | null,
): Promise<Array<{ oid: string; commit: CommitObject }>> {
  const start = await peelToCommit(ctx, include);
  if (start === null) throw new NotFoundError('commit', include);
  const stop = exclude === null ? null : await peelToCommit(ctx, exclude);
  const marks = new Map<string, number>();
  const commits = new Map<string, CommitObject>();
  /** Oids to walk, oldest committer time first (the newest is popped); `queued` mirrors it. */
  const queue: string[] = [];
  const queued = new Set<string>();
  /** How many queued oids are not (yet) excluded: the walk is over when none are, give or take the slop. */
  let live = 0;
  const time = (oid: string) => commits.get(oid)?.committer.timestamp ?? 0;
  const excluded = (oid: string) => ((marks.get(oid) ?? 0) & EXCLUDED) !== 0;

  async function mark(oid: string, flag: number): Promise<void> {
    const had = marks.get(oid) ?? 0;
    if ((had | flag) === had) return;
    marks.set(oid, had | flag);
    if (!commits.has(oid)) commits.set(oid, await readCommit(ctx, oid));
    if (queued.has(oid)) {
      if ((had & EXCLUDED) === 0 && (flag & EXCLUDED) !== 0) live -= 1;
      return;
    }
    // Walked (again, when it gains the excluded mark: its parents are then excluded too).
    queued.add(oid);
    if (!excluded(oid)) live += 1;
    const t = time(oid);
    let i = queue.length;
    while (i > 0 && time(queue[i - 1] as string) > t) i--;
    queue.splice(i, 0, oid);
  }

  await mark(start, INCLUDED);
  if (stop !== null) await mark(stop, EXCLUDED);
  const order: string[] = [];
  let slop = SLOP;
  while (queue.length > 0) {
    if (live > 0) slop = SLOP;
    else if (--slop < 0) break;
    const oid = queue.pop() as string;
    queued.delete(oid);
    const out = !excluded(oid);
    if (out) {
      live -= 1;
      order.push(oid);
    }
    for (const parent of commits.get(oid)?.parent ?? []) await mark(parent, out ? INCLUDED : EXCLUDED);
  }
  return order.filter((oid) => !excluded(oid)).map((oid) => ({ oid, commit: commits.get(oid) as CommitObject }));
}
