/**
 * Reads a coverage total from the three formats a policy may name: lcov,
 * Cobertura XML and Istanbul's `coverage-summary.json`. The format is detected
 * from the content, not the file name, because tools write all sorts of names.
 *
 * Rules shared by the formats, so drift compares like with like:
 * - `pct` is computed here from covered/total (rounded to 2 decimals), never
 *   copied, because Istanbul writes "Unknown" and Cobertura rates are rounded;
 * - no lines at all is 100 % (nothing to cover); no branches at all is `null`
 *   (coverage.py without `--branch` writes `branches-valid="0"`: not measured).
 */
import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { z } from 'zod';
import { parseCobertura } from './coverage-cobertura.ts';
import { type CoverageFormat, type CoverageResult, branchCounter, counter } from './coverage-counters.ts';

export type { CoverageResult, CoverageSummary } from './coverage-counters.ts';

const SNIFF_BYTES = 4096;

function errorCode(err: unknown): string | null {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : null;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** First bytes only: enough to tell the formats apart without reading a big file twice. */
async function sniff(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    return buffer
      .subarray(0, bytesRead)
      .toString('utf8')
      .replace(/^\uFEFF/, '');
  } finally {
    await handle.close();
  }
}

const LCOV_FIRST_RECORDS = ['TN:', 'SF:'];

function detect(head: string): CoverageFormat | null {
  const text = head.trimStart();
  if (text.startsWith('{')) return 'istanbul-summary';
  if (text.startsWith('<')) return 'cobertura'; // confirmed by the root element when parsed
  const firstLine = text.split('\n', 1)[0] ?? '';
  return LCOV_FIRST_RECORDS.some((p) => firstLine.startsWith(p)) ? 'lcov' : null;
}

/**
 * `read`: the whole file's bytes, when the caller reads it anyway (the QA gate hashes every report): then the
 * file is read once for the sniff, the parse and the hash. Without it, a big lcov file is streamed.
 */
export async function parseCoverageFile(
  path: string,
  read?: (path: string) => Promise<Buffer>,
): Promise<CoverageResult> {
  let head: string;
  let whole: string | null = null;
  try {
    if (read) {
      const bytes = await read(path);
      whole = bytes.toString('utf8');
      head = bytes
        .subarray(0, SNIFF_BYTES)
        .toString('utf8')
        .replace(/^\uFEFF/, '');
    } else head = await sniff(path);
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOENT') return { problem: `coverage file not found: ${path}` };
    if (code === 'EISDIR') return { problem: `coverage path is a directory, not a file: ${path}` };
    return { problem: `could not read coverage file ${path}: ${errorText(err)}` };
  }
  if (head.trim() === '') return { problem: `coverage file ${path} is empty` };

  try {
    switch (detect(head)) {
      case 'lcov':
        return await parseLcov(path, whole);
      case 'cobertura':
        return parseCobertura(whole ?? (await readFile(path, 'utf8')), path);
      case 'istanbul-summary':
        return parseIstanbulSummary(whole ?? (await readFile(path, 'utf8')), path);
      case null:
        return {
          problem:
            `coverage file ${path} is not in a known format (lcov, Cobertura XML or Istanbul ` +
            `coverage-summary.json)`,
        };
    }
  } catch (err) {
    return { problem: `could not read coverage file ${path}: ${errorText(err)}` };
  }
}

// ---------------------------------------------------------------- lcov

interface LcovFile {
  lf: number;
  lh: number;
  brf: number;
  brh: number;
}

