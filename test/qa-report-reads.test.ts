/**
 * A QA test run reads each result file once: the JUnit and metrics parses and the reports' hashes share the
 * bytes (before, every report was read again to hash it). Small reports are read synchronously, and each
 * results folder is made once, synchronously: a trip through the thread pool per file or per path cost more
 * than the work (open, stat, read and close are one trip each), and waited behind the pool's other writes.
 * A real command on a real checkout; what the run records (cases, metrics, hashes of the files as the run
 * left them) is the same.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { runPolicyTests } from '../electron/core/workflow/stages/qa-runs.ts';
import { qaCheckoutDir } from '../electron/core/workflow/work-dirs.ts';
import { type SampleProject, sampleProject } from './support/project.ts';

/**
 * Every path opened for reading (through node:fs/promises' readFile or open, node:fs's createReadStream or
 * readFileSync), and every folder made (mkdir or mkdirSync), each with whether it went through the thread pool.
 */
const calls = vi.hoisted(() => ({
  reads: [] as Array<{ path: string; pool: boolean }>,
  mkdirs: [] as Array<{ path: string; pool: boolean }>,
}));

vi.mock('node:fs/promises', async (importOriginal) => {
  const fsp = await importOriginal<typeof import('node:fs/promises')>();
  const readFile = ((...args: Parameters<typeof fsp.readFile>) => {
    calls.reads.push({ path: String(args[0]), pool: true });
    return fsp.readFile(...args);
  }) as typeof fsp.readFile;
  const open = ((...args: Parameters<typeof fsp.open>) => {
    calls.reads.push({ path: String(args[0]), pool: true });
    return fsp.open(...args);
  }) as typeof fsp.open;
  const mkdir = ((...args: Parameters<typeof fsp.mkdir>) => {
    calls.mkdirs.push({ path: String(args[0]), pool: true });
    return fsp.mkdir(...args);
  }) as typeof fsp.mkdir;
  return { ...fsp, default: { ...fsp, readFile, open, mkdir }, readFile, open, mkdir };
});

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const createReadStream = ((...args: Parameters<typeof fs.createReadStream>) => {
    calls.reads.push({ path: String(args[0]), pool: true });
    return fs.createReadStream(...args);
  }) as typeof fs.createReadStream;
  const readFileSync = ((...args: Parameters<typeof fs.readFileSync>) => {
    calls.reads.push({ path: String(args[0]), pool: false });
    return fs.readFileSync(...args);
  }) as typeof fs.readFileSync;
  const mkdirSync = ((...args: Parameters<typeof fs.mkdirSync>) => {
    calls.mkdirs.push({ path: String(args[0]), pool: false });
    return fs.mkdirSync(...args);
  }) as typeof fs.mkdirSync;
  const own = { createReadStream, readFileSync, mkdirSync };
  return { ...fs, ...own, default: { ...fs, ...own } };
});

const REPORTS =
  'mkdir -p reports && printf \'%s\' \'<testsuites><testsuite name="s" tests="2"><testcase name="a"/>' +
  '<testcase name="b"><failure message="no"/></testcase></testsuite></testsuites>\' > reports/junit.xml && ' +
  'printf \'{"sharpe": 1.5}\' > reports/metrics.json && ' +
  "printf 'TN:\\nSF:src/a.js\\nDA:1,1\\nDA:2,0\\nLF:2\\nLH:1\\nend_of_record\\n' > reports/lcov.info";

let sp: SampleProject;
beforeAll(async () => {
  sp = await sampleProject();
  const file = join(sp.dir, '.project_policies.yaml');
  const doc = parseDocument(readFileSync(file, 'utf8'));
  doc.setIn(
    ['tests'],
    [
      {
        name: 'unit',
        command: REPORTS,
        timeout_s: 60,
        retries: 1,
        junit: 'reports/junit.xml',
        coverage: 'reports/lcov.info',
        metrics: 'reports/metrics.json',
      },
    ],
  );
  writeFileSync(file, doc.toString());
  await sp.reopen();
});
afterAll(() => sp?.close());

