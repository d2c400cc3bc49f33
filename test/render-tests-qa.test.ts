import { describe, expect, it } from 'vitest';
import { renderAll, renderQaReport, renderTestResults, renderTestResultsDetail } from '../electron/core/artifacts/render/index.ts';
import { buildSnapshot } from './support/snapshot-fixture.ts';

describe('tests/TEST_RESULTS.md', () => {
  const doc = renderTestResults(buildSnapshot());

  it('summarises the latest candidate with pass/fail counts, coverage from the latest gate and issues', () => {
    expect(doc).toContain('❌ 1 of 14 tests failed.');
    expect(doc).toContain('| unit | `pytest -q --junitxml=reports/junit.xml` | 14 | 13 | 1 | 0 | 0 | 1 | 2.45 s | ❌ Failed |');
    expect(doc).toContain('- Lines: 78.5%\n- Branches: 61.2%');
    expect(doc).toContain('- ❌ `BarLoader › handles missing bars` (unit, failed): AssertionError: expected 3 bars, got 2');
    expect(doc).toContain('- Reproducibility: 100%');
    expect(doc).toContain('- Fix 1 failing test');
    expect(doc).toContain('`concern_0372`');
    // The earlier, passing candidate is history only.
    expect(doc.slice(0, doc.indexOf('## History'))).not.toContain('c0ffee');
  });

  it('says plainly when there are no runs yet', () => {
    const s = buildSnapshot();
    s.testRuns = [];
    s.gates = [];
    expect(renderTestResults(s)).toContain('No test runs yet.');
    expect(renderTestResultsDetail(s)).toContain('No test runs yet in Phase 1 – Backtester Loop.');
  });

  it('marks a timed-out run as untrusted rather than green', () => {
    const s = buildSnapshot();
    const run = s.testRuns[1]!;
    run.result = { ...run.result, timed_out: true, exit_code: null, totals: { tests: 0, passed: 0, failed: 0, skipped: 0, flaky: 0 }, cases: [], problems: ['junit file missing: reports/junit.xml'] };
    const out = renderTestResults(s);
    expect(out).toContain('⚠️ Results incomplete');
    expect(out).toContain('- ⚠️ unit: junit file missing: reports/junit.xml');
    expect(out).toContain('- ⚠️ unit: timed out after 2.45 s');
  });
});

describe('tests/TEST_RESULTS_DETAIL.md', () => {
  const doc = renderTestResultsDetail(buildSnapshot());

  it('lists every run newest first with each case, and failure evidence in fences that cannot break', () => {
    expect(doc.indexOf('`run-2`')).toBeLessThan(doc.indexOf('`run-1`'));
    expect(doc).toContain('| BarLoader | handles missing bars | ❌ failed | 35 ms | [tests/test_barloader.py](test_barloader.py) |');
    expect(doc).toContain('**Message**\n\n```text\nAssertionError: expected 3 bars, got 2\n```');
    // The details contain a ``` fence, so the block uses a longer one.
    expect(doc).toContain('````text\nTraceback (most recent call last):');
    expect(doc).toContain('### Output tail\n\n```text\nFAILED tests/test_barloader.py::handles_missing_bars');
  });
});

describe('QA_REPORT.md', () => {
  it('is absent until a gate has run', () => {
    const s = buildSnapshot();
    s.gates = [];
    expect(renderQaReport(s)).toBeNull();
    expect(renderAll(s).has('QA_REPORT.md')).toBe(false);
  });

  it('reports the latest gate: decision, reasons, totals, coverage and drift', () => {
    const doc = renderQaReport(buildSnapshot()) ?? '';
    expect(doc).toContain('# QA Report — Phase 1 – Backtester Loop, iteration 2');
    expect(doc).toContain('**Decision:** 🚨 Escalate');
    expect(doc).toContain('- coverage_min: 78.5% < 80%');
    expect(doc).toContain('| 14 | 13 | 1 | 0 | 0 | 92.9% |');
    expect(doc).toContain('| 78.5% | 61.2% |');
    expect(doc).toContain('| sharpe | 1.2 | 1.23 | +2.5% | ❌ breach |');
    expect(doc).not.toContain('Promotion Candidate');
    expect(doc).toContain('## Earlier Gates');
  });

  it('adds the seed promotion-candidate summary block for a promotion candidate', () => {
    const s = buildSnapshot();
    s.gates.push({
      ...s.gates[1]!,
      iteration: 3,
      green: true,
      outcome: 'promotion_candidate',
      reasons: [],
      totals: { tests: 47, passed: 47, failed: 0, skipped: 0, flaky: 0 },
      coverage_lines: 87,
      drift: [{ metric: 'sharpe', baseline: 1.2, value: 1.2144, percent: 1.2, breach: false }],
      at: '2026-11-26T09:00:00Z',
    });
    const doc = renderQaReport(s) ?? '';
    expect(doc).toContain(
      [
        '```text',
        '🚦 Phase 1 Promotion Candidate',
        'QA Status: ✅ All tests passed',
        'Coverage: 87%',
        'Drift: +1.2% vs baseline',
        'Concerns: 0 critical',
        'Recommendation: Promote to Phase 2',
        '```',
      ].join('\n'),
    );
  });
});
