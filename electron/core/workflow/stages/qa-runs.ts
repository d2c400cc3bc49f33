import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { TestCommand, TestRunResult } from '../../../../shared/index.ts';
import { parseCoverageFile } from '../../qa/coverage.ts';
import { parseMetrics } from '../../qa/drift.ts';
import { computeTotals, mergeRetries, parseJUnitFiles } from '../../qa/junit.ts';
import { agentRunOptions } from '../../qa/confine.ts';
import { type QaRunHandle, beginQaRun } from '../../qa/run-registry.ts';
import { runCommand } from '../../qa/run-command.ts';
import type { Engine } from '../engine.ts';
import { qaCheckoutDir } from '../work-dirs.ts';

const OUTPUT_BATCH = 50;

/**
 * The folders the results go to (JUnit, coverage, metrics), created before the command runs: reporters
 * such as node's `--test-reporter-destination` do not create them, and a missing `reports/` folder
 * would fail a fresh project's first run for a reason that is not the code's. Each folder once, and
 * synchronously: the results usually share one folder, and a trip through the thread pool per path cost
 * more than the mkdir itself (milliseconds while the pool is busy with other writes).
 */
export function prepareResultDirs(cwd: string, t: TestCommand): void {
  const paths = [...(t.junit ? ([] as string[]).concat(t.junit) : []), t.coverage, t.metrics].filter((p): p is string =>
    Boolean(p),
  );
  const dirs = new Set<string>();
  for (const p of paths) {
    // A glob's folder is the part before the last `/` ahead of its first wildcard.
    const wild = p.search(/[*?[{]/);
    const dir = wild >= 0 ? p.slice(0, p.lastIndexOf('/', wild) + 1) : dirname(p);
    if (dir && dir !== '.' && dir !== '/') dirs.add(join(cwd, dir));
  }
  for (const dir of dirs) mkdirSync(dir, { recursive: true });
}

/**
 * Result files up to this size are read synchronously: the four thread-pool trips of an asynchronous read
 * (open, stat, read, close) cost more than the read, and wait behind whatever else the pool is writing.
 * A larger file (a JUnit report of a very large suite) is read asynchronously, so the loop is not held.
 */
const SYNC_READ_MAX = 4 * 1024 * 1024;

function readReport(path: string): Promise<Buffer> {
  try {
    // Anything but a regular file (a FIFO the tests left, which would block a synchronous open) as before.
    const st = statSync(path);
    if (!st.isFile() || st.size > SYNC_READ_MAX) return readFile(path);
    return Promise.resolve(readFileSync(path));
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Name files relative to the checkout, so the same ledger reads the same on every machine. */
const relative = (text: string, ...roots: string[]) => roots.reduce((t, r) => t.replaceAll(`${r}/`, ''), text);

/**
 * The result files of one attempt, each read once: the JUnit, coverage and metrics parses and the report hashes
 * used to read every file twice (coverage three times) (a thread-pool round trip and a copy each). Read after the command is over,
 * when nothing writes them any more, so the bytes parsed are the bytes hashed.
 */
export function reportFiles() {
  const reads = new Map<string, Promise<Buffer>>();
  const bytes = (path: string) => {
    let read = reads.get(path);
    if (!read) {
      read = readReport(path);
      // Remembered as a rejection too (a report not written); every caller handles it.
      read.catch(() => {});
      reads.set(path, read);
    }
    return read;
  };
  return {
    bytes,
    text: async (path: string) => (await bytes(path)).toString('utf8'),
    async sha(path: string): Promise<{ sha256: string; bytes: number } | null> {
      try {
        const data = await bytes(path);
        return { sha256: createHash('sha256').update(data).digest('hex'), bytes: data.byteLength };
      } catch {
        return null;
      }
    },
  };
}

/**
 * One attempt of one test command in the checkout. Its output is streamed to the ledger in batches
 * (the UI shows it live) as well as to the progress line.
 */
async function attempt(e: Engine, phase: number, t: TestCommand, checkout: string, n: number, registry: QaRunHandle) {
  const cwd = join(checkout, t.cwd);
  prepareResultDirs(cwd, t);
  let buffer: string[] = [];
  const flush = () => {
    if (buffer.length === 0) return;
    const lines = buffer;
    buffer = [];
    e.ledger.append([
      { type: 'qa.output_logged', actor: 'Tester', payload: { phase, test: t.name, attempt: n, lines } },
    ]);
  };
  // Through the engine's runner: a recorded run keeps the output, the result and the result files it reads.
  const run = await (e.runTests ?? runCommand)({
    command: t.command,
    cwd,
    resultFiles: [
      ...(t.junit ? ([] as string[]).concat(t.junit) : []),
      ...(t.coverage ? [t.coverage] : []),
      ...(t.metrics ? [t.metrics] : []),
    ],
    env: t.env,
    timeoutMs: t.timeout_s * 1000,
    // Sandboxed in the checkout, allowlisted environment, every line through the project's redactor.
    ...agentRunOptions(e, checkout),
    onSpawn: (pid) => registry.spawned(pid),
    onOutput: (line) => {
      e.progress({ kind: 'test', agent: 'Tester', text: `  │ ${line}` });
      buffer.push(line.length > 2000 ? `${line.slice(0, 2000)}…` : line);
      if (buffer.length >= OUTPUT_BATCH) flush();
    },
  });
  registry.exited();
  flush();
  const junitPaths = t.junit ? ([] as string[]).concat(t.junit).map((p) => join(cwd, p)) : [];
  const files = reportFiles();
  const parsed =
    junitPaths.length > 0
      ? await parseJUnitFiles(junitPaths, files.text)
      : {
          cases: [],
          totals: computeTotals([]),
          problems: ['no JUnit results configured for this test command (`junit:` in .project_policies.yaml)'],
        };
  return { run, parsed, cwd, files };
}

/**
 * Run every test command of the policy on a clean checkout of `candidate` (never the user's tree, never
 * an agent workspace). A failing command is retried up to its `retries`; a case that failed and then
 * passed is flaky. Coverage, metrics and output hashes are read right after the run.
 */
export async function runPolicyTests(
  e: Engine,
  phase: number,
  candidate: string,
  opts: { retries?: boolean; label?: string } = {},
): Promise<TestRunResult[]> {
  // Recorded before the checkout is made, in a checkout no other run holds: a kill from here on is cleaned
  // up at the next open.
  const registry = beginQaRun(e.dir, (slot) => qaCheckoutDir(e.dir, slot));
  const dir = registry.checkout;
  // The checkout an earlier run left (of this candidate or another) is reused, wiped of everything the
  // commit does not hold, ignored files included: as clean as a new one, without a `git worktree add`.
  // Anything that stops the wipe (a folder a test made unwritable) and it is made anew.
  // A run that ends (even by throwing) keeps its checkout for the human to inspect and frees it for the next
  // run; only a killed one's record survives, and the next open ends its processes and removes its checkout.
  try {
    try {
      await e.git.materialize({ oid: candidate, dir, pristine: true });
    } catch {
      await rm(dir, { recursive: true, force: true });
      await e.git.materialize({ oid: candidate, dir, pristine: true });
    }
    return await runAll(e, phase, candidate, dir, registry, opts);
  } finally {
    registry.end();
  }
}

async function runAll(
  e: Engine,
  phase: number,
  candidate: string,
  dir: string,
  registry: QaRunHandle,
  opts: { retries?: boolean; label?: string },
): Promise<TestRunResult[]> {
  const results: TestRunResult[] = [];
  for (const t of e.policies.tests) {
    const started = e.clock().toISOString();
    e.progress({
      kind: 'test',
      agent: 'Tester',
      text: `running ${t.name}${opts.label ? ` (${opts.label})` : ''}: ${t.command}`,
    });
    const attempts = [];
    const maxAttempts = 1 + (opts.retries === false ? 0 : t.retries);
    for (let n = 1; n <= maxAttempts; n++) {
      const a = await attempt(e, phase, t, dir, n, registry);
      attempts.push(a);
      const failed = a.run.exitCode !== 0 || a.parsed.totals.failed > 0;
      if (!failed || a.run.timedOut || a.run.notFound) break;
      if (n < maxAttempts)
        e.progress({ kind: 'test', agent: 'Tester', text: `${t.name} failed; retry ${n} of ${t.retries}` });
    }
    const last = attempts[attempts.length - 1];
    if (!last) continue;
    const cases = attempts.length > 1 ? mergeRetries(attempts.map((a) => a.parsed.cases)) : last.parsed.cases;
    const problems: string[] = [];
    if (last.run.refused) problems.push(`not run: ${last.run.refused}`);
    if (last.run.notFound) problems.push(`command not found: ${t.command}`);
    if (last.run.timedOut) problems.push(`timed out after ${t.timeout_s}s; the process tree was killed`);
    problems.push(...last.parsed.problems.map((p) => relative(p, last.cwd, dir)));

    let coverage: TestRunResult['coverage'] = null;
    if (t.coverage) {
      const cov = await parseCoverageFile(join(last.cwd, t.coverage), last.files.bytes);
      if ('problem' in cov) problems.push(`coverage: ${relative(cov.problem, last.cwd, dir)}`);
      else coverage = { lines: cov.lines.pct, branches: cov.branches?.pct ?? null, format: cov.format };
    }
    let metrics: TestRunResult['metrics'] = null;
    if (t.metrics) {
      try {
        const m = parseMetrics(await last.files.text(join(last.cwd, t.metrics)), t.metrics);
        if ('problem' in m) problems.push(`metrics: ${m.problem}`);
        else metrics = m.metrics;
      } catch {
        problems.push(`metrics: ${t.metrics} was not written by the tests`);
      }
    }
    const outputs: NonNullable<TestRunResult['outputs']> = [];
    for (const rel of [...(t.junit ? ([] as string[]).concat(t.junit) : []), t.coverage, t.metrics]) {
      if (!rel) continue;
      const h = await last.files.sha(join(last.cwd, rel));
      if (h) outputs.push({ path: join(t.cwd, rel), ...h });
    }
    const totals = computeTotals(cases);
    // JUnit messages, stacks and system-out are test output too: through the same redactor as the lines.
    const redact = agentRunOptions(e, dir).redact ?? ((x: string) => x);
    results.push(
      redactResult(redact, {
        name: opts.label ? `${t.name} (${opts.label})` : t.name,
        command: t.command,
        candidate,
        exit_code: last.run.exitCode,
        timed_out: last.run.timedOut,
        duration_ms: attempts.reduce((sum, a) => sum + a.run.durationMs, 0),
        totals,
        cases,
        problems,
        output_tail: last.run.outputTail,
        started_at: started,
        attempts: attempts.length,
        coverage,
        metrics,
        outputs,
      }),
    );
  }
  return results;
}

function redactResult(redact: (text: string) => string, r: TestRunResult): TestRunResult {
  const walk = (v: unknown): unknown =>
    typeof v === 'string'
      ? redact(v)
      : Array.isArray(v)
        ? v.map(walk)
        : v && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]))
          : v;
  return walk(r) as TestRunResult;
}

/** What must be the same for two runs to count as identical: every case's status, and every metric. */
export function runSignature(results: readonly TestRunResult[]): string {
  return JSON.stringify(
    results.map((r) => ({
      name: r.name.replace(/ \(.*\)$/, ''),
      cases: r.cases.map((c) => `${c.suite}/${c.name}:${c.status}`).sort(),
      metrics: r.metrics ?? null,
      exit: r.exit_code,
    })),
  );
}

/**
 * Regression replay for reproducibility (policy `reproducibility_runs`): the same candidate again, N-1 more
 * times, without retries. The score is the share of runs identical to the first, as the seed describes it.
 */
export async function reproducibilityRuns(e: Engine, phase: number, candidate: string): Promise<TestRunResult[]> {
  const n = e.policies.reproducibility_runs;
  const extra: TestRunResult[] = [];
  for (let k = 2; k <= n; k++)
    extra.push(...(await runPolicyTests(e, phase, candidate, { retries: false, label: `repro ${k}` })));
  return extra;
}
