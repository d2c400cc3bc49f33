import { describe, expect, it } from 'vitest';
import { PoliciesFile } from '../shared/index.ts';
import { computeDrift, parseMetrics } from '../electron/core/qa/drift.ts';
import { type Evidence, evaluatePolicy } from '../electron/core/qa/policy-eval.ts';

/** The seed's policy file, verbatim. */
const seed = PoliciesFile.parse({
  merge_policy: {
    auto_merge_if: [{ all_tests_passed: true }, { coverage_min: 80 }, { drift_max_percent: 2 }],
    require_human_if: [{ impact: 'high' }, { gate_fail: true }, { phase_promotion: true }],
  },
  promotion_policy: {
    e2e_tests_required: true,
    reproducibility_min: 95,
    docs_required: ['PROJECT_OVERVIEW.md', 'TEST_RESULTS.md', 'QA_REPORT.md'],
  },
  tests: [
    { name: 'unit', command: 'npm test' },
    { name: 'e2e', command: 'npm run e2e' },
  ],
});

const green: Evidence = {
  totals: { tests: 40, passed: 40, failed: 0, skipped: 0, flaky: 0 },
  runProblems: [],
  testsConfigured: 2,
  suites: [
    { name: 'unit', tests: 35, failed: 0, trusted: true },
    { name: 'e2e', tests: 5, failed: 0, trusted: true },
  ],
  coverageLines: 87,
  drift: [{ metric: 'sharpe', baseline: 1, value: 1.012, percent: 1.2, breach: false }],
  driftProblems: [],
  reproducibility: { runs: 3, identical: 3, score: 100 },
  criticalConcernsOpen: 0,
  highImpactPending: [],
  docs: [{ path: 'docs/PROJECT_OVERVIEW.md', updated: true, note: 'changed since v0.0.0' }],
  auditIds: { ok: true, missing: [] },
};
const ev = (over: Partial<Evidence>): Evidence => ({ ...green, ...over });

