import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SampleProject, sampleProject } from './support/project.ts';

/**
 * The whole governed loop on the sample project with the scripted runtime. Every human decision
 * is made here, by the test, through the same calls the CLI, UI and Discord use.
 */
describe('full loop on the sample project', () => {
  let sp: SampleProject;
  const seen: Record<string, string> = {};

  beforeAll(async () => {
    sp = await sampleProject();
    // Plan: ask a question first, then approve.
    await sp.runUntilGate('plan');
    sp.human.decide('plan', 'request_clarification', { comment: 'Clarify dependency resolution in Phase 2' });
    const again = await sp.runUntilGate('plan');
    seen.planAgainFollows = again.follows ?? '';
    sp.human.decide('plan', 'approve', { comment: 'Plan approved. Clarify dependency resolution in Phase 2.' });
    // Design: request changes with an inline comment, see r2, approve.
    await sp.runUntilGate('design');
    sp.human.decide('design', 'request_changes', {
      comment: 'Split the data adapter out of the engine',
      inline: [{ path: 'design/DESIGN_SPEC.md', line: 12, text: 'why Parquet?' }],
    });
    const r2 = await sp.runUntilGate('design');
    seen.designRevision = String(r2.subject.revision);
    seen.designR2 = sp.file('design/DESIGN_SPEC.md');
    sp.human.decide('design', 'approve', { comment: 'r2 splits the adapter cleanly' });
    // Build: the test plan and the variation come to the human; the implementer's concern climbs the chain.
    await sp.runUntilGate('test_plan');
    await sp.run();
    sp.human.decide('test_plan', 'approve', { comment: 'Coverage targets are right' });
    const concern = sp.p.read.openConcerns()[0];
    seen.concernChain = concern ? concern.escalations.map((h) => `${h.from}->${h.to}`).join(',') : '';
    seen.ack = (await sp.human.command(`/ack ${concern?.id} looking into it`)).response;
    seen.resolve = (
      await sp.human.command(`/resolve ${concern?.id} flat means signal 0; Designer to note it in r3`)
    ).response;
    sp.human.decide('variation', 'approve_with_conditions', {
      comment: 'Proceed with prototype but benchmark vs current design.',
    });
    seen.clarify = (await sp.human.command('/clarify Designer why parquet for storage?')).response;
    // Tests, QA gate, test completion and promotion.
    await sp.runUntilGate('test_completion');
    sp.human.decide('test_completion', 'approve', { comment: 'All green, coverage above target' });
    await sp.runUntilGate('promotion');
    sp.human.decide('promotion', 'approve', { comment: 'Promote to Phase 2' });
    const end = await sp.run();
    seen.final = end.state;
  });
  afterAll(() => sp?.close());

  it('reaches promotion', () => {
    expect(seen.final).toBe('done');
    expect(sp.p.read.project()?.stage).toBe('promoted');
    expect(sp.p.read.tasks().every((t) => t.status === 'Done')).toBe(true);
  });

  it('answered the plan clarification and asked again', () => {
    expect(seen.planAgainFollows).toMatch(/^review_/);
    const c = sp.p.read.clarifications().find((x) => x.review_id !== null);
    expect(c?.question).toBe('Clarify dependency resolution in Phase 2');
    expect(c?.answer).toBeTruthy();
    expect(c?.scripted).toBe(true);
    expect(sp.file('REQUIREMENTS.md')).toContain('Clarification requested by Human');
  });

  it('revised the design to r2 with a delta summary, keeping the inline comment', () => {
    expect(seen.designRevision).toBe('2');
    expect(seen.designR2).toMatch(/Changes since r1/);
    const spec = sp.file('design/DESIGN_SPEC.md');
    expect(spec).toMatch(/Changes requested by Human/);
    expect(spec).toMatch(/line 12: why Parquet\?/);
    expect(spec).toMatch(/✅ Approved by Human \d{4}-\d{2}-\d{2} — r2 splits the adapter cleanly/);
  });

  it('walked the implementer concern up the chain and let the human close it', () => {
    expect(seen.concernChain).toBe('Designer->ProjectManager,ProjectManager->Human');
    expect(seen.ack).toMatch(/acknowledged/);
    expect(seen.resolve).toMatch(/resolved/);
    const lines = sp
      .file('audit/concerns.jsonl')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; status: string; from: string });
    expect(lines[0]).toMatchObject({ from: 'Implementer', status: 'open' });
    expect(lines.filter((l) => l.id === lines[0]?.id).at(-1)).toMatchObject({ status: 'resolved' });
  });

  it('logged the high-impact variation with the human decision', () => {
    const v = sp.file('docs/PROJECT_VARIATIONS.md');
    expect(v).toMatch(/## Variation #1 — /);
    expect(v).toMatch(/\*\*Impact:\*\* High/);
    expect(v).toMatch(/Proceed with prototype but benchmark vs current design\./);
    expect(v).toMatch(/\*\*Reviewed by:\*\* Human, \d{4}-\d{2}-\d{2}/);
  });

  it('answered /clarify with a command-linked response', () => {
    expect(seen.clarify).toMatch(/queued for Designer/);
    const commands = sp
      .file('audit/commands.jsonl')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { command_id: string; cmd: string });
    const clarify = commands.find((c) => c.cmd === '/clarify');
    const responses = sp
      .file('audit/responses.jsonl')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { command_id: string; from: string; response: string });
    const answer = responses.find((r) => r.command_id === clarify?.command_id && r.from === 'Designer');
    expect(answer?.response).toMatch(/\(scripted\)$/);
    expect(sp.file('docs/PROJECT_DETAIL.md')).toMatch(/## Recent Human Interactions[\s\S]*\/clarify/);
  });

  it('exports every seed file', () => {
    for (const f of [
      'REQUIREMENTS.md',
      'AGENT_TASKS.md',
      'CHANGELOG.md',
      'docs/PROJECT_OVERVIEW.md',
      'docs/PROJECT_DETAIL.md',
      'docs/PROJECT_VARIATIONS.md',
      'design/DESIGN_SPEC.md',
      'design/ARCHITECTURE.md',
      'tests/TEST_PLAN.md',
      'tests/TEST_RESULTS.md',
      'tests/TEST_RESULTS_DETAIL.md',
      'QA_REPORT.md',
      'audit/concerns.jsonl',
      'audit/commands.jsonl',
      'audit/responses.jsonl',
      'audit/git_actions.jsonl',
      'status.json',
    ]) {
      expect(existsSync(join(sp.dir, f)), f).toBe(true);
    }
    expect(sp.file('docs/PROJECT_DETAIL.md')).toContain('## Open Concerns');
    expect(sp.file('docs/PROJECT_OVERVIEW.md')).toMatch(/Human Review — \d{4}-\d{2}-\d{2}/);
    const results = sp.file('tests/TEST_RESULTS.md');
    expect(results).toMatch(/All 40 tests passed/);
    const status = JSON.parse(sp.file('status.json')) as Record<string, unknown>;
    expect(Object.keys(status)).toEqual(
      expect.arrayContaining(['phase', 'active_agents', 'tasks', 'open_concerns', 'critical_alerts', 'last_update']),
    );
    expect(status.tasks).toEqual({ complete: 9, pending: 0 });
  });

  it('writes handoff records with the seed fields, one phase per file', () => {
    expect(readdirSync(join(sp.dir, 'audit', 'handoffs'))).toEqual(['phase-1.jsonl']);
    const lines = sp
      .file('audit/handoffs/phase-1.jsonl')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(10);
    for (const h of lines) {
      expect(Object.keys(h).slice(0, 7)).toEqual(['from', 'to', 'purpose', 'inputs', 'outputs', 'summary', 'status']);
      for (const k of [
        'timestamp',
        'concerns_opened',
        'concerns_closed',
        'last_concern_id',
        'has_critical_concerns',
        'event_id',
      ])
        expect(h, `${String(h.id)}.${k}`).toHaveProperty(k);
    }
    // A status change is a new line carrying the record with its new status: the last line of each id is current.
    const latest = new Map(lines.map((h) => [h.id, h as { purpose: string; status: string }]));
    const purposes = [...latest.values()];
    expect(purposes.find((h) => h.purpose === 'Design Review' && h.status === 'approved')).toBeTruthy();
    expect(purposes.find((h) => h.purpose === 'High-Impact Variation Review')).toMatchObject({
      status: 'approved_with_conditions',
    });
  });

  it('keeps an intact chain and exports that match the ledger', async () => {
    expect(sp.p.ledger.verify().ok).toBe(true);
    expect(await sp.p.exporter.verify()).toEqual([]);
  });

  it('leaves a git history the git CLI accepts, with work on the right branches', () => {
    expect(sp.git('fsck', '--full', '--no-dangling')).toBe('');
    const impl = sp.git('log', '--format=%s%n%(trailers:key=Signed-off-by,key=Audit-ID)', 'phase1/implementer');
    expect(impl).toMatch(/feat\(backtester\): add CSV data adapter/);
    expect(impl).toMatch(/Signed-off-by: Implementer-Agent <implementer@agents\.local>/);
    expect(impl).toMatch(/Audit-ID: /);
    expect(sp.git('log', '--format=%s', 'phase1/implementer-2')).toMatch(/backtest engine/);
    expect(sp.git('log', '--format=%s', 'phase1/designer')).toMatch(/DESIGN_SPEC\.md r2 approved/);
    expect(sp.git('log', '--format=%s', 'phase1/tester')).toMatch(/^test\(backtester\)/m);
    // develop only ever receives no-ff merges from the gate.
    const developFirstParent = sp.git('log', '--first-parent', '--format=%P', 'develop').trim().split('\n');
    expect(developFirstParent.slice(0, -1).every((p) => p.split(' ').length === 2)).toBe(true);
    expect(sp.git('cat-file', '-t', 'v0.1.0').trim()).toBe('tag');
    // The tag holds the release merge plus the exports as they stand after the promotion.
    expect(sp.git('log', '-2', '--format=%s', 'main').split('\n')).toEqual([
      'chore(release): v0.1.0 records',
      'release(phase1): promote develop to main as v0.1.0',
      '',
    ]);
    expect(sp.git('rev-parse', 'v0.1.0^{commit}').trim()).toBe(sp.git('rev-parse', 'main').trim());
    expect(sp.git('show', 'v0.1.0:CHANGELOG.md')).toMatch(/^## \[v0\.1\.0\] — \d{4}-\d{2}-\d{2}/m);
    expect(sp.git('show', 'v0.1.0:CHANGELOG.md')).not.toMatch(/\[Unreleased\]/);
    expect(JSON.parse(sp.git('show', 'v0.1.0:status.json'))).toMatchObject({ stage: 'promoted' });
    expect(sp.git('show', 'v0.1.0:QA_REPORT.md')).toMatch(
      /## Sign-off[\s\S]*✅ Approved by Human \d{4}-\d{2}-\d{2} — Promote to Phase 2/,
    );
    expect(sp.git('ls-tree', '-r', '--name-only', 'main')).toMatch(/src\/engine\/backtest\.js/);
    // Every commit's Audit-ID names a ledger event.
    const ids = sp
      .git('log', '--all', '--format=%(trailers:key=Audit-ID,valueonly)')
      .split('\n')
      .map((s) => s.trim())
      .filter(Boolean);
    expect(ids.length).toBeGreaterThan(10);
    for (const id of ids) expect(sp.p.ledger.byId(id), id).not.toBeNull();
  });

  it('brought the user checkout of main along, with nothing of theirs touched', () => {
    expect(sp.git('rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe('main');
    expect(existsSync(join(sp.dir, 'src/engine/backtest.js'))).toBe(true);
    // Clean: the release commit holds exactly the exports the ledger renders after the promotion.
    expect(sp.git('status', '--porcelain')).toBe('');
  });
});
