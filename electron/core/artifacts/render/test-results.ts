/**
 * `tests/TEST_RESULTS.md`: the Tester's summary of the latest test runs (pass/fail, coverage,
 * key metrics, issues found, next actions) with a short history below.
 */
import type { TestCase } from '../../../../shared/index.ts';
import type { ProjectSnapshot, TestRunRecord } from '../snapshot.ts';
import { latestGate, openConcerns, phaseTitle } from './facts.ts';
import { signOffSection } from './signoff.ts';
import {
  code,
  dateOf,
  dateTimeOf,
  duration,
  excerpt,
  finish,
  link,
  oneLine,
  percent,
  plural,
  signedPercent,
  table,
} from './markdown.ts';

/**
 * The runs that describe the current state: every test command's newest run against the candidate
 * of the newest run. Older candidates are history, not the present result.
 */
export function latestRunSet(s: ProjectSnapshot): TestRunRecord[] {
  const newest = s.testRuns.at(-1);
  if (!newest) return [];
  const byName = new Map<string, TestRunRecord>();
  for (const run of s.testRuns) {
    if (run.result.candidate === newest.result.candidate) byName.set(run.result.name, run);
  }
  // Map keeps first-insertion order; re-sort by ledger position so the newest run lists last.
  return [...byName.values()].sort((a, b) => s.testRuns.indexOf(a) - s.testRuns.indexOf(b));
}

/** A run cannot be trusted when the command failed without failing tests, timed out, or its results were unreadable. */
export function runProblems(run: TestRunRecord): string[] {
  const r = run.result;
  const problems = [...r.problems];
  if (r.timed_out) problems.push(`timed out after ${duration(r.duration_ms)}`);
  if (r.exit_code !== 0 && r.exit_code !== null && r.totals.failed === 0 && !r.timed_out)
    problems.push(`exited with code ${r.exit_code} although no test failed`);
  return problems;
}

export function runVerdict(run: TestRunRecord): string {
  const t = run.result.totals;
  if (runProblems(run).length > 0) return '⚠️ Untrusted';
  if (t.failed > 0) return '❌ Failed';
  if (t.tests === 0) return '⚠️ No tests';
  return '✅ Passed';
}

export function failedCases(run: TestRunRecord): TestCase[] {
  return run.result.cases.filter((c) => c.status === 'failed' || c.status === 'error');
}

export function caseName(c: TestCase): string {
  return c.suite ? `${c.suite} › ${c.name}` : c.name;
}

function summaryTable(runs: readonly TestRunRecord[]): string[] {
  return table(
    ['Run', 'Command', 'Tests', '✅ Passed', '❌ Failed', '⏭️ Skipped', '🔁 Flaky', 'Exit', 'Duration', 'Verdict'],
    runs.map((r) => {
      const t = r.result.totals;
      return [
        r.result.name,
        code(r.result.command),
        String(t.tests),
        String(t.passed),
        String(t.failed),
        String(t.skipped),
        String(t.flaky),
        r.result.timed_out ? 'timeout' : r.result.exit_code === null ? '—' : String(r.result.exit_code),
        duration(r.result.duration_ms),
        runVerdict(r),
      ];
    }),
  );
}

function totalsOf(runs: readonly TestRunRecord[]): {
  tests: number;
  passed: number;
  failed: number;
  skipped: number;
  flaky: number;
} {
  const sum = { tests: 0, passed: 0, failed: 0, skipped: 0, flaky: 0 };
  for (const r of runs) {
    sum.tests += r.result.totals.tests;
    sum.passed += r.result.totals.passed;
    sum.failed += r.result.totals.failed;
    sum.skipped += r.result.totals.skipped;
    sum.flaky += r.result.totals.flaky;
  }
  return sum;
}

function coverage(s: ProjectSnapshot): string[] {
  const gate = latestGate(s);
  if (!gate || (gate.coverage_lines === null && gate.coverage_branches === null))
    return ['_No coverage measured yet._'];
  const lines = gate.coverage_lines === null ? 'n/a' : percent(gate.coverage_lines);
  const branches = gate.coverage_branches === null ? 'n/a' : percent(gate.coverage_branches);
  return [
    `- Lines: ${lines}`,
    `- Branches: ${branches}`,
    `- Measured by the QA gate ${dateTimeOf(gate.at)} on candidate ${code(gate.candidate)}`,
  ];
}

function metrics(s: ProjectSnapshot, runs: readonly TestRunRecord[]): string[] {
  const runtime = runs.reduce((ms, r) => ms + r.result.duration_ms, 0);
  const slowest = runs
    .flatMap((r) => r.result.cases)
    .map((c, i) => ({ c, i }))
    .sort((a, b) => b.c.duration_ms - a.c.duration_ms || a.i - b.i)[0]?.c;
  const lines = [`- Runtime: ${duration(runtime)} over ${plural(runs.length, 'run')}`];
  if (slowest) lines.push(`- Slowest test: ${code(caseName(slowest))} (${duration(slowest.duration_ms)})`);
  const gate = latestGate(s);
  const repro = gate?.drift.find((d) => /reproducib/i.test(d.metric));
  lines.push(`- Reproducibility: ${repro ? percent(repro.value) : 'not measured'}`);
  for (const d of gate?.drift ?? []) {
    if (d === repro) continue;
    const delta = d.percent === null ? 'no baseline' : `${signedPercent(d.percent)} vs baseline`;
    lines.push(`- ${d.metric}: ${d.value} (${delta}${d.breach ? ', ⚠️ beyond the drift limit' : ''})`);
  }
  return lines;
}