describe('policy evaluation (the seed conditions)', () => {
  it('all green: a promotion candidate, because phase_promotion needs the human', () => {
    const v = evaluatePolicy(seed, green);
    expect(v).toMatchObject({ green: true, outcome: 'promotion_candidate' });
    expect(v.conditions.every((c) => c.ok)).toBe(true);
    expect(v.conditions.map((c) => c.condition)).toEqual([
      'test commands ran and reported',
      'all_tests_passed',
      'coverage_min: 80',
      'drift_max_percent: 2',
      'promotion_policy',
    ]);
  });

  it('all_tests_passed: one failure escalates, naming the count', () => {
    const v = evaluatePolicy(seed, ev({ totals: { tests: 40, passed: 39, failed: 1, skipped: 0, flaky: 0 } }));
    expect(v).toMatchObject({ green: false, outcome: 'escalate' });
    expect(v.reasons).toContain('all_tests_passed: 39/40 passed, 1 failed');
    expect(v.reasons).toContain('gate_fail: the gate did not pass');
  });

  it('coverage_min: below the floor, and coverage not measured at all', () => {
    expect(evaluatePolicy(seed, ev({ coverageLines: 79.4 })).reasons).toContain(
      'coverage_min: 80: line coverage 79.4%',
    );
    expect(evaluatePolicy(seed, ev({ coverageLines: null })).reasons[0]).toMatch(
      /coverage_min: 80: no coverage was measured/,
    );
  });

  it('drift_max_percent: a breach escalates with the metric and its drift', () => {
    const v = evaluatePolicy(
      seed,
      ev({ drift: [{ metric: 'max_drawdown', baseline: 0.1, value: 0.103, percent: 3, breach: true }] }),
    );
    expect(v.green).toBe(false);
    expect(v.reasons).toContain('drift_max_percent: 2: max_drawdown +3%');
  });

  it('impact: high pending goes to the human even when everything passes', () => {
    const v = evaluatePolicy(seed, ev({ highImpactPending: ['variation_0001 (Switch to Parquet)'] }));
    expect(v).toMatchObject({
      green: false,
      outcome: 'escalate',
      reasons: ['impact: high: variation_0001 (Switch to Parquet)'],
    });
  });

  it('gate_fail off: a failing gate still does not merge, but the human is not named as the reason', () => {
    const lax = PoliciesFile.parse({ ...seed, merge_policy: { ...seed.merge_policy, require_human_if: [] } });
    const v = evaluatePolicy(lax, ev({ totals: { tests: 2, passed: 1, failed: 1, skipped: 0, flaky: 0 } }));
    expect(v.green).toBe(false);
    expect(v.reasons.some((r) => r.startsWith('gate_fail'))).toBe(false);
  });

  it('phase_promotion off: green merges automatically and is not a promotion candidate', () => {
    const auto = PoliciesFile.parse({
      ...seed,
      merge_policy: { ...seed.merge_policy, require_human_if: [{ gate_fail: true }] },
    });
    expect(evaluatePolicy(auto, green)).toMatchObject({ green: true, outcome: 'auto_merge' });
  });

  it('promotion_policy: reproducibility below 95 and stale docs keep it from being a promotion candidate', () => {
    const v = evaluatePolicy(
      seed,
      ev({
        reproducibility: { runs: 4, identical: 3, score: 75 },
        docs: [{ path: 'QA_REPORT.md', updated: false, note: 'same as v0.1.0' }],
      }),
    );
    expect(v).toMatchObject({ green: true, outcome: 'auto_merge' });
    expect(v.reasons.join('\n')).toMatch(/reproducibility_min 95: measured 75%/);
    expect(v.reasons.join('\n')).toMatch(/docs_required: QA_REPORT\.md not updated since the last tag/);
  });

  it('untrustworthy runs fail the gate whatever the counts say', () => {
    const v = evaluatePolicy(seed, ev({ runProblems: ['unit: JUnit results file not found: reports/junit.xml'] }));
    expect(v.green).toBe(false);
    expect(v.reasons[0]).toMatch(/JUnit results file not found/);
    expect(evaluatePolicy(seed, ev({ testsConfigured: 0 })).reasons[0]).toMatch(/no test command/);
  });

  it('reproducibility_min and no_critical_concerns as merge conditions', () => {
    const strict = PoliciesFile.parse({
      ...seed,
      merge_policy: {
        ...seed.merge_policy,
        auto_merge_if: [{ reproducibility_min: 95 }, { no_critical_concerns: true }],
      },
    });
    const v = evaluatePolicy(
      strict,
      ev({ reproducibility: { runs: 2, identical: 1, score: 50 }, criticalConcernsOpen: 2 }),
    );
    expect(v.reasons).toEqual(
      expect.arrayContaining([
        'reproducibility_min: 95: 1/2 runs identical (50%)',
        'no_critical_concerns: 2 critical concern(s) open',
      ]),
    );
  });
});

