/**
 * A line-level three-way merge (diff3) for files both sides changed.
 *
 * isomorphic-git has one, but only inside `git.merge`, which locks and reads the user's index;
 * `diff` (jsdiff) has no three-way merge. The rule follows git's xdiff: two changes conflict when
 * their base ranges overlap or touch, unless both sides made the identical change.
 */
import { diffArrays } from 'diff';

interface Hunk {
  /** Base lines [start, end) are replaced by `lines`. */
  start: number;
  end: number;
  lines: string[];
  side: 0 | 1;
}

export function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

function hunksOf(base: string[], other: string[], side: 0 | 1): Hunk[] {
  const out: Hunk[] = [];
  let pos = 0;
  let current: Hunk | null = null;
  for (const part of diffArrays(base, other)) {
    if (!part.added && !part.removed) {
      if (current) out.push(current);
      current = null;
      pos += part.value.length;
      continue;
    }
    current ??= { start: pos, end: pos, lines: [], side };
    if (part.removed) {
      pos += part.value.length;
      current.end = pos;
    } else {
      current.lines.push(...part.value);
    }
  }
  if (current) out.push(current);
  return out;
}

/** One side's version of base[start, end) with that side's hunks applied. */
function sideText(base: string[], start: number, end: number, hunks: Hunk[]): string {
  const out: string[] = [];
  let pos = start;
  for (const h of hunks) {
    out.push(...base.slice(pos, h.start), ...h.lines);
    pos = h.end;
  }
  out.push(...base.slice(pos, end));
  return out.join('');
}

export type TextMergeResult = { clean: true; text: string } | { clean: false };

export function mergeText(base: string, ours: string, theirs: string): TextMergeResult {
  if (ours === theirs) return { clean: true, text: ours };
  if (base === ours) return { clean: true, text: theirs };
  if (base === theirs) return { clean: true, text: ours };
  const b = splitLines(base);
  const all = [...hunksOf(b, splitLines(ours), 0), ...hunksOf(b, splitLines(theirs), 1)].sort(
    (x, y) => x.start - y.start || x.end - y.end || x.side - y.side,
  );
  const out: string[] = [];
  let pos = 0;
  let i = 0;
  while (i < all.length) {
    const first = all[i] as Hunk;
    const group: Hunk[] = [first];
    let end = first.end;
    i += 1;
    for (let next = all[i]; next !== undefined && next.start <= end; next = all[i]) {
      group.push(next);
      end = Math.max(end, next.end);
      i += 1;
    }
    const start = first.start;
    out.push(...b.slice(pos, start));
    const mine = group.filter((h) => h.side === 0);
    const yours = group.filter((h) => h.side === 1);
    const a = sideText(b, start, end, mine);
    if (yours.length > 0 && mine.length > 0 && a !== sideText(b, start, end, yours)) return { clean: false };
    out.push(mine.length > 0 ? a : sideText(b, start, end, yours));
    pos = end;
  }
  out.push(...b.slice(pos));
  return { clean: true, text: out.join('') };
}

/** NUL in the first 8 KB, as git decides. */
export function isBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.byteLength, 8192);
  for (let i = 0; i < n; i++) if (bytes[i] === 0) return true;
  return false;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Text for merging and patches, or null for binary / non-UTF-8 content. */
export function decodeText(bytes: Uint8Array): string | null {
  if (isBinary(bytes)) return null;
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}