function issues(runs: readonly TestRunRecord[]): string[] {
  const lines: string[] = [];
  for (const r of runs) {
    for (const p of runProblems(r)) lines.push(`- ⚠️ ${r.result.name}: ${oneLine(p)}`);
    for (const c of failedCases(r)) {
      const why = c.message ? `: ${excerpt(c.message)}` : '';
      lines.push(`- ❌ ${code(caseName(c))} (${r.result.name}, ${c.status})${why}`);
    }
    for (const c of r.result.cases.filter((x) => x.flaky))
      lines.push(
        `- 🔁 ${code(caseName(c))} (${r.result.name}) passed only after a ` +
          `retry${c.message ? `; it had failed with: ${excerpt(c.message)}` : ''}`,
      );
  }
  return lines.length > 0 ? lines : ['_No issues found._'];
}

/** What should happen next, derived from the results rather than written by hand. */
function nextActions(s: ProjectSnapshot, runs: readonly TestRunRecord[]): string[] {
  const totals = totalsOf(runs);
  const untrusted = runs.filter((r) => runProblems(r).length > 0);
  const actions: string[] = [];
  if (untrusted.length > 0)
    actions.push(
      `- Fix the test harness for ${untrusted.map((r) => r.result.name).join(', ')} so its results can be trusted.`,
    );
  if (totals.failed > 0)
    actions.push(
      `- Fix ${plural(totals.failed, 'failing test')} (see ` +
        `${link('tests/TEST_RESULTS_DETAIL.md', 'tests', 'TEST_RESULTS_DETAIL.md')}), then re-run.`,
    );
  if (totals.flaky > 0) actions.push(`- Stabilise ${plural(totals.flaky, 'flaky test')}.`);
  const testConcerns = openConcerns(s).filter((c) => c.category === 'test_failure');
  if (testConcerns.length > 0)
    actions.push(
      `- Close ${plural(testConcerns.length, 'open test_failure concern')}: ` +
        `${testConcerns.map((c) => code(c.id)).join(', ')}.`,
    );
  if (totals.tests === 0 && untrusted.length === 0)
    actions.push('- No tests ran: the Tester writes the tests its plan names where the test commands find them.');
  if (actions.length === 0) {
    const gate = latestGate(s);
    const newest = runs.at(-1);
    const gated = gate && newest && gate.candidate === newest.result.candidate;
    actions.push(
      gated
        ? '- All green: awaiting the human test-completion and promotion review.'
        : '- All green: run the QA gate on this candidate.',
    );
  }
  return actions;
}

function history(runs: readonly TestRunRecord[]): string[] {
  const recent = runs.slice(-10).reverse();
  return table(
    ['When', 'Run', 'Phase', 'Candidate', 'Passed', 'Failed', 'Verdict'],
    recent.map((r) => [
      dateTimeOf(r.at),
      r.result.name,
      String(r.phase),
      code(r.result.candidate.slice(0, 12)),
      String(r.result.totals.passed),
      String(r.result.totals.failed),
      runVerdict(r),
    ]),
  );
}

export function renderTestResults(s: ProjectSnapshot): string {
  const head = ['<!-- Governor export — do not edit; the ledger is the source of truth -->'];
  const runs = latestRunSet(s);
  const newest = runs.at(-1);
  if (!newest) {
    return finish([
      ...head,
      `# Test Results — ${phaseTitle(s)}`,
      '',
      'No test runs yet. Results appear here after the Tester runs the suite in the `test` stage.',
    ]);
  }
  const totals = totalsOf(runs);
  const overall = runs.some((r) => runProblems(r).length > 0)
    ? '⚠️ Results incomplete: at least one run could not be trusted.'
    : totals.failed > 0
      ? `❌ ${totals.failed} of ${plural(totals.tests, 'test')} failed.`
      : totals.tests === 0
        ? '⚠️ No tests ran: the test commands reported no test cases.'
        : `✅ All ${plural(totals.tests, 'test')} passed${totals.skipped > 0 ? ` (${totals.skipped} skipped)` : ''}.`;
  return finish([
    ...head,
    `# Test Results — ${phaseTitle(s, newest.phase)}`,
    '',
    `_Candidate ${code(newest.result.candidate)} · latest run ${dateTimeOf(newest.at)} · detail: ` +
      `${link('tests/TEST_RESULTS_DETAIL.md', 'tests', 'TEST_RESULTS_DETAIL.md')}_`,
    '',
    '## Pass/Fail Summary',
    '',
    overall,
    '',
    ...summaryTable(runs),
    '',
    '## Coverage',
    '',
    ...coverage(s),
    '',
    '## Key Metrics',
    '',
    ...metrics(s, runs),
    '',
    '## Issues Found',
    '',
    ...issues(runs),
    '',
    '## Next Actions',
    '',
    ...nextActions(s, runs),
    '',
    '## History',
    '',
    ...history(s.testRuns),
    '',
    `_Run dates are UTC; first run ${dateOf(s.testRuns[0]?.at ?? newest.at)}._`,
    '',
    ...signOffSection(s, 'tests/TEST_RESULTS.md', newest.phase, newest.at),
  ]);
}