describe('honest statuses', () => {
  it('e2e_tests_required looks at the suite the policy names, never at unit tests', () => {
    const unitOnly = PoliciesFile.parse({ ...seed, tests: [{ name: 'unit', command: 'npm test' }] });
    const v = evaluatePolicy(unitOnly, ev({ suites: [{ name: 'unit', tests: 40, failed: 0, trusted: true }] }));
    expect(v.outcome).toBe('auto_merge');
    expect(v.reasons.join('\n')).toMatch(/e2e_tests_required: no test command named "e2e" under tests:/);
    const empty = evaluatePolicy(
      seed,
      ev({
        suites: [
          { name: 'unit', tests: 40, failed: 0, trusted: true },
          { name: 'e2e', tests: 0, failed: 0, trusted: true },
        ],
      }),
    );
    expect(empty.reasons.join('\n')).toMatch(/the e2e suite ran no tests/);
    const named = PoliciesFile.parse({
      ...seed,
      promotion_policy: { ...seed.promotion_policy, e2e_suite: 'integration' },
      tests: [{ name: 'integration', command: 'x' }],
    });
    expect(
      evaluatePolicy(named, ev({ suites: [{ name: 'integration', tests: 3, failed: 0, trusted: true }] })).outcome,
    ).toBe('promotion_candidate');
  });

  it('zero tests is never a pass', () => {
    const v = evaluatePolicy(seed, ev({ totals: { tests: 0, passed: 0, failed: 0, skipped: 0, flaky: 0 } }));
    expect(v.green).toBe(false);
    expect(v.conditions.find((c) => c.condition === 'all_tests_passed')).toMatchObject({
      ok: false,
      status: 'not_met',
      detail: 'no tests were reported',
    });
  });

  it('an unmeasured metric is "not measured", never met: reproducibility with one run, drift without a baseline', () => {
    const strict = PoliciesFile.parse({
      ...seed,
      merge_policy: {
        ...seed.merge_policy,
        auto_merge_if: [{ all_tests_passed: true }, { reproducibility_min: 95 }, { drift_max_percent: 2 }],
      },
    });
    const v = evaluatePolicy(
      strict,
      ev({
        reproducibility: { runs: 1, identical: 1, score: null },
        drift: [{ metric: 'sharpe', baseline: null, value: 1, percent: null, breach: false }],
      }),
    );
    expect(v.conditions.find((c) => c.condition === 'reproducibility_min: 95')).toMatchObject({
      status: 'not_measured',
      detail: expect.stringMatching(/not measured/),
    });
    expect(v.conditions.find((c) => c.condition === 'drift_max_percent: 2')).toMatchObject({
      status: 'not_measured',
      detail: 'no baseline yet: this run sets it',
    });
    expect(v.conditions.find((c) => c.condition === 'promotion_policy')).toMatchObject({
      status: 'not_measured',
      detail: expect.stringMatching(/reproducibility not measured/),
    });
    expect(v.reasons[0]).toMatch(/^all measured merge conditions hold/);
    expect(v.reasons).toContain(
      'not measured: reproducibility_min: 95 (not measured: set reproducibility_runs to 2 or more to measure it)',
    );
    expect(v.conditions.filter((c) => c.status === 'met').map((c) => c.condition)).toEqual([
      'test commands ran and reported',
      'all_tests_passed',
    ]);
  });
});

describe('drift', () => {
  it('measures each watched metric against the baseline', () => {
    const rows = computeDrift(
      { sharpe: 1.03, max_drawdown: 0.1, trades: 4 },
      { sharpe: 1, max_drawdown: 0.1 },
      ['sharpe', 'max_drawdown'],
      2,
    );
    expect(rows).toEqual([
      { metric: 'sharpe', baseline: 1, value: 1.03, percent: 3, breach: true },
      { metric: 'max_drawdown', baseline: 0.1, value: 0.1, percent: 0, breach: false },
    ]);
  });
  it('has no percent without a baseline, and flags a move off a zero baseline', () => {
    expect(computeDrift({ sharpe: 1 }, null, ['sharpe'], 2)).toEqual([
      { metric: 'sharpe', baseline: null, value: 1, percent: null, breach: false },
    ]);
    expect(computeDrift({ pnl: 5 }, { pnl: 0 }, ['pnl'], 2)[0]?.breach).toBe(true);
  });
  it('names a malformed metrics file', () => {
    expect(parseMetrics('{"sharpe": 1.2, "note": "x"}', 'm.json')).toEqual({ metrics: { sharpe: 1.2 } });
    expect(parseMetrics('[1,2]', 'm.json')).toMatchObject({
      problem: expect.stringMatching(/m\.json must be a JSON object/),
    });
    expect(parseMetrics('{oops', 'm.json')).toMatchObject({
      problem: expect.stringMatching(/m\.json is not valid JSON/),
    });
  });
});
