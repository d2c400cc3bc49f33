/**
 * The QA report's manifest, one row per file the gate hashed, except a stream's sealed audit segments
 * (segments.ts): they share one row. A year of history seals hundreds of them (one per 1,000 lines of each
 * stream), and listing each made the report, rendered at every gate, grow with the history. The row's
 * digest is the sha256 of the segments' own rows (path, sha256 and size, one per line, in order), so a
 * change to any of them changes it; every segment's own digest stays in the gate's ledger event.
 */
import { createHash } from 'node:crypto';

export interface ManifestEntry {
  path: string;
  sha256: string;
  bytes: number;
}

export interface ManifestRow extends ManifestEntry {
  /** Sealed segments the row stands for; 0 for a file of its own. */
  segments: number;
}

const SEGMENT = /^(audit\/.+)\/(\d{6})\.jsonl$/;

/** The rows in the manifest's order: each stream's segments at the place of its first one. */
export function manifestRows(manifest: readonly ManifestEntry[]): ManifestRow[] {
  const rows: ManifestRow[] = [];
  const groups = new Map<string, { row: ManifestRow; first: string; last: string; lines: string[] }>();
  for (const m of manifest) {
    const seg = SEGMENT.exec(m.path);
    if (!seg?.[1] || !seg[2]) {
      rows.push({ ...m, segments: 0 });
      continue;
    }
    const group = groups.get(seg[1]);
    const line = `${m.path} ${m.sha256} ${m.bytes}\n`;
    if (group) {
      group.row.segments += 1;
      group.row.bytes += m.bytes;
      group.last = seg[2];
      group.lines.push(line);
      continue;
    }
    const row = { path: m.path, sha256: '', bytes: m.bytes, segments: 1 };
    groups.set(seg[1], { row, first: seg[2], last: seg[2], lines: [line] });
    rows.push(row);
  }
  for (const [folder, g] of groups) {
    g.row.sha256 = createHash('sha256').update(g.lines.join('')).digest('hex');
    g.row.path = g.row.segments === 1 ? `${folder}/${g.first}.jsonl` : `${folder}/${g.first}–${g.last}.jsonl`;
  }
  return rows;
}
