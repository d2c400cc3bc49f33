/**
 * `tests/TEST_RESULTS_DETAIL.md`: the deep log per run and per test case (suite, name, status,
 * duration, message and details, output tail, links), newest run first.
 */
import type { TestCase } from '../../../../shared/index.ts';
import type { ProjectSnapshot, TestRunRecord } from '../snapshot.ts';
import { phaseTitle } from './facts.ts';
import { code, dateTimeOf, duration, fenced, finish, link, oneLine, table } from './markdown.ts';
import { caseName, failedCases, runProblems, runVerdict } from './test-results.ts';

const CASE_STATUS: Record<TestCase['status'], string> = {
  passed: '✅ passed',
  failed: '❌ failed',
  skipped: '⏭️ skipped',
  error: '💥 error',
};

function caseRow(c: TestCase): string[] {
  const status = c.flaky ? `${CASE_STATUS[c.status]} (flaky)` : CASE_STATUS[c.status];
  const where = c.file ? link(c.file, 'tests', c.file) : (c.classname ?? '—');
  return [c.suite, c.name, status, duration(c.duration_ms), where];
}

/** Failure evidence goes in fenced blocks: stack traces keep their shape and cannot break the markdown. */
function failureBlock(c: TestCase): string[] {
  const lines = [`#### ${c.status === 'error' ? '💥' : '❌'} ${oneLine(caseName(c))}`, ''];
  if (c.classname || c.file)
    lines.push(
      `- Location: ` +
        `${[c.classname ? code(c.classname) : null, c.file ? link(c.file, 'tests', c.file) : null].filter(Boolean).join(' in ')}`,
      '',
    );
  if (c.message) lines.push('**Message**', '', ...fenced(c.message), '');
  if (c.details) lines.push('**Details**', '', ...fenced(c.details), '');
  if (!c.message && !c.details) lines.push('_The runner reported no message._', '');
  return lines;
}

function runSection(run: TestRunRecord): string[] {
  const r = run.result;
  const t = r.totals;
  const lines = [
    `## ${runVerdict(run)} ${r.name} — ${dateTimeOf(run.at)}`,
    '',
    `- Run id: ${code(run.run_id)} · Phase ${run.phase} · candidate ${code(r.candidate)}`,
    `- Command: ${code(r.command)}`,
    `- Started: ${dateTimeOf(r.started_at)} · duration ${duration(r.duration_ms)} · exit ` +
      `${r.timed_out ? 'timed out' : r.exit_code === null ? 'none' : String(r.exit_code)}`,
    `- Totals: ${t.tests} tests, ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped, ${t.flaky} flaky`,
    '',
  ];
  const problems = runProblems(run);
  if (problems.length > 0) lines.push('### Problems', '', ...problems.map((p) => `- ⚠️ ${oneLine(p)}`), '');
  lines.push('### Test cases', '');
  if (r.cases.length === 0) lines.push('_No test cases reported._', '');
  else lines.push(...table(['Suite', 'Test', 'Status', 'Duration', 'Where'], r.cases.map(caseRow)), '');
  const failed = failedCases(run);
  if (failed.length > 0) lines.push('### Failures', '', ...failed.flatMap(failureBlock));
  if (r.output_tail.trim()) lines.push('### Output tail', '', ...fenced(r.output_tail), '');
  return lines;
}

export function renderTestResultsDetail(s: ProjectSnapshot): string {
  const head = [
    '<!-- Governor export — do not edit; the ledger is the source of truth -->',
    '# Test Results — Detail',
    '',
  ];
  if (s.testRuns.length === 0) return finish([...head, `No test runs yet in ${phaseTitle(s)}.`]);
  const runs = [...s.testRuns].reverse();
  return finish([
    ...head,
    // QA_REPORT.md exists only once a gate ran; never link to a file that is not exported.
    `_${runs.length} ${runs.length === 1 ? 'run' : 'runs'}, newest first · summary: ` +
      link('tests/TEST_RESULTS.md', 'tests', 'TEST_RESULTS.md') +
      (s.gates.length > 0 ? ` · gate: ${link('QA_REPORT.md', 'tests', 'QA_REPORT.md')}` : '') +
      '_',
    '',
    ...runs.flatMap(runSection),
  ]);
}
