/**
 * The QA report's manifest, one row per file the gate hashed, except a stream's sealed audit segments
 * (segments.ts): they share one row. A year of history seals hundreds of them (one per 1,000 lines of each
 * stream), and listing each made the report, rendered at every gate, grow with the history. The row's
 * digest is the sha256 of the segments' own rows (path, sha256 and size, one per line, in order), so a
 * change to any of them changes it; every segment's own digest stays in the gate's ledger event.
 */
import { createHash } from 'node:crypto';
import type { GateRecord } from '../snapshot.ts';
import { plural } from './markdown.ts';
import type { Block, Inline } from './qa-report-model.ts';

/** Manifest rows shown before the rest collapses; a phase can hash thousands of files. */
export const MANIFEST_VISIBLE = 50;

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

/** The QA report's Manifest section: the rows, the first MANIFEST_VISIBLE shown, the rest collapsed. */
export function manifestSection(gate: GateRecord): Block[] {
  const grouped = manifestRows(gate.manifest);
  const rows = grouped.map((m): Inline[] => [
    m.segments > 1 ? [{ code: m.path }, ` (${m.segments} sealed segments)`] : { code: m.path },
    { code: m.sha256.slice(0, 12), title: m.sha256 },
    String(m.bytes),
  ]);
  if (rows.length === 0) return [{ kind: 'note', text: 'No manifest was recorded for this gate.' }];
  const headers = ['Path', 'sha256', 'Bytes'];
  const total = gate.manifest.reduce((n, m) => n + m.bytes, 0);
  const sealed = grouped.some((m) => m.segments > 1)
    ? " A stream's sealed audit segments share a row, whose digest is the sha256 of their own rows."
    : '';
  const blocks: Block[] = [
    {
      kind: 'para',
      text:
        `${plural(gate.manifest.length, 'file')}, ${total} bytes, hashed when the gate decided (full digests ` +
        `in the ledger event).${sealed}`,
    },
    { kind: 'table', headers, rows: rows.slice(0, MANIFEST_VISIBLE) },
  ];
  const rest = rows.slice(MANIFEST_VISIBLE);
  if (rest.length > 0)
    blocks.push({
      kind: 'details',
      summary: `${plural(rest.length, 'more file')}`,
      blocks: [{ kind: 'table', headers, rows: rest }],
    });
  return blocks;
}
