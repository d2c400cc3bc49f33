import { describe, expect, it } from 'vitest';
import { XMLValidator } from 'fast-xml-parser';
import {
  renderAll,
  renderQaReport,
  renderTestResults,
  renderTestResultsDetail,
} from '../electron/core/artifacts/render/index.ts';
import { renderQaReportHtml } from '../electron/core/artifacts/render/qa-report-html.ts';
import { trendChart, type TrendPoint } from '../electron/core/artifacts/render/trend-chart.ts';
import type { ProjectSnapshot } from '../electron/core/artifacts/snapshot.ts';
import { buildSnapshot } from './support/snapshot-fixture.ts';

describe('tests/TEST_RESULTS.md', () => {
  const doc = renderTestResults(buildSnapshot());

  it('summarises the latest candidate with pass/fail counts, coverage from the latest gate and issues', () => {
    expect(doc).toContain('❌ 1 of 14 tests failed.');
    expect(doc).toContain(
      '| unit | `pytest -q --junitxml=reports/junit.xml` | 14 | 13 | 1 | 0 | 1 | 1 | 2.45 s | ❌ Failed |',
    );
    expect(doc).toContain('- Lines: 78.5%\n- Branches: 61.2%');
    expect(doc).toContain(
      '- ❌ `BarLoader › handles missing bars` (unit, failed): AssertionError: expected 3 bars, got 2',
    );
    expect(doc).toContain('- Reproducibility: 100%');
    expect(doc).toContain('- 🔁 `BarLoader › loads daily bars` (unit) passed only after a retry');
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
    run.result = {
      ...run.result,
      timed_out: true,
      exit_code: null,
      totals: { tests: 0, passed: 0, failed: 0, skipped: 0, flaky: 0 },
      cases: [],
      problems: ['junit file missing: reports/junit.xml'],
    };
    const out = renderTestResults(s);
    expect(out).toContain('⚠️ Results incomplete');
    expect(out).toContain('- ⚠️ unit: junit file missing: reports/junit.xml');
    expect(out).toContain('- ⚠️ unit: timed out after 2.45 s');
  });
});

describe('honest statuses in the reports', () => {
  it('zero tests is "no tests ran", never "all 0 passed"', () => {
    const s = buildSnapshot();
    const run = s.testRuns[1]!;
    run.result = {
      ...run.result,
      exit_code: 0,
      totals: { tests: 0, passed: 0, failed: 0, skipped: 0, flaky: 0 },
      cases: [],
      problems: [],
    };
    s.testRuns = [run];
    const out = renderTestResults(s);
    expect(out).toContain('⚠️ No tests ran: the test commands reported no test cases.');
    expect(out).not.toMatch(/All 0 tests passed/);
    expect(out).toContain(
      '- No tests ran: the Tester writes the tests its plan names where the test commands find them.',
    );
  });

  it('a condition with nothing to measure it is "not measured" in QA_REPORT, never met', () => {
    const s = buildSnapshot();
    const gate = s.gates.at(-1)!;
    gate.conditions = [
      ...gate.conditions,
      {
        condition: 'reproducibility_min: 95',
        ok: true,
        detail: 'not measured: set reproducibility_runs to 2 or more to measure it',
        status: 'not_measured',
      },
    ];
    expect(renderQaReport(s)).toContain(
      '| `reproducibility_min: 95` | ➖ not measured | not measured: set reproducibility_runs to 2 or more to measure it |',
    );
  });
});

describe('tests/TEST_RESULTS_DETAIL.md', () => {
  const doc = renderTestResultsDetail(buildSnapshot());

  it('lists every run newest first with each case, and failure evidence in fences that cannot break', () => {
    expect(doc.indexOf('`run-2`')).toBeLessThan(doc.indexOf('`run-1`'));
    expect(doc).toContain(
      '| BarLoader | handles missing bars | ❌ failed | 35 ms | [tests/test_barloader.py](test_barloader.py) |',
    );
    expect(doc).toContain('**Message**\n\n```text\nAssertionError: expected 3 bars, got 2\n```');
    // The details contain a ``` fence, so the block uses a longer one.
    expect(doc).toContain('````text\nTraceback (most recent call last):');
    expect(doc).toContain('### Output tail\n\n```text\nFAILED tests/test_barloader.py::handles_missing_bars');
  });
});

