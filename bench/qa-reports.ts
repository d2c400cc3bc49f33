import { writeFileSync } from 'node:fs';
import type { CoverageResult } from '../electron/core/qa/coverage.ts';
import type { JUnitParseResult } from '../electron/core/qa/junit.ts';

/**
 * The reports bench/qa.bench.ts parses, generated: a large project's JUnit XML (50,000 test cases) and its
 * lcov file (5,000 source files), with the digests the parsers must reproduce from them. The digests are
 * shared with bench/qa-parse-child.ts, which checks its own parse the same way.
 */

export const JUNIT_FILES = 500;
/** Per test file: 10 top-level tests, then 3 describes of 10 tests plus 2 nested describes of 10 each. */
const TOP_LEVEL = 10;
const DESCRIBES = 3;
const NESTED = 2;
const PER_SUITE = 10;
export const CASES_PER_FILE = TOP_LEVEL + DESCRIBES * (PER_SUITE + NESTED * PER_SUITE);
export const LCOV_FILES = 5_000;
/** Lines of a stack trace below the error line, so failure bodies are the multi-line blobs runners write. */
const STACK_FRAMES = 8;
// ---------------------------------------------------------------- generated reports

/** Escapes text for both attribute values and element content. */
function xml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

/** What the parsers must report for the generated files; the digests below are compared with it. */
export interface JUnitDigest {
  tests: number;
  passed: number;
  failed: number;
  skipped: number;
  flaky: number;
  problems: number;
  /** Sum of every case's duration, in whole microseconds so the comparison is exact. */
  durationUs: number;
  /** Cases in a describe nested in a describe: proves nested suites were walked, not skipped. */
  nestedCases: number;
  /** Failed cases whose details carry the whole stack trace, not just its first line. */
  failuresWithStack: number;
}

export interface CoverageDigest {
  format: string;
  files: number;
  linesCovered: number;
  linesTotal: number;
  branchesCovered: number;
  branchesTotal: number;
}

export interface GeneratedJUnit {
  expected: JUnitDigest;
  /** Names and failure messages in document order, for the full in-process check. */
  names: string[];
  failureMessages: Map<number, string>;
}

type Status = 'passed' | 'failed' | 'skipped';

/** Deterministic ~2% failures and ~3% skips (exactly 1,000 and 1,500 of 50,000), never both. */
function statusOf(i: number): Status {
  if (i % 50 === 7) return 'failed';
  const r = i % 100;
  return r === 13 || r === 47 || r === 81 ? 'skipped' : 'passed';
}

const durationMsOf = (i: number) => (i * 7919) % 400;

const testFileOf = (f: number) =>
  `src/module-${String(Math.floor(f / 20)).padStart(2, '0')}/feature-${String(f).padStart(3, '0')}.test.ts`;

/** The assertion messages vitest and jest print most, with quotes and angle brackets to decode. */
function failureMessage(i: number): string {
  switch (i % 4) {
    case 0:
      return `expected ${i - 1} to be ${i} // Object.is equality`;
    case 1:
      return `expected { id: ${i}, name: 'case ${i}' } to deeply equal { id: ${i}, name: "case ${i}", tags: [] }`;
    case 2:
      return `expect(received).toBe(expected) // Object.is equality: expected "<ok>" but received "<error ${i}>"`;
    default:
      return `Timeout of 5000ms exceeded for test #${i} & its hooks`;
  }
}

function stackTrace(i: number, file: string, message: string): string {
  const line = 10 + (i % 300);
  const frames = [
    ` ❯ ${file}:${line}:${5 + (i % 40)}`,
    `    at Object.<anonymous> (/home/runner/work/app/app/${file}:${line}:${5 + (i % 40)})`,
    '    at Promise.then.completed (/home/runner/work/app/app/node_modules/jest-circus/build/utils.js:298:28)',
    '    at new Promise (<anonymous>)',
    '    at callAsyncCircusFn (/home/runner/work/app/app/node_modules/jest-circus/build/utils.js:231:10)',
    '    at _callCircusTest (/home/runner/work/app/app/node_modules/jest-circus/build/run.js:316:40)',
    '    at _runTest (/home/runner/work/app/app/node_modules/jest-circus/build/run.js:252:3)',
    '    at processTicksAndRejections (node:internal/process/task_queues:95:5)',
  ];
  return [`AssertionError: ${message}`, ...frames.slice(0, STACK_FRAMES)].join('\n');
}

