/**
 * Sealed segments of the append-only audit JSONL files. A stream such as `audit/commands.jsonl` (or a phase's
 * `audit/handoffs/phase-1.jsonl`) keeps its newest 1 to SEGMENT_LINES lines under its own name; the lines
 * before them sit in sealed segments of exactly SEGMENT_LINES lines, `audit/commands/000001.jsonl`, … which
 * never change again. Reading the segments in order, then the stream's own file, gives every record.
 *
 * Why: git stores a changed file whole, so a promotion that committed `audit/*.jsonl` whole read, hashed and
 * deflated every record ever written (20 MB at 100k events). Now it writes what changed since the last
 * commit: the small current files and the segments sealed since, and keeps the others' blob ids unread.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Lines per sealed segment: a few hundred kB, so a commit's current files stay small. */
export const SEGMENT_LINES = 1000;

/** The folder of a stream's sealed segments: its path without `.jsonl`. */
export function segmentDir(stream: string): string {
  return stream.replace(/\.jsonl$/, '');
}

/** The path of a stream's `n`th sealed segment (1-based). */
export function segmentPath(stream: string, n: number): string {
  return `${segmentDir(stream)}/${String(n).padStart(6, '0')}.jsonl`;
}

/** A segment file's number, or null when the name is not a segment's. */
export function segmentNumber(name: string): number | null {
  const m = /^(\d{6})\.jsonl$/.exec(name);
  return m ? Number(m[1]) : null;
}

/**
 * A stream's lines split as the files hold them: every full segment sealed except the newest lines, so the
 * current file always holds 1 to `per` lines. Returns [path, content] for the segments, then the stream.
 */
export function splitStream(stream: string, lines: readonly string[], per = SEGMENT_LINES): Array<[string, string]> {
  const sealed = lines.length === 0 ? 0 : Math.floor((lines.length - 1) / per);
  const out: Array<[string, string]> = [];
  for (let n = 1; n <= sealed; n++) out.push([segmentPath(stream, n), lines.slice((n - 1) * per, n * per).join('')]);
  out.push([stream, lines.slice(sealed * per).join('')]);
  return out;
}

/** The paths of a stream's sealed segments in project `dir`, in reading order (none when there are none). */
export async function sealedSegments(dir: string, stream: string): Promise<string[]> {
  const names = await readdir(join(dir, segmentDir(stream))).catch(() => [] as string[]);
  return names
    .map(segmentNumber)
    .filter((n): n is number => n !== null)
    .sort((a, b) => a - b)
    .map((n) => segmentPath(stream, n));
}
