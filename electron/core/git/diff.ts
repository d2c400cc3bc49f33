/**
 * Diffs between two commits for the UI and the reviews: name-status plus, optionally, contents
 * and a unified patch. Subtrees with the same oid on both sides are skipped without being read,
 * so a diff costs O(changed paths), like `git diff --name-status`.
 */
import { createTwoFilesPatch } from 'diff';
import { decodeText, isBinary } from './merge-text.ts';
import { differingEntries, readBlob, readTreeEntries, readTreeRaw, type Entry } from './objects.ts';
import type { RepoCtx } from './repo-fs.ts';

export const DIFF_CONTENT_CAP = 1024 * 1024;

export interface FileDiff {
  path: string;
  status: 'A' | 'M' | 'D';
  binary: boolean;
  oldContent: string | null;
  newContent: string | null;
  /** A side was larger than the cap: contents are cut at the cap and no patch is made. */
  truncated: boolean;
  /** Each side's full size, so a truncated side can say how much of it is shown; null when absent or not read. */
  oldSize: BlobSize | null;
  newSize: BlobSize | null;
  patch: string | null;
  oldOid: string | null;
  newOid: string | null;
  oldMode: string | null;
  newMode: string | null;
}

/** Bytes, and lines for text (null for binary). */
export interface BlobSize {
  bytes: number;
  lines: number | null;
}

interface RawChange {
  path: string;
  old: Entry | undefined;
  new: Entry | undefined;
}

/** The [left, right] entries that differ between two trees, by name. */
async function changedEntries(
  ctx: RepoCtx,
  a: string | null,
  b: string | null,
): Promise<Array<[Entry | undefined, Entry | undefined]>> {
  const [rawA, rawB] = await Promise.all([readTreeRaw(ctx, a), readTreeRaw(ctx, b)]);
  if (rawA && rawB) return differingEntries(rawA, rawB);
  const [left, right] = await Promise.all([readTreeEntries(ctx, a), readTreeEntries(ctx, b)]);
  const l = new Map(left.map((e) => [e.path, e]));
  const r = new Map(right.map((e) => [e.path, e]));
  const out: Array<[Entry | undefined, Entry | undefined]> = [];
  for (const name of new Set([...l.keys(), ...r.keys()])) {
    const x = l.get(name);
    const y = r.get(name);
    if (x?.oid === y?.oid && x?.mode === y?.mode) continue;
    out.push([x, y]);
  }
  return out;
}

async function collect(
  ctx: RepoCtx,
  a: string | null,
  b: string | null,
  prefix: string,
  out: RawChange[],
): Promise<void> {
  if (a === b) return;
  const subtrees: Promise<void>[] = [];
  for (const [x, y] of await changedEntries(ctx, a, b)) {
    const name = (x ?? y)?.path ?? '';
    const xTree = x?.type === 'tree' ? x.oid : null;
    const yTree = y?.type === 'tree' ? y.oid : null;
    if (xTree !== null || yTree !== null) subtrees.push(collect(ctx, xTree, yTree, `${prefix}${name}/`, out));
    // A file on one side that is (or replaces) a directory on the other is its own add/delete.
    const xFile = x && x.type !== 'tree' ? x : undefined;
    const yFile = y && y.type !== 'tree' ? y : undefined;
    if (xFile || yFile) out.push({ path: prefix + name, old: xFile, new: yFile });
  }
  await Promise.all(subtrees);
}

/** Lines as an editor counts them: a last line without a newline still counts. */
function lineCount(bytes: Uint8Array): number {
  let n = 0;
  for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) n += 1;
  return bytes.byteLength > 0 && bytes[bytes.byteLength - 1] !== 0x0a ? n + 1 : n;
}

/** Bytes → text capped at `cap` bytes (cut on a UTF-8 boundary), or null for binary; with the full size. */
function capText(
  bytes: Uint8Array,
  cap: number,
): { text: string | null; truncated: boolean; binary: boolean; size: BlobSize } {
  if (isBinary(bytes))
    return {
      text: null,
      truncated: bytes.byteLength > cap,
      binary: true,
      size: { bytes: bytes.byteLength, lines: null },
    };
  const truncated = bytes.byteLength > cap;
  let slice = truncated ? bytes.subarray(0, cap) : bytes;
  // Back off over UTF-8 continuation bytes so the cut never splits a character.
  if (truncated) {
    let end = slice.byteLength;
    while (end > 0 && ((slice[end - 1] ?? 0) & 0xc0) === 0x80) end -= 1;
    if (end > 0 && ((slice[end - 1] ?? 0) & 0x80) !== 0) end -= 1;
    slice = slice.subarray(0, end);
  }
  const text = decodeText(slice);
  return {
    text,
    truncated,
    binary: text === null,
    size: { bytes: bytes.byteLength, lines: text === null ? null : lineCount(bytes) },
  };
}

export async function diffTrees(
  ctx: RepoCtx,
  input: { from: string | null; to: string | null; content?: boolean; patch?: boolean; cap?: number },
): Promise<FileDiff[]> {
  const raw: RawChange[] = [];
  await collect(ctx, input.from, input.to, '', raw);
  raw.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const cap = input.cap ?? DIFF_CONTENT_CAP;
  const withContent = input.content ?? true;
  const withPatch = input.patch ?? true;
  return Promise.all(
    raw.map(async (c): Promise<FileDiff> => {
      const status = c.old === undefined ? 'A' : c.new === undefined ? 'D' : 'M';
      const base: FileDiff = {
        path: c.path,
        status,
        binary: false,
        oldContent: null,
        newContent: null,
        truncated: false,
        oldSize: null,
        newSize: null,
        patch: null,
        oldOid: c.old?.oid ?? null,
        newOid: c.new?.oid ?? null,
        oldMode: c.old?.mode ?? null,
        newMode: c.new?.mode ?? null,
      };
      // Submodule entries point at commits that are not in this repository.
      const readable = (e: Entry | undefined): e is Entry => e !== undefined && e.type === 'blob';
      if (!withContent) return base;
      const [oldSide, newSide] = await Promise.all(
        [c.old, c.new].map(async (e) => (readable(e) ? capText(await readBlob(ctx, e.oid), cap) : null)),
      );
      const binary = (oldSide?.binary ?? false) || (newSide?.binary ?? false);
      const truncated = (oldSide?.truncated ?? false) || (newSide?.truncated ?? false);
      const oldContent = binary ? null : (oldSide?.text ?? null);
      const newContent = binary ? null : (newSide?.text ?? null);
      const patch =
        binary || truncated || !withPatch
          ? null
          : createTwoFilesPatch(
              c.old ? `a/${c.path}` : '/dev/null',
              c.new ? `b/${c.path}` : '/dev/null',
              oldContent ?? '',
              newContent ?? '',
            );
      const sizeOf = (side: typeof oldSide) =>
        side ? { bytes: side.size.bytes, lines: binary ? null : side.size.lines } : null;
      return {
        ...base,
        binary,
        truncated,
        oldContent,
        newContent,
        oldSize: sizeOf(oldSide),
        newSize: sizeOf(newSide),
        patch,
      };
    }),
  );
}