interface SuiteCounts {
  tests: number;
  failures: number;
  skipped: number;
  ms: number;
}

export function writeJUnit(path: string): GeneratedJUnit {
  const names: string[] = [];
  const failureMessages = new Map<number, string>();
  const expected: JUnitDigest = {
    tests: 0,
    passed: 0,
    failed: 0,
    skipped: 0,
    flaky: 0,
    problems: 0,
    durationUs: 0,
    nestedCases: 0,
    failuresWithStack: 0,
  };
  let next = 0;

  /** One testcase element, in the shapes vitest, jest-junit and node:test write. */
  const testcase = (file: string, title: string, depth: number, counts: SuiteCounts[]): string => {
    const i = next++;
    const status = statusOf(i);
    const ms = durationMsOf(i);
    const name = i % 97 === 0 ? `renders <Widget variant="${i}"> & keeps focus` : `${title} case ${i}`;
    names.push(name);
    expected.tests++;
    expected[status]++;
    expected.durationUs += ms * 1000;
    if (depth === 2) expected.nestedCases++;
    for (const c of counts) {
      c.tests++;
      c.ms += ms;
      if (status === 'failed') c.failures++;
      if (status === 'skipped') c.skipped++;
    }
    const open = `<testcase classname="${xml(file)}" name="${xml(name)}" time="${(ms / 1000).toFixed(3)}"`;
    if (status === 'failed') {
      const message = failureMessage(i);
      failureMessages.set(i, message);
      expected.failuresWithStack++;
      return (
        `${open}>\n<failure message="${xml(message)}" ` +
        `type="AssertionError">\n${xml(stackTrace(i, file, message))}\n</failure>\n</testcase>`
      );
    }
    // node writes the todo flavour of skipped, vitest and jest a bare element.
    if (status === 'skipped') return `${open}>\n<skipped${i % 2 === 0 ? ' type="todo"' : ''}/>\n</testcase>`;
    if (i % 200 === 5)
      return `${open}>\n<system-out>\nconsole.log ${xml(file)}: rendered ${i} rows\n</system-out>\n</testcase>`;
    return `${open}/>`;
  };

  const suite = (name: string, counts: SuiteCounts, body: string, extra = ''): string =>
    `<testsuite name="${xml(name)}"${extra} tests="${counts.tests}" failures="${counts.failures}" ` +
    `errors="0" skipped="${counts.skipped}" ` +
    `time="${(counts.ms / 1000).toFixed(3)}">\n${body}\n</testsuite>`;

  const zero = (): SuiteCounts => ({ tests: 0, failures: 0, skipped: 0, ms: 0 });
  const total = zero();
  const files: string[] = [];
  for (let f = 0; f < JUNIT_FILES; f++) {
    const file = testFileOf(f);
    const fileCounts = zero();
    const parts: string[] = [];
    for (let k = 0; k < TOP_LEVEL; k++) parts.push(testcase(file, 'handles input', 0, [total, fileCounts]));
    for (let d = 0; d < DESCRIBES; d++) {
      const describeCounts = zero();
      const inner: string[] = [];
      for (let k = 0; k < PER_SUITE; k++)
        inner.push(testcase(file, `describe ${d} it`, 1, [total, fileCounts, describeCounts]));
      for (let n = 0; n < NESTED; n++) {
        const nestedCounts = zero();
        const leaves: string[] = [];
        for (let k = 0; k < PER_SUITE; k++)
          leaves.push(testcase(file, `when state ${n} it`, 2, [total, fileCounts, describeCounts, nestedCounts]));
        inner.push(suite(`when state ${n}`, nestedCounts, leaves.join('\n')));
      }
      parts.push(suite(`Feature${f} describe ${d}`, describeCounts, inner.join('\n')));
    }
    files.push(
      suite(
        file,
        fileCounts,
        parts.join('\n'),
        ` file="${xml(file)}" timestamp="2025-06-01T12:00:00.000Z" hostname="ci-runner-7"`,
      ),
    );
  }
  writeFileSync(
    path,
    `<?xml version="1.0" encoding="UTF-8" ?>\n<testsuites name="vitest tests" tests="${total.tests}" ` +
      `failures="${total.failures}" errors="0" ` +
      `time="${(total.ms / 1000).toFixed(3)}">\n${files.join('\n')}\n</testsuites>\n`,
  );
  if (expected.tests !== JUNIT_FILES * CASES_PER_FILE) throw new Error(`generated ${expected.tests} test cases`);
  return { expected, names, failureMessages };
}

