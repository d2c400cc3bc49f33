/**
 * Small, pure formatting helpers shared by every renderer.
 * Nothing here reads a clock or the file system: dates come from timestamps in the snapshot.
 */
import type { ProjectSnapshot } from '../snapshot.ts';

/** Joins lines into a file body ending in exactly one newline (trailing blank lines dropped). */
export function finish(lines: readonly string[]): string {
  // trimEnd drops exactly what /\s+$/u matches (white space and line terminators), without a regex scan.
  return `${lines.join('\n').trimEnd()}\n`;
}

/**
 * One section of a document: its lines, a pure function of the snapshot. A document made of sections is
 * `finish(sections.flatMap((f) => f(s)))`; the exporter re-runs only the sections whose inputs changed.
 */
export type Section = (s: ProjectSnapshot) => string[];

/** Normalises line endings so a document written on Windows renders like any other. */
export function normaliseNewlines(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/** The `YYYY-MM-DD` part of an ISO timestamp. */
export function dateOf(ts: string): string {
  return ts.slice(0, 10);
}

/** `2025-10-29 10:56 UTC`, the seed's `/status` form; the timestamp is already UTC. */
export function dateTimeOf(ts: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(ts);
  return m ? `${m[1]} ${m[2]} UTC` : ts;
}

/**
 * Chronological comparison of two timestamps.
 * Plain string comparison would put `08:14:00.5Z` before `08:14:00Z`, so parse first;
 * equal or unparsable instants fall back to the string so the order stays total.
 */
export function compareTs(a: string, b: string): number {
  const x = Date.parse(a);
  const y = Date.parse(b);
  if (Number.isFinite(x) && Number.isFinite(y) && x !== y) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A stable chronological sort (oldest first) that leaves ledger order intact for equal instants. */
export function byTime<T>(items: readonly T[], ts: (item: T) => string): T[] {
  // compareTs with each instant parsed once, not twice per comparison: the exports sort every decision.
  return items
    .map((item, index) => {
      const at = ts(item);
      return { item, index, at, ms: Date.parse(at) };
    })
    .sort((p, q) => {
      if (Number.isFinite(p.ms) && Number.isFinite(q.ms) && p.ms !== q.ms) return p.ms - q.ms;
      return (p.at < q.at ? -1 : p.at > q.at ? 1 : 0) || p.index - q.index;
    })
    .map((p) => p.item);
}

/** Collapses any whitespace run (newlines included) to one space, for one-line contexts. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * First `max` characters of a one-line version of `text`, cut on code points so emoji survive. Only as much
 * of a long text is flattened as the excerpt needs: a prefix whose one-line form holds more than `max` code
 * points decides the excerpt as the whole text would (a whitespace run cut at its end is only trimmed away
 * past the cut). The exports excerpt every response and answer they show, some of them whole test logs.
 */
export function excerpt(text: string, max = 120): string {
  let take = max * 4;
  let flat = Array.from(oneLine(take < text.length ? text.slice(0, take) : text));
  while (take < text.length && flat.length <= max) {
    take *= 4;
    flat = Array.from(oneLine(take < text.length ? text.slice(0, take) : text));
  }
  return flat.length <= max
    ? flat.join('')
    : `${flat
        .slice(0, max - 1)
        .join('')
        .trimEnd()}…`;
}

/** Escapes a value for a GitHub-flavoured table cell: pipes would split the cell, newlines the row. */
export function cell(text: string): string {
  const flat = oneLine(text).replace(/\|/g, '\\|');
  return flat === '' ? '—' : flat;
}

/** A GitHub-flavoured markdown table; cells are escaped here so callers pass raw text. */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  const line = (cells: readonly string[]): string => `| ${cells.map(cell).join(' | ')} |`;
  return [line(headers), `|${headers.map(() => '---').join('|')}|`, ...rows.map(line)];
}

/** Inline code that survives backticks inside the text. */
export function code(text: string): string {
  const flat = oneLine(text);
  const longest = Math.max(0, ...Array.from(flat.matchAll(/`+/g), (m) => m[0].length));
  const ticks = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${ticks}${pad}${flat}${pad}${ticks}`;
}

/** A fenced block whose fence is longer than any backtick run inside, so output cannot break out. */
export function fenced(text: string, lang = 'text'): string[] {
  const body = normaliseNewlines(text).replace(/\n+$/, '');
  const longest = Math.max(0, ...Array.from(body.matchAll(/`{3,}/g), (m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [`${fence}${lang}`, ...body.split('\n'), fence];
}

/** Prefixes every line with `> ` (an empty line becomes a bare `>` so the quote stays one block). */
export function quote(text: string): string[] {
  return normaliseNewlines(text)
    .replace(/\n+$/, '')
    .split('\n')
    .map((l) => (l.trim() === '' ? '>' : `> ${l}`));
}

export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** `87` → `87%`, `87.456` → `87.5%`: whole numbers stay whole, others keep one decimal. */
export function percent(value: number): string {
  const rounded = Math.round(value * 10) / 10;
  return `${Number.isInteger(rounded) ? rounded.toFixed(0) : rounded.toFixed(1)}%`;
}

/** A signed percentage such as `+1.2%` or `-0.4%`, the seed's drift notation. */
export function signedPercent(value: number): string {
  const text = percent(Math.abs(value));
  if (text === '0%') return '0%';
  return `${value < 0 ? '-' : '+'}${text}`;
}

/** `1234` ms → `1.23 s`; short durations stay in ms so fast unit tests still read sensibly. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** `1 test`, `2 tests`. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/**
 * A markdown link to a project-relative path from a document in `fromDir` ('' for the root),
 * written relative to that document so it resolves on GitHub and in editors. URLs pass through.
 */
export function link(target: string, fromDir: string, label = target): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return `[${label}](${target})`;
  const [pathPart = '', anchor] = target.replace(/^\.?\//, '').split('#', 2);
  const to = pathPart.split('/').filter(Boolean);
  const from = fromDir.split('/').filter(Boolean);
  let common = 0;
  // The file name itself is never a shared directory, hence `to.length - 1`.
  while (common < from.length && common < to.length - 1 && from[common] === to[common]) common += 1;
  const rel = [...from.slice(common).map(() => '..'), ...to.slice(common)].join('/');
  return `[${label}](${rel.replace(/ /g, '%20')}${anchor ? `#${anchor}` : ''})`;
}
