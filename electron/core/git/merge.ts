/**
 * Three-way tree merge, computed from objects only.
 *
 * Why not `git.merge`: it takes the lock on the user's `.git/index` (and refuses while the user
 * has unmerged paths), walks every path of the repository, and throws MergeNotSupportedError
 * rather than naming add/add, file/directory or symlink conflicts. This merge touches neither the
 * index nor the working tree, skips any subtree whose oid did not change on one side, and
 * writes nothing at all when there is a conflict: the plan is built first, written only if clean.
 */
import { findMergeBase } from './commits.ts';
import type { Signature } from './message.ts';
import {
  MODE_EXEC,
  MODE_FILE,
  isAncestor,
  readBlob,
  readTreeEntries,
  treeOfCommit,
  writeBlob,
  writeCommitObject,
  writeTree,
  type Entry,
} from './objects.ts';
import { diffTrees } from './diff.ts';
import { decodeText, mergeText } from './merge-text.ts';
import type { RepoCtx } from './repo-fs.ts';

/** A tree entry of the result: reused as is, new blob content, or a subtree still to be written. */
type Planned =
  | { name: string; mode: string; type: Entry['type']; oid: string }
  | { name: string; mode: string; type: 'blob'; content: Uint8Array }
  | { name: string; type: 'tree'; children: Planned[] };

export type TreeMergeResult = { ok: true; tree: string } | { ok: false; conflicts: string[] };

/**
 * How to settle a path both sides changed differently, instead of calling it a conflict: a promotion
 * takes the ledger's exports from the side that carries them, and keeps the human's own configuration.
 */
export type ConflictRule = (path: string) => 'ours' | 'theirs' | undefined;

function same(a: Entry | undefined, b: Entry | undefined): boolean {
  return a?.oid === b?.oid && a?.mode === b?.mode;
}

const isRegular = (e: Entry | undefined): e is Entry =>
  e !== undefined && (e.mode === MODE_FILE || e.mode === MODE_EXEC);
const isTreeOrAbsent = (e: Entry | undefined): boolean => e === undefined || e.type === 'tree';

function reuse(e: Entry): Planned {
  return { name: e.path, mode: e.mode, type: e.type, oid: e.oid };
}

export async function mergeTrees(
  ctx: RepoCtx,
  base: string | null,
  ours: string | null,
  theirs: string | null,
  rule?: ConflictRule,
): Promise<TreeMergeResult> {
  if (ours !== null && ours === theirs) return { ok: true, tree: ours };
  if (base === ours && theirs !== null) return { ok: true, tree: theirs };
  if (base === theirs && ours !== null) return { ok: true, tree: ours };
  const conflicts: string[] = [];
  const plan = await mergeDir(ctx, base, ours, theirs, '', conflicts, rule);
  if (conflicts.length > 0) return { ok: false, conflicts: conflicts.sort() };
  return { ok: true, tree: await writePlan(ctx, plan) };
}

async function mergeDir(
  ctx: RepoCtx,
  base: string | null,
  ours: string | null,
  theirs: string | null,
  prefix: string,
  conflicts: string[],
  rule: ConflictRule | undefined,
): Promise<Planned[]> {
  const [b, o, t] = (await Promise.all(
    [base, ours, theirs].map(async (oid) => {
      const entries = await readTreeEntries(ctx, oid);
      return new Map(entries.map((e) => [e.path, e]));
    }),
  )) as [Map<string, Entry>, Map<string, Entry>, Map<string, Entry>];
  const names = [...new Set([...b.keys(), ...o.keys(), ...t.keys()])];
  const results = await Promise.all(
    names.map((name) => mergeEntry(ctx, name, b.get(name), o.get(name), t.get(name), prefix, conflicts, rule)),
  );
  return results.filter((p): p is Planned => p !== null);
}

