import { describe, expect, it } from 'vitest';
import { renderAll, signOffLines } from '../electron/core/artifacts/render/index.ts';
import { buildSnapshot } from './support/snapshot-fixture.ts';

function file(path: string, s = buildSnapshot()): string {
  const content = renderAll(s).get(path);
  if (content === undefined) throw new Error(`${path} not rendered`);
  return content;
}

describe('authored documents', () => {
  it('renders the latest revision with a header naming revision, owner and the scripted runtime', () => {
    const spec = file('design/DESIGN_SPEC.md');
    const first = spec.split('\n')[0] ?? '';
    expect(first).toMatch(/^<!-- Governor export: r2 by Designer \(scripted\), 2026-11-24 — do not edit/);
    expect(spec).toContain('## Missing bars');
    expect(spec).toContain('`backtester/loader.py`: bar loader');
  });

  it('puts "Changes since r1" with the quoted delta summary before the content', () => {
    const spec = file('design/DESIGN_SPEC.md');
    const changes = spec.indexOf('> **Changes since r1**');
    expect(changes).toBeGreaterThan(0);
    expect(spec).toContain(
      '> Defined the RunConfig schema (line 12 comment).\n> Added MissingBarsError for gaps (line 20 comment).',
    );
    expect(changes).toBeLessThan(spec.indexOf('# Design Spec'));
    expect(file('REQUIREMENTS.md')).not.toContain('Changes since');
  });

  it('notes a missing delta summary instead of dropping the block', () => {
    const s = buildSnapshot();
    const r2 = s.artifacts.find((a) => a.path === 'design/DESIGN_SPEC.md' && a.revision === 2);
    if (!r2) throw new Error('fixture lacks r2');
    r2.delta_summary = null;
    expect(file('design/DESIGN_SPEC.md', s)).toContain('> **Changes since r1**\n>\n> (no delta summary recorded)');
  });

  it('appends every decided review of the file under "## Review log", oldest first, with inline comments by line', () => {
    const spec = file('design/DESIGN_SPEC.md');
    const log = spec.slice(spec.indexOf('## Review log'));
    expect(log).toContain(
      '🔁 Changes requested by Human 2026-11-24 on r1 — Interfaces are incomplete.\n  - line 12: RunConfig schema is missing.\n  - line 20: What happens on missing bars?',
    );
    expect(log).toContain(
      '✅ Approved with conditions by Human 2026-11-24 — Proceed; benchmark the loader against r1.',
    );
    expect(log.indexOf('🔁 Changes requested')).toBeLessThan(log.indexOf('✅ Approved with conditions'));
    // Reviews of other documents stay out.
    expect(spec).not.toContain('Plan approved');
    expect(spec.indexOf('## Review log')).toBeGreaterThan(spec.indexOf('## Missing bars'));
  });

  it('shows the clarification answer under a clarification request, labelled as scripted', () => {
    const req = file('REQUIREMENTS.md');
    expect(req).toContain(
      '💬 Clarification requested by Human 2026-11-24 — How is reproducibility measured?  \n  ↳ ProjectManager (scripted): Three replays of one config must produce identical equity-curve hashes.',
    );
    expect(req).toContain('✅ Approved by Human 2026-11-24 — Plan approved. Clarify dependency resolution in Phase 2.');
    expect(req.indexOf('💬 Clarification')).toBeLessThan(req.indexOf('✅ Approved by Human'));
  });

  it('words each decision kind as the sign-off line', () => {
    const s = buildSnapshot();
    const base = s.reviews[0];
    if (!base?.decision) throw new Error('fixture lacks a decided review');
    const line = (decision: NonNullable<typeof base.decision>['decision'], comment: string): string =>
      signOffLines({ ...base, decision: { ...base.decision!, decision, comment } }, [])[0] ?? '';
    expect(line('defer', 'Need benchmark data')).toBe('⏸️ Deferred by Human 2026-11-24 — Need benchmark data');
    expect(line('reject', 'Out of scope')).toBe('⛔ Rejected by Human 2026-11-24 — Out of scope');
    expect(line('approve', '')).toBe('✅ Approved by Human 2026-11-24');
    expect(line('request_changes', 'multi\nline')).toBe('🔁 Changes requested by Human 2026-11-24 on r1 — multi line');
  });

  it('says when a document waits for review and has no decision yet', () => {
    const plan = file('tests/TEST_PLAN.md');
    expect(plan).toContain('⏳ Test-plan review of r1 pending, requested by Tester 2026-11-25');
    expect(file('AGENT_TASKS.md')).toContain('_No human review of this document yet._');
  });

  it('omits the "(scripted)" label for a model-written revision and skips paths with no revision', () => {
    const s = buildSnapshot();
    for (const a of s.artifacts) a.scripted = false;
    s.artifacts = s.artifacts.filter((a) => a.path !== 'design/ARCHITECTURE.md');
    const files = renderAll(s);
    expect(files.get('design/DESIGN_SPEC.md')?.split('\n')[0]).toContain('r2 by Designer, 2026-11-24');
    expect(files.has('design/ARCHITECTURE.md')).toBe(false);
  });

  it('ends each document with exactly one newline', () => {
    for (const p of [
      'REQUIREMENTS.md',
      'AGENT_TASKS.md',
      'design/DESIGN_SPEC.md',
      'design/ARCHITECTURE.md',
      'tests/TEST_PLAN.md',
    ]) {
      const c = file(p);
      expect(c.endsWith('\n'), p).toBe(true);
      expect(c.endsWith('\n\n'), p).toBe(false);
    }
  });
});