/** Integer after "KEY:", or after the n-th comma of the value; NaN-safe. */
function intAfter(line: string, from: number): number {
  const n = Number.parseInt(line.slice(from), 10);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/** Collects one SF…end_of_record block; summary records (LF/LH/BRF/BRH) win over counting DA/BRDA. */
class LcovRecord {
  file: string | null = null;
  lf: number | null = null;
  lh: number | null = null;
  brf: number | null = null;
  brh: number | null = null;
  da = 0;
  daHit = 0;
  brda = 0;
  brdaHit = 0;

  line(text: string): void {
    if (text.startsWith('DA:')) {
      this.da++;
      const comma = text.indexOf(',', 3);
      if (comma !== -1 && intAfter(text, comma + 1) > 0) this.daHit++;
    } else if (text.startsWith('BRDA:')) {
      this.brda++;
      // BRDA:line,block,branch,taken — "-" means the line never ran.
      const taken = text.slice(text.lastIndexOf(',') + 1);
      if (taken !== '-' && intAfter(taken, 0) > 0) this.brdaHit++;
    } else if (text.startsWith('SF:')) this.file = text.slice(3);
    else if (text.startsWith('LF:')) this.lf = intAfter(text, 3);
    else if (text.startsWith('LH:')) this.lh = intAfter(text, 3);
    else if (text.startsWith('BRF:')) this.brf = intAfter(text, 4);
    else if (text.startsWith('BRH:')) this.brh = intAfter(text, 4);
  }

  result(): LcovFile {
    return {
      lf: this.lf ?? this.da,
      lh: this.lh ?? this.daHit,
      brf: this.brf ?? this.brda,
      brh: this.brh ?? this.brdaHit,
    };
  }
}

/**
 * Streams the file and scans it line by line: a 5,000-file report is tens of
 * megabytes and only a handful of fields per record matter.
 */
async function parseLcov(path: string, whole: string | null): Promise<CoverageResult> {
  const files = new Map<string, LcovFile>();
  let unnamed = 0;
  let record = new LcovRecord();
  let touched = false;

  const commit = (): void => {
    if (!touched) return;
    const result = record.result();
    const name = record.file ?? `\u0000unnamed-${unnamed++}`;
    const previous = files.get(name);
    // The same SF twice (reports concatenated from several runs) describes the
    // same lines: take the larger counts instead of adding them twice.
    files.set(
      name,
      previous
        ? {
            lf: Math.max(previous.lf, result.lf),
            lh: Math.max(previous.lh, result.lh),
            brf: Math.max(previous.brf, result.brf),
            brh: Math.max(previous.brh, result.brh),
          }
        : result,
    );
    record = new LcovRecord();
    touched = false;
  };

  const handle = (raw: string): void => {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text === 'end_of_record') {
      commit();
      return;
    }
    if (text.length === 0 || text.startsWith('TN:')) return;
    touched = true;
    record.line(text);
  };

  let rest = '';
  const chunks = whole !== null ? [whole] : createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  for await (const chunk of chunks) {
    const text = rest + (chunk as string);
    let start = 0;
    let newline = text.indexOf('\n');
    while (newline !== -1) {
      handle(text.slice(start, newline));
      start = newline + 1;
      newline = text.indexOf('\n', start);
    }
    rest = text.slice(start);
  }
  if (rest !== '') handle(rest);
  commit(); // a last record without end_of_record still counts

  let lf = 0;
  let lh = 0;
  let brf = 0;
  let brh = 0;
  for (const f of files.values()) {
    lf += f.lf;
    lh += f.lh;
    brf += f.brf;
    brh += f.brh;
  }
  return { lines: counter(lh, lf), branches: branchCounter(brh, brf), files: files.size, format: 'lcov' };
}

// ---------------------------------------------------------------- Istanbul json-summary

const IstanbulCounter = z.object({ total: z.number().nonnegative(), covered: z.number().nonnegative() });
const IstanbulSummary = z.object({
  total: z.object({ lines: IstanbulCounter, branches: IstanbulCounter.optional() }),
});

function parseIstanbulSummary(text: string, path: string): CoverageResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { problem: `malformed JSON in coverage file ${path}: ${errorText(err)}` };
  }
  const parsed = IstanbulSummary.safeParse(json);
  if (!parsed.success) {
    return {
      problem:
        `coverage file ${path} is JSON but not an Istanbul coverage-summary.json (no total.lines ` +
        `with covered/total; coverage-final.json needs the json-summary reporter)`,
    };
  }
  const { lines, branches } = parsed.data.total;
  const files =
    typeof json === 'object' && json !== null && !Array.isArray(json)
      ? Object.keys(json).filter((k) => k !== 'total').length
      : 0;
  return {
    lines: counter(lines.covered, lines.total),
    branches: branches ? branchCounter(branches.covered, branches.total) : null,
    files,
    format: 'istanbul-summary',
  };
}