async function mergeEntry(
  ctx: RepoCtx,
  name: string,
  eb: Entry | undefined,
  eo: Entry | undefined,
  et: Entry | undefined,
  prefix: string,
  conflicts: string[],
  rule: ConflictRule | undefined,
): Promise<Planned | null> {
  // One side left the entry as it was in the base: take the other side (possibly a deletion).
  // Equal oids mean equal subtrees, so unchanged directories are never opened.
  if (same(eo, et)) return eo ? reuse(eo) : null;
  if (same(eb, eo)) return et ? reuse(et) : null;
  if (same(eb, et)) return eo ? reuse(eo) : null;
  const path = prefix + name;

  // Directories on both sides (or a directory against a deletion): merge file by file, so a
  // conflict names the files, and a directory deleted on one side only loses what was unchanged.
  if (isTreeOrAbsent(eb) && isTreeOrAbsent(eo) && isTreeOrAbsent(et)) {
    const [b, o, t] = [eb?.oid ?? null, eo?.oid ?? null, et?.oid ?? null];
    const children = await mergeDir(ctx, b, o, t, `${path}/`, conflicts, rule);
    return children.length > 0 ? { name, type: 'tree', children } : null;
  }

  // Both sides changed it, differently: a rule that knows whose path it is decides outright (no text merge).
  const side = rule?.(path);
  if (side === 'theirs') return et ? reuse(et) : null;
  if (side === 'ours') return eo ? reuse(eo) : null;

  if (isRegular(eb) && isRegular(eo) && isRegular(et)) {
    const mode = eo.mode === eb.mode ? et.mode : et.mode === eb.mode ? eo.mode : eo.mode === et.mode ? eo.mode : null;
    if (mode === null) {
      conflicts.push(path);
      return null;
    }
    if (eo.oid === et.oid || et.oid === eb.oid) return { name, mode, type: 'blob', oid: eo.oid };
    if (eo.oid === eb.oid) return { name, mode, type: 'blob', oid: et.oid };
    const [base, ours, theirs] = (await Promise.all(
      [eb, eo, et].map(async (e) => decodeText(await readBlob(ctx, e.oid))),
    )) as [string | null, string | null, string | null];
    if (base !== null && ours !== null && theirs !== null) {
      const merged = mergeText(base, ours, theirs);
      if (merged.clean) return { name, mode, type: 'blob', content: Buffer.from(merged.text, 'utf8') };
    }
  }

  // Modify/delete, add/add with different content, file ↔ directory, symlinks, submodules,
  // binary or overlapping edits: a human (or an agent) has to decide.
  conflicts.push(path);
  return null;
}

async function writePlan(ctx: RepoCtx, plan: Planned[]): Promise<string> {
  const entries = await Promise.all(
    plan.map(async (p): Promise<Entry> => {
      if ('children' in p) return { mode: '040000', path: p.name, type: 'tree', oid: await writePlan(ctx, p.children) };
      if ('content' in p) return { mode: p.mode, path: p.name, type: 'blob', oid: await writeBlob(ctx, p.content) };
      return { mode: p.mode, path: p.name, type: p.type, oid: p.oid };
    }),
  );
  return writeTree(ctx, entries);
}

export type MergeStep =
  | { ok: true; oid: string; parents: [string, string] | null; alreadyMerged: boolean }
  | { ok: false; conflicts: string[]; reason: string };

/**
 * A no-fast-forward merge commit of `theirs` onto `oursOid`, first parent = ours. Writes the
 * commit object only; moving a ref is the caller's business. A `theirs` already contained in
 * ours yields ours unchanged (an empty merge commit would record nothing).
 */