test('each report is read once per attempt, and its recorded hash is that of the file the run left', async () => {
  const develop = await sp.p.git.resolveRef('develop');
  expect(develop).not.toBeNull();
  calls.reads.length = 0;
  calls.mkdirs.length = 0;
  const [r, ...rest] = await runPolicyTests(sp.p, 1, develop ?? '');
  const reads = calls.reads.filter((c) => /\/reports\/[^/]+$/.test(c.path));
  const mkdirs = calls.mkdirs.filter((c) => c.path.endsWith('/reports'));
  expect(rest).toEqual([]);
  // A failing case: retried once, so two attempts, each reading its JUnit file; metrics read after the last.
  expect(r).toMatchObject({
    attempts: 2,
    totals: { passed: 1, failed: 1 },
    metrics: { sharpe: 1.5 },
    coverage: { lines: 50, branches: null, format: 'lcov' },
  });
  const count = (name: string) => reads.filter((c) => c.path.endsWith(`/reports/${name}`)).length;
  expect({ junit: count('junit.xml'), lcov: count('lcov.info'), metrics: count('metrics.json') }).toEqual({
    junit: 2,
    lcov: 1,
    metrics: 1,
  });
  // None of them through the thread pool; and `reports/` (where all three go) made once per attempt.
  expect(reads.filter((c) => c.pool)).toEqual([]);
  expect(mkdirs).toEqual([
    { path: expect.stringMatching(/\/reports$/), pool: false },
    { path: expect.stringMatching(/\/reports$/), pool: false },
  ]);
  const checkout = join(qaCheckoutDir(sp.dir), 'reports');
  const sha = (name: string) =>
    createHash('sha256')
      .update(readFileSync(join(checkout, name)))
      .digest('hex');
  expect(r?.outputs).toEqual([
    { path: 'reports/junit.xml', sha256: sha('junit.xml'), bytes: readFileSync(join(checkout, 'junit.xml')).length },
    { path: 'reports/lcov.info', sha256: sha('lcov.info'), bytes: readFileSync(join(checkout, 'lcov.info')).length },
    { path: 'reports/metrics.json', sha256: sha('metrics.json'), bytes: 15 },
  ]);
});

test('coverage parsed from the bytes the gate read is what the file parses to on its own, in every format', async () => {
  const { parseCoverageFile } = await import('../electron/core/qa/coverage.ts');
  const { reportFiles } = await import('../electron/core/workflow/stages/qa-runs.ts');
  const fixtures = join(import.meta.dirname, 'fixtures', 'qa');
  const files = reportFiles();
  for (const name of [
    'cobertura.xml',
    'cobertura-rates-only.xml',
    'lcov.info',
    'coverage-summary.json',
    'missing.info',
  ])
    expect(await parseCoverageFile(join(fixtures, name), files.bytes)).toEqual(
      await parseCoverageFile(join(fixtures, name)),
    );
});

test('a report larger than a few MiB, or not a file, is read through the thread pool, so the loop is not held', async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { reportFiles } = await import('../electron/core/workflow/stages/qa-runs.ts');
  const dir = mkdtempSync(join(tmpdir(), 'governor-big-report-'));
  try {
    const big = join(dir, 'junit.xml');
    const content = Buffer.alloc(5 * 1024 * 1024, 'x');
    writeFileSync(big, content);
    calls.reads.length = 0;
    const files = reportFiles();
    expect((await files.bytes(big)).equals(content)).toBe(true);
    expect(await files.sha(big)).toEqual({
      sha256: createHash('sha256').update(content).digest('hex'),
      bytes: content.byteLength,
    });
    expect(calls.reads).toEqual([{ path: big, pool: true }]);
    await expect(files.bytes(join(dir, 'missing.xml'))).rejects.toMatchObject({ code: 'ENOENT' });
    // Not a regular file (a folder here; a FIFO would block a synchronous open): through the pool as well.
    calls.reads.length = 0;
    await expect(files.bytes(dir)).rejects.toMatchObject({ code: 'EISDIR' });
    expect(calls.reads).toEqual([{ path: dir, pool: true }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