/** The fixture reduced to its first gate: the green promotion candidate that set the baseline. */
function firstGateOnly(): ProjectSnapshot {
  const s = buildSnapshot();
  s.gates = [s.gates[0]!];
  return s;
}

/** The body of one `## ` section, so an assertion cannot be satisfied by text elsewhere. */
function section(doc: string, title: string): string {
  const start = doc.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`no section ${title}`);
  const end = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
}

describe('QA_REPORT.md', () => {
  const doc = renderQaReport(buildSnapshot()) ?? '';

  it('is absent, with its HTML page, until a gate has run', () => {
    const s = buildSnapshot();
    s.gates = [];
    expect(renderQaReport(s)).toBeNull();
    expect(renderQaReportHtml(s)).toBeNull();
    expect(renderAll(s).has('QA_REPORT.md')).toBe(false);
    expect(renderAll(s).has('QA_REPORT.html')).toBe(false);
    expect([...renderAll(buildSnapshot()).keys()]).toEqual(expect.arrayContaining(['QA_REPORT.md', 'QA_REPORT.html']));
  });

  it('opens with phase, iteration, candidate, date and outcome, then the decision with every reason', () => {
    expect(doc).toContain('# QA Report — Phase 1 – Backtester Loop, iteration 2');
    expect(doc).toContain(
      [
        '**Phase:** Phase 1 – Backtester Loop  ',
        '**Iteration:** 2  ',
        '**Candidate:** `deadbeef00112233`  ',
        '**Date:** 2026-11-25 10:45 UTC  ',
        '**Outcome:** 🚨 Escalate (gate 🔴 not green)  ',
      ].join('\n'),
    );
    const decision = section(doc, 'Decision');
    expect(decision).toContain('🚨 Escalate: the gate is not green');
    for (const reason of buildSnapshot().gates[1]!.reasons) expect(decision).toContain(`- ${reason}\n`);
    expect(doc).not.toContain('Promotion Candidate');
  });

  it('tabulates every policy condition with ✅/❌ and its detail', () => {
    expect(section(doc, 'Conditions')).toContain(
      [
        '| Policy condition | Result | Detail |',
        '|---|---|---|',
        '| `test commands ran and reported` | ✅ met | 14 tests reported |',
        '| `all_tests_passed` | ❌ not met | 13/14 passed, 1 failed, 1 flaky |',
        '| `coverage_min: 80` | ❌ not met | line coverage 78.5% |',
        '| `drift_max_percent: 2` | ❌ not met | sharpe +2.5% |',
        '| `promotion_policy` | ✅ met | e2e results, reproducibility, required docs and Audit-IDs in order |',
      ].join('\n'),
    );
  });

  it('counts flaky tests and names the failing and flaky cases of the gated candidate', () => {
    const tests = section(doc, 'Tests');
    expect(tests).toContain('| 14 | 13 | 1 | 0 | 1 | 92.9% |');
    expect(tests).toContain(
      '- ❌ `BarLoader › handles missing bars` (unit, failed): AssertionError: expected 3 bars, got 2',
    );
    expect(tests).toContain('- 🔁 `BarLoader › loads daily bars` (unit)');
    // Run 1 belongs to another candidate; its cases are not this gate's evidence.
    expect(tests).not.toContain('parses run config');
    expect(section(doc, 'Coverage')).toContain('| 78.5% | 61.2% |');
  });

  it('shows the drift table with the limit and the breach, and where the baseline came from', () => {
    const drift = section(doc, 'Drift');
    expect(drift).toContain('| Metric | Baseline | Value | Drift | Max | Breach |');
    expect(drift).toContain('| sharpe | 1.2 | 1.23 | +2.5% | ±2% | ❌ breach |');
    expect(drift).toContain('| reproducibility | 100 | 100 | 0% | ±2% | ✅ within |');
    expect(drift).toContain(
      '**Baseline:** last known good: the metrics of the newest green gate before this one (iteration 1, 2026-11-25, candidate c0ffee123456).',
    );
    expect(drift).toContain('Metrics the tests emitted: `max_drawdown` -8.1, `reproducibility` 100, `sharpe` 1.23.');
    const first = section(renderQaReport(firstGateOnly()) ?? '', 'Drift');
    expect(first).toContain('**Baseline:** first run: this run sets the baseline.');
    expect(first).toContain('| sharpe | — | 1.2 | no baseline | ±2% | ✅ within |');
    expect(first).toContain('(these become the next baseline)');
  });

  it('states reproducibility, or that it was not measured', () => {
    expect(section(doc, 'Reproducibility')).toContain('✅ 3 runs, 3 identical: score 100%.');
    const s = buildSnapshot();
    s.gates[1]!.reproducibility = { runs: 1, identical: 1, score: null };
    expect(section(renderQaReport(s) ?? '', 'Reproducibility')).toContain('Not measured (1 run).');
  });

  it('lists required docs updated since the last tag and the Audit-ID check', () => {
    const compliance = section(doc, 'Compliance');
    expect(compliance).toContain(
      '| `docs/PROJECT_OVERVIEW.md` | ✅ updated | changed since the phase began (no tag yet) |',
    );
    expect(compliance).toContain('✅ Audit-IDs: every commit and handoff carries one.');
    const s = buildSnapshot();
    s.gates[1]!.compliance = {
      docs: [{ path: 'tests/TEST_RESULTS.md', updated: false, note: 'unchanged since v0.1.0' }],
      audit_ids: { ok: false, missing: ['commit dddd444', 'handoff 01JDR5'] },
    };
    const broken = section(renderQaReport(s) ?? '', 'Compliance');
    expect(broken).toContain('| `tests/TEST_RESULTS.md` | ❌ not updated | unchanged since v0.1.0 |');
    expect(broken).toContain('❌ Audit-IDs missing on: `commit dddd444`, `handoff 01JDR5`');
  });

  it('lists the manifest with short digests, collapsing beyond 50 rows', () => {
    const gate = buildSnapshot().gates[1]!;
    const manifest = section(doc, 'Manifest');
    expect(manifest).toContain('3 files, 4403 bytes');
    for (const m of gate.manifest)
      expect(manifest).toContain(`| \`${m.path}\` | \`${m.sha256.slice(0, 12)}\` | ${m.bytes} |`);
    expect(manifest).not.toContain(gate.manifest[0]!.sha256);

    const s = buildSnapshot();
    s.gates[1]!.manifest = Array.from({ length: 53 }, (_, i) => ({
      path: `data/bars_${String(i).padStart(2, '0')}.parquet`,
      sha256: 'ab'.repeat(32),
      bytes: 100,
    }));
    const big = section(renderQaReport(s) ?? '', 'Manifest');
    const [visible = '', hidden = ''] = big.split('<details>');
    expect(visible.match(/\| `data\/bars_/g)).toHaveLength(50);
    expect(hidden).toContain('<summary>3 more files</summary>');
    expect(hidden.match(/\| `data\/bars_/g)).toHaveLength(3);
    expect(big).toContain('53 files, 5300 bytes');
  });

  it('trends every gate, oldest first', () => {
    expect(section(doc, 'Trend')).toContain(
      [
        '| Phase | Iteration | Date | Pass rate | Coverage | Max drift | Outcome |',
        '|---|---|---|---|---|---|---|',
        '| 1 | 1 | 2026-11-25 08:48 UTC | 100% | 84% | — | 🚦 Promotion candidate |',
        '| 1 | 2 | 2026-11-25 10:45 UTC | 92.9% | 78.5% | +2.5% (sharpe) ❌ | 🚨 Escalate |',
      ].join('\n'),
    );
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
      event_id: '01JDR5GATE000000000000G003',
    });
    const out = renderQaReport(s) ?? '';
    expect(out).toContain(
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
    expect(out.indexOf('## Promotion Candidate')).toBeLessThan(out.indexOf('## Decision'));
    expect(renderQaReport(firstGateOnly())).toContain('Drift: n/a (no baseline yet)');
  });

  it('is deterministic and leaves the snapshot untouched', () => {
    const s = buildSnapshot();
    const before = JSON.stringify(s);
    expect(renderQaReport(s)).toBe(doc);
    expect(renderQaReportHtml(s)).toBe(renderQaReportHtml(buildSnapshot()));
    expect(JSON.stringify(s)).toBe(before);
  });
});