export async function mergeCommitOnto(
  ctx: RepoCtx,
  input: { oursOid: string; theirsOid: string; message: string; author: Signature; rule?: ConflictRule | undefined },
): Promise<MergeStep> {
  const { oursOid, theirsOid } = input;
  if (await isAncestor(ctx, theirsOid, oursOid)) return { ok: true, oid: oursOid, parents: null, alreadyMerged: true };
  const bases = await findMergeBase(ctx, [oursOid, theirsOid]);
  const base = bases[0];
  if (typeof base !== 'string')
    return { ok: false, conflicts: [], reason: 'unrelated histories: the branches share no commit' };
  if (bases.length > 1) {
    return {
      ok: false,
      conflicts: [],
      reason: `criss-cross history: ${bases.length} merge bases (recursive merge is not supported)`,
    };
  }
  const [baseTree, oursTree, theirsTree] = await Promise.all(
    [base, oursOid, theirsOid].map((c) => treeOfCommit(ctx, c)),
  );
  const merged = await mergeTrees(ctx, baseTree ?? null, oursTree ?? null, theirsTree ?? null, input.rule);
  if (!merged.ok)
    return { ok: false, conflicts: merged.conflicts, reason: `merge conflict in ${merged.conflicts.length} path(s)` };
  const oid = await writeCommitObject(ctx, {
    message: input.message,
    tree: merged.tree,
    parent: [oursOid, theirsOid],
    author: input.author,
    committer: input.author,
  });
  return { ok: true, oid, parents: [oursOid, theirsOid], alreadyMerged: false };
}

export type MergePreview = { ok: true; changed: string[] } | { ok: false; conflicts: string[]; reason: string };

/**
 * What merging `theirs` into `ours` would give, without writing a commit or moving a ref: the conflicts,
 * or the paths the merge would change on `ours`. Trees are written only when the merge is clean.
 */
export async function previewMerge(
  ctx: RepoCtx,
  input: { ours: string; theirs: string; rule?: ConflictRule | undefined; names: [string, string] },
): Promise<MergePreview> {
  const { ours, theirs } = input;
  const [oursName, theirsName] = input.names;
  if (await isAncestor(ctx, theirs, ours)) return { ok: true, changed: [] };
  const bases = await findMergeBase(ctx, [ours, theirs]);
  const base = bases[0];
  const between = `${oursName} and ${theirsName}`;
  if (typeof base !== 'string') return { ok: false, conflicts: [], reason: `${between} share no commit` };
  if (bases.length > 1) {
    return { ok: false, conflicts: [], reason: `criss-cross history: ${bases.length} merge bases between ${between}` };
  }
  const [baseTree, oursTree, theirsTree] = await Promise.all([base, ours, theirs].map((c) => treeOfCommit(ctx, c)));
  // Planned, not written: a preview's tree is never committed, and an object nobody refers to is what
  // `git fsck` reports as dangling (the merge that follows writes its own).
  const conflicts: string[] = [];
  const plan = await mergeDir(ctx, baseTree ?? null, oursTree ?? null, theirsTree ?? null, '', conflicts, input.rule);
  if (conflicts.length > 0) {
    return { ok: false, conflicts: conflicts.sort(), reason: `merge conflict in ${conflicts.length} path(s)` };
  }
  return { ok: true, changed: (await plannedChanges(ctx, oursTree ?? null, plan, '')).sort() };
}

/** The paths where a merge plan differs from the tree `ours`, read without writing an object. */
async function plannedChanges(ctx: RepoCtx, ours: string | null, plan: Planned[], prefix: string): Promise<string[]> {
  const mine = new Map((await readTreeEntries(ctx, ours)).map((e) => [e.path, e]));
  const out: string[] = [];
  const within = async (from: string | null, to: string | null, at: string) =>
    (await diffTrees(ctx, { from, to, content: false })).map((d) => `${at}/${d.path}`);
  for (const p of plan) {
    const path = prefix + p.name;
    const e = mine.get(p.name);
    mine.delete(p.name);
    if ('children' in p) {
      if (e && e.type !== 'tree') out.push(path);
      out.push(...(await plannedChanges(ctx, e?.type === 'tree' ? e.oid : null, p.children, `${path}/`)));
    } else if ('content' in p) {
      out.push(path);
    } else if (!e || e.oid !== p.oid || e.mode !== p.mode) {
      if (p.type === 'tree') out.push(...(await within(e?.type === 'tree' ? e.oid : null, p.oid, path)));
      if (e?.type === 'tree' && p.type !== 'tree') out.push(...(await within(e.oid, null, path)));
      if (p.type !== 'tree') out.push(path);
    }
  }
  // Entries of ours the plan leaves out: deleted by the merge.
  for (const [name, e] of mine)
    out.push(...(e.type === 'tree' ? await within(e.oid, null, prefix + name) : [prefix + name]));
  return out;
}
