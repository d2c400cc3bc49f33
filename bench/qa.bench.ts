import { execFileSync } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseCoverageFile } from '../electron/core/qa/coverage.ts';
import { type JUnitParseResult, parseJUnitFiles } from '../electron/core/qa/junit.ts';
import {
  CASES_PER_FILE,
  type GeneratedJUnit,
  JUNIT_FILES,
  LCOV_FILES,
  digestCoverage,
  digestJUnit,
  writeJUnit,
  writeLcov,
} from './qa-reports.ts';
import { type Figure, tempDir, timeAsync } from './util.ts';

/**
 * The QA gate parses whatever the project's test runner and coverage tool wrote, so a big project's
 * reports must not stall the gate or balloon the app's memory. Two generated reports of a large
 * project: JUnit XML with 50,000 test cases and an lcov file of 5,000 source files.
 *
 * Time is the median of REPS in-process parses after one untimed warm-up (JIT, page cache). Memory
 * cannot be measured honestly in this process (earlier benches left heap and RSS behind, and
 * maxRSS is a high-water mark), so each report is also parsed once in a fresh child process
 * (bench/qa-parse-child.ts) that reports its resident-set figures around that single parse.
 *
 * Every parse, timed or not, is checked against the counts the generator wrote, so a parser that
 * drops cases or records cannot produce a fast figure.
 */

const REPS = 5;
/** Decimal megabytes: maxRSS is in KiB, and 1 MB < 1 MiB makes the figure the stricter reading of the budget. */
const MB = 1_000_000;
const TIME_BUDGET_MS = 1_000;
const MEMORY_BUDGET_MB = 200;

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHILD = 'bench/qa-parse-child.ts';

// ---------------------------------------------------------------- checks

/** Field by field over both key sets, so a missing or extra field fails as surely as a wrong count. */
function assertDigest(label: string, got: object, want: object): void {
  const g = new Map(Object.entries(got));
  const w = new Map(Object.entries(want));
  for (const key of new Set([...g.keys(), ...w.keys()])) {
    if (g.get(key) !== w.get(key))
      throw new Error(`${label}: parsed ${key} = ${String(g.get(key))}, generated ${String(w.get(key))}`);
  }
}

/** The in-process check also compares every name and failure message, in document order. */
function checkJUnit(r: JUnitParseResult, gen: GeneratedJUnit): void {
  assertDigest('JUnit', digestJUnit(r), gen.expected);
  r.cases.forEach((c, i) => {
    if (c.name !== gen.names[i])
      throw new Error(
        `JUnit case ${i}: parsed name ${JSON.stringify(c.name)}, generated ${JSON.stringify(gen.names[i])}`,
      );
    const message = gen.failureMessages.get(i);
    if (message !== undefined && c.message !== message)
      throw new Error(
        `JUnit case ${i}: parsed message ${JSON.stringify(c.message)}, generated ${JSON.stringify(message)}`,
      );
  });
}

// ---------------------------------------------------------------- measuring

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

async function medianParse(parse: () => Promise<void>): Promise<number> {
  await parse(); // warm-up, checked like the rest
  const ms: number[] = [];
  for (let rep = 0; rep < REPS; rep++) ms.push(await timeAsync(parse));
  return median(ms);
}

/** What bench/qa-parse-child.ts prints. */
export const ChildReport = z.object({
  maxRssBeforeKb: z.number(),
  maxRssAfterKb: z.number(),
  /** Current RSS just before the parse, after a full GC: the baseline the delta is taken from. */
  rssBeforeKb: z.number(),
  heapUsedBefore: z.number(),
  heapUsedAfter: z.number(),
  digest: z.record(z.string(), z.union([z.number(), z.string()])),
});
export type ChildReport = z.infer<typeof ChildReport>;

function parseInChild(kind: 'junit' | 'lcov', file: string): ChildReport {
  // process.execPath, not "node" from PATH, so the child runs the same Node as the bench.
  // --expose-gc lets the child collect its import garbage before taking the baseline.
  const out = execFileSync(process.execPath, ['--expose-gc', 'bin/run-ts.mjs', CHILD, kind, file], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return ChildReport.parse(JSON.parse(out));
}

/**
 * The peak delta is taken from the current RSS at the baseline rather than the high-water mark then,
 * because tsx's compile of the imports may have peaked higher than where the child then stood, and a
 * parse that fits under that old peak would show a delta of 0. Measured from current RSS, the delta is
 * at worst an overestimate, which is the safe side of a budget.
 */
function figures(label: string, bytes: number, ms: number, child: ChildReport): Figure[] {
  const deltaMb = ((child.maxRssAfterKb - child.rssBeforeKb) * 1024) / MB;
  return [
    {
      name: `${label} (${(bytes / MB).toFixed(1)} MB) — parse, median of ${REPS}`,
      value: ms,
      unit: 'ms',
      budget: '< 1 s',
      ok: ms < TIME_BUDGET_MS,
    },
    {
      name: `${label} — peak RSS above child baseline`,
      value: deltaMb,
      unit: 'MB',
      budget: `< ${MEMORY_BUDGET_MB} MB`,
      ok: deltaMb < MEMORY_BUDGET_MB,
    },
    { name: `${label} — peak RSS of the whole child process`, value: (child.maxRssAfterKb * 1024) / MB, unit: 'MB' },
    {
      name: `${label} — heap held by the parse result`,
      value: (child.heapUsedAfter - child.heapUsedBefore) / MB,
      unit: 'MB',
    },
  ];
}

export async function benchQa(): Promise<Figure[]> {
  const dir = tempDir();
  try {
    const junitPath = join(dir, 'junit.xml');
    const lcovPath = join(dir, 'lcov.info');
    const junit = writeJUnit(junitPath);
    const lcov = writeLcov(lcovPath);

    const junitMs = await medianParse(async () => checkJUnit(await parseJUnitFiles([junitPath]), junit));
    const lcovMs = await medianParse(async () =>
      assertDigest('lcov', digestCoverage(await parseCoverageFile(lcovPath)), lcov),
    );

    const junitChild = parseInChild('junit', junitPath);
    assertDigest('JUnit (child)', junitChild.digest, junit.expected);
    const lcovChild = parseInChild('lcov', lcovPath);
    assertDigest('lcov (child)', lcovChild.digest, lcov);

    return [
      ...figures(
        `JUnit XML, ${(JUNIT_FILES * CASES_PER_FILE).toLocaleString('en')} cases`,
        statSync(junitPath).size,
        junitMs,
        junitChild,
      ),
      ...figures(`lcov, ${LCOV_FILES.toLocaleString('en')} source files`, statSync(lcovPath).size, lcovMs, lcovChild),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