describe('QA_REPORT.html', () => {
  const html = renderQaReportHtml(buildSnapshot()) ?? '';
  const svgOf = (page: string): string => /<svg[\s\S]*?<\/svg>/.exec(page)?.[0] ?? '';

  it('is a self-contained HTML5 page: utf-8, inline CSS with dark mode, no scripts or external resources', () => {
    expect(html.startsWith('<!DOCTYPE html>\n')).toBe(true);
    expect(html).toContain('<meta charset="utf-8" />');
    expect(html).toContain('@media (prefers-color-scheme: dark)');
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    expect(html).not.toMatch(/https?:\/\//i);
    // Every href is one of the sibling exports, relative to the project root.
    expect([...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1])).toEqual([
      'tests/TEST_RESULTS.md',
      'tests/TEST_RESULTS_DETAIL.md',
      'QA_REPORT.html',
    ]);
    expect(html.endsWith('</html>\n')).toBe(true);
  });

  it('is well-formed: the page and its chart pass an XML validator', () => {
    expect(XMLValidator.validate(html)).toBe(true);
    const svg = svgOf(html);
    expect(svg).not.toBe('');
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(XMLValidator.validate(renderQaReportHtml(firstGateOnly()) ?? '')).toBe(true);
  });

  it('carries the same evidence as the markdown', () => {
    expect(html).toContain('<title>QA Report — Phase 1 – Backtester Loop, iteration 2</title>');
    expect(html).toContain(
      '<tr><td><code>coverage_min: 80</code></td><td class="bad">❌ not met</td><td>line coverage 78.5%</td></tr>',
    );
    expect(html).toContain(
      '<tr><td>sharpe</td><td>1.2</td><td>1.23</td><td>+2.5%</td><td>±2%</td><td class="bad">❌ breach</td></tr>',
    );
    expect(html).toContain('<strong>Baseline:</strong> last known good');
    expect(html).toContain('<td>14</td><td>13</td><td>1</td><td>0</td><td>1</td><td>92.9%</td>');
    expect(html).toContain('✅ 3 runs, 3 identical: score 100%.');
    const sha = buildSnapshot().gates[1]!.manifest[0]!.sha256;
    expect(html).toContain(`<code title="${sha}">${sha.slice(0, 12)}</code>`);
    expect(html).toContain(
      '<td>2026-11-25 10:45 UTC</td><td>92.9%</td><td>78.5%</td><td>+2.5% (sharpe) ❌</td><td>🚨 Escalate</td>',
    );
    expect(renderQaReportHtml(firstGateOnly())).toContain(
      '<pre>🚦 Phase 1 Promotion Candidate\nQA Status: ✅ All tests passed',
    );
    // Every markdown section is a section of the page too.
    const md = renderQaReport(buildSnapshot()) ?? '';
    const titles = [...md.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect([...html.matchAll(/<h2 id="[^"]+">([^<]+)<\/h2>/g)].map((m) => m[1])).toEqual(titles);
  });

  it('charts coverage and pass rate across the gates', () => {
    const svg = svgOf(html);
    expect(svg).toMatch(
      /role="img" aria-label="Coverage and pass rate by QA gate\. 2 gates, #1 to #2\. Latest coverage 78\.5%, pass rate 92\.9%\."/,
    );
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg).toContain('<title>#2: coverage (lines) 78.5%</title>');
  });

  it('escapes text from the ledger, such as a test name containing <script>', () => {
    const s = buildSnapshot();
    const run = s.testRuns[1]!;
    run.result.cases[2] = {
      ...run.result.cases[2]!,
      name: '<script>alert("x")</script> & co',
      message: "it's <b>bold</b>",
    };
    s.gates[1]!.reasons.push('note: a < b && c > d');
    const page = renderQaReportHtml(s) ?? '';
    expect(page).not.toContain('<script>');
    expect(page).not.toContain('<b>bold');
    expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co');
    expect(page).toContain('it&#39;s &lt;b&gt;bold&lt;/b&gt;');
    expect(page).toContain('<li>note: a &lt; b &amp;&amp; c &gt; d</li>');
    expect(XMLValidator.validate(page)).toBe(true);
  });
});

describe('trendChart', () => {
  const point = (i: number, coverage: number | null, passRate: number | null): TrendPoint => ({
    label: `#${i}`,
    coverage,
    passRate,
  });

  it('draws empty axes with a message and an accessible title when there are no gates', () => {
    const svg = trendChart([]);
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).toContain('<title>Coverage and pass rate by QA gate. No QA gates yet.</title>');
    expect(svg).toContain('>No QA gates yet</text>');
    expect(svg).not.toContain('<polyline');
    for (const tick of ['0%', '25%', '50%', '75%', '100%']) expect(svg).toContain(`>${tick}</text>`);
  });

  it('shows a single gate as dots without lines', () => {
    const svg = trendChart([point(1, 84, 100)]);
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).not.toContain('<polyline');
    expect(svg).toContain('<title>#1: coverage (lines) 84%</title>');
    expect(svg).toContain('<title>#1: pass rate 100%</title>');
  });

  it('handles many gates: two lines, thinned labels, clamped values, gaps for unmeasured gates', () => {
    const many = Array.from({ length: 40 }, (_, i) => point(i + 1, 50 + (i % 7) * 5, i === 3 ? 140 : 90));
    const svg = trendChart(many);
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    const labels = [...svg.matchAll(/text-anchor="middle" fill="currentColor">(#\d+)<\/text>/g)].map((m) => m[1]);
    expect(labels.length).toBeLessThanOrEqual(9);
    expect(labels.at(-1)).toBe('#40');
    // 140% is drawn at the top of the axis, not above the chart.
    expect(svg).not.toMatch(/ y="-/);

    const gappy = trendChart([point(1, 80, 100), point(2, null, 100), point(3, 82, 100), point(4, 83, 100)]);
    expect(gappy.match(/<polyline /g)).toHaveLength(2);
    expect(trendChart([point(1, 80, 100)], 'a <b> & "c"')).toContain(
      'aria-label="a &lt;b&gt; &amp; &quot;c&quot;. 1 gate. Latest coverage 80%, pass rate 100%."',
    );
  });

  it('is a pure function of its points', () => {
    const pts = [point(1, 84, 100), point(2, 78.5, 92.857142857)];
    expect(trendChart(pts)).toBe(trendChart(pts.map((p) => ({ ...p }))));
    expect(trendChart(pts)).toContain('92.9%');
  });
});

describe('the results documents and the roadmap', () => {
  // The exporter does not re-render them when only a phase's status or plan changed (render-cache.ts, SHOWN).
  it('show only its phase numbers and names: the same files whatever else it says of each phase', () => {
    const s = buildSnapshot();
    const render = (x: ProjectSnapshot) => [
      renderTestResults(x),
      renderQaReport(x),
      renderQaReportHtml(x),
      renderTestResultsDetail(x),
    ];
    const before = render(s);
    expect(before[1]).not.toBeNull();
    for (const status of ['planned', 'active', 'promoted'] as const) {
      const roadmap = s.roadmap.map((p) => ({ ...p, status, goal: `${status} goal`, deliverables: [status] }));
      expect(render({ ...s, roadmap })).toEqual(before);
    }
  });
});