/** An istanbul-style lcov report (the record order `nyc` and vitest's v8 provider write). */
export function writeLcov(path: string): CoverageDigest {
  const expected: CoverageDigest = {
    format: 'lcov',
    files: 0,
    linesCovered: 0,
    linesTotal: 0,
    branchesCovered: 0,
    branchesTotal: 0,
  };
  const out: string[] = [];
  for (let f = 0; f < LCOV_FILES; f++) {
    const lines = 30 + ((f * 13) % 21); // 30..50, about 40 on average
    const hits = (l: number) => ((f * 31 + l * 17) % 11 === 0 ? 0 : ((f + l) % 50) + 1);
    out.push(
      'TN:',
      `SF:/home/runner/work/app/app/src/module-${String(Math.floor(f / 50)).padStart(3, '0')}/file-${String(f).padStart(4, '0')}.ts`,
    );
    const fns: Array<{ line: number; name: string }> = [];
    for (let l = 1; l <= lines; l += 10) fns.push({ line: l, name: l === 1 ? '(anonymous_0)' : `handler${f}_${l}` });
    for (const fn of fns) out.push(`FN:${fn.line},${fn.name}`);
    out.push(`FNF:${fns.length}`, `FNH:${fns.filter((fn) => hits(fn.line) > 0).length}`);
    for (const fn of fns) out.push(`FNDA:${hits(fn.line)},${fn.name}`);
    let lh = 0;
    for (let l = 1; l <= lines; l++) {
      out.push(`DA:${l},${hits(l)}`);
      if (hits(l) > 0) lh++;
    }
    out.push(`LF:${lines}`, `LH:${lh}`);
    // An if/else on every 6th line; "-" for the arms of a line that never ran, as lcov writes it.
    let brf = 0;
    let brh = 0;
    for (let l = 3, block = 0; l <= lines; l += 6, block++) {
      for (let arm = 0; arm < 2; arm++) {
        const taken = hits(l) === 0 ? '-' : String((l + arm) % 3 === 0 ? 0 : hits(l));
        out.push(`BRDA:${l},${block},${arm},${taken}`);
        brf++;
        if (taken !== '-' && taken !== '0') brh++;
      }
    }
    out.push(`BRF:${brf}`, `BRH:${brh}`, 'end_of_record');
    expected.files++;
    expected.linesTotal += lines;
    expected.linesCovered += lh;
    expected.branchesTotal += brf;
    expected.branchesCovered += brh;
  }
  writeFileSync(path, `${out.join('\n')}\n`);
  return expected;
}

// ---------------------------------------------------------------- digests

export function digestJUnit(r: JUnitParseResult): JUnitDigest {
  let durationUs = 0;
  let nestedCases = 0;
  let failuresWithStack = 0;
  for (const c of r.cases) {
    durationUs += Math.round(c.duration_ms * 1000);
    if (c.suite.split(' > ').length === 3) nestedCases++;
    if (c.status === 'failed' && c.details !== null && c.details.split('\n').length === STACK_FRAMES + 1)
      failuresWithStack++;
  }
  return { ...r.totals, problems: r.problems.length, durationUs, nestedCases, failuresWithStack };
}

export function digestCoverage(r: CoverageResult): CoverageDigest {
  if ('problem' in r) throw new Error(`coverage parse failed: ${r.problem}`);
  return {
    format: r.format,
    files: r.files,
    linesCovered: r.lines.covered,
    linesTotal: r.lines.total,
    branchesCovered: r.branches?.covered ?? 0,
    branchesTotal: r.branches?.total ?? 0,
  };
}
