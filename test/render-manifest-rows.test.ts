import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { renderQaReport } from '../electron/core/artifacts/render/index.ts';
import { renderQaReportHtml } from '../electron/core/artifacts/render/qa-report-html.ts';
import { type ManifestEntry, manifestRows } from '../electron/core/artifacts/render/manifest-rows.ts';
import { buildSnapshot } from './support/snapshot-fixture.ts';

const digest = (i: number) => createHash('sha256').update(String(i)).digest('hex');
const segment = (stream: string, n: number): ManifestEntry => ({
  path: `audit/${stream}/${String(n).padStart(6, '0')}.jsonl`,
  sha256: digest(n),
  bytes: 1000 + n,
});

/** A gate's manifest on a long history: a few documents, and hundreds of sealed segments of three streams. */
function longManifest(segments: number): ManifestEntry[] {
  return [
    { path: 'CHANGELOG.md', sha256: digest(-1), bytes: 10 },
    ...Array.from({ length: segments }, (_, i) => segment('commands', i + 1)),
    { path: 'audit/commands.jsonl', sha256: digest(-2), bytes: 20 },
    ...Array.from({ length: segments }, (_, i) => segment('handoffs/phase-1', i + 1)),
    ...Array.from({ length: segments }, (_, i) => segment('responses', i + 1)),
    { path: 'status.json', sha256: digest(-3), bytes: 30 },
  ];
}

describe("the QA report's manifest", () => {
  it("gives a stream's sealed segments one row, in place, with their sizes summed and a digest of their rows", () => {
    const manifest = longManifest(3);
    const rows = manifestRows(manifest);
    expect(rows.map((r) => r.path)).toEqual([
      'CHANGELOG.md',
      'audit/commands/000001–000003.jsonl',
      'audit/commands.jsonl',
      'audit/handoffs/phase-1/000001–000003.jsonl',
      'audit/responses/000001–000003.jsonl',
      'status.json',
    ]);
    const commands = rows[1];
    expect(commands).toMatchObject({ segments: 3, bytes: 1001 + 1002 + 1003 });
    const lines = manifest
      .filter((m) => m.path.startsWith('audit/commands/'))
      .map((m) => `${m.path} ${m.sha256} ${m.bytes}\n`)
      .join('');
    expect(commands?.sha256).toBe(createHash('sha256').update(lines).digest('hex'));
    // Files of their own keep their own digest.
    expect(rows[0]).toEqual({ ...manifest[0], segments: 0 });

    // Any segment's digest changed, the stream's row changes; the others do not.
    const edited = manifest.map((m) => (m.path === 'audit/responses/000002.jsonl' ? { ...m, sha256: digest(99) } : m));
    const after = manifestRows(edited);
    expect(after[4]?.sha256).not.toBe(rows[4]?.sha256);
    expect(after[1]?.sha256).toBe(rows[1]?.sha256);
    // One segment alone is listed under its own name.
    expect(manifestRows([segment('concerns', 1)])[0]?.path).toBe('audit/concerns/000001.jsonl');
  });

  it('stays the same size however many segments the history sealed', () => {
    const section = (doc: string) =>
      doc.slice(doc.indexOf('\n## Manifest\n'), doc.indexOf('\n## ', doc.indexOf('\n## Manifest\n') + 1));
    const report = (segments: number) => {
      const s = buildSnapshot();
      const gate = s.gates.at(-1);
      if (!gate) throw new Error('the fixture has no gate');
      gate.manifest = longManifest(segments);
      return { md: section(renderQaReport(s) ?? ''), html: renderQaReportHtml(s) ?? '' };
    };
    const small = report(2);
    const large = report(400);
    expect(large.md).toContain('1203 files');
    expect(large.md).toContain('| `audit/commands/000001–000400.jsonl` (400 sealed segments) |');
    expect(large.md).not.toContain('000017.jsonl');
    // Only the counts and the sizes in the text differ.
    const digits = (t: string) => t.replace(/[0-9a-f]{12}|\d+/g, '#');
    expect(digits(large.md)).toBe(digits(small.md));
    expect(large.html.length - small.html.length).toBeLessThan(200);
  });
});
