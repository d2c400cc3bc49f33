/**
 * Revisions as a person types them: `a1b2c3d` (an abbreviated sha), a full oid, a branch or tag,
 * `HEAD`, followed by any chain of `^`, `^N`, `~` and `~N` (`main~2`, `v0.1.0^`, `a1b2c3d^2`).
 * Read-only. Unlike resolveCommitish (what the engine speaks: exact names and full oids), a miss
 * comes back as a sentence the UI can show as it is.
 */
import { iso } from './iso.ts';
import { peelToCommit, readCommit } from './objects.ts';
import { resolveCommitish } from './ref-store.ts';
import type { RepoCtx } from './repo-fs.ts';

export type RevParse = { ok: true; oid: string } | { ok: false; reason: string };

/** The trailing navigation steps: `^`, `^N`, `~`, `~N`. Neither `^` nor `~` can occur in a ref name. */
const STEP = /(\^|~)(\d*)$/;
/** git abbreviates to 7 but accepts 4; shorter than that matches too much to mean anything. */
const SHORT_OID = /^[0-9a-f]{4,39}$/i;

const codeOf = (err: unknown): unknown => (err instanceof Error ? (err as Error & { code?: unknown }).code : undefined);

/** The commit an abbreviated sha names. Like git in a commit context, an ambiguity among objects of other kinds is no ambiguity. */
async function expandShort(ctx: RepoCtx, short: string): Promise<RevParse> {
  const prefix = short.toLowerCase();
  try {
    const oid = await (await iso()).expandOid({ fs: ctx.fs, gitdir: ctx.gitdir, oid: prefix, cache: ctx.cache });
    const commit = await peelToCommit(ctx, oid).catch(() => null);
    return commit ? { ok: true, oid: commit } : { ok: false, reason: `${short} is not a commit` };
  } catch (err) {
    if (codeOf(err) !== 'AmbiguousError') return { ok: false, reason: `no such commit: ${short}` };
    const matches = ((err as Error & { data?: { matches?: unknown } }).data?.matches ?? []) as string[];
    const commits = new Set<string>();
    for (const m of matches) {
      const c = await peelToCommit(ctx, m).catch(() => null);
      if (c) commits.add(c);
    }
    if (commits.size === 1) return { ok: true, oid: [...commits][0] ?? '' };
    return {
      ok: false,
      reason: `${short} is ambiguous: ${commits.size || matches.length} objects start with it; type more of the sha`,
    };
  }
}

async function resolveBase(ctx: RepoCtx, name: string): Promise<RevParse> {
  if (name === '') return { ok: false, reason: 'no revision given' };
  // A branch or tag named like a sha (`cafe`) wins, as in git.
  const exact = await resolveCommitish(ctx, name).catch((err: unknown) => err);
  if (typeof exact === 'string') return { ok: true, oid: exact };
  if (exact instanceof Error) return { ok: false, reason: exact.message };
  if (SHORT_OID.test(name)) return expandShort(ctx, name);
  return { ok: false, reason: `no such commit: ${name}` };
}

/** `text` → the commit oid, or the reason it names none ("no such commit: abc123"). */
export async function revParse(ctx: RepoCtx, text: string): Promise<RevParse> {
  const input = text.trim();
  const steps: Array<{ op: '^' | '~'; n: number }> = [];
  let base = input;
  for (let m = STEP.exec(base); m; m = STEP.exec(base)) {
    steps.unshift({ op: m[1] === '^' ? '^' : '~', n: m[2] === '' ? 1 : Number(m[2]) });
    base = base.slice(0, m.index);
  }
  const start = await resolveBase(ctx, base);
  if (!start.ok) return start;
  let oid = start.oid;
  for (const { op, n } of steps) {
    // `^N` is the Nth parent (`^0` the commit itself); `~N` walks N first parents back.
    const hops = op === '^' ? (n === 0 ? [] : [n]) : Array.from({ length: n }, () => 1);
    for (const parent of hops) {
      const next = (await readCommit(ctx, oid)).parent[parent - 1];
      if (next === undefined)
        return {
          ok: false,
          reason: `no such commit: ${input} (${oid.slice(0, 7)} has ${parent > 1 ? `no parent #${parent}` : 'no parent'})`,
        };
      oid = next;
    }
  }
  return { ok: true, oid };
}
