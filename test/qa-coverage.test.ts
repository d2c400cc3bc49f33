import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCoverageFile, type CoverageResult, type CoverageSummary } from '../electron/core/qa/coverage.ts';
import { runCommand } from '../electron/core/qa/run-command.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'qa');
const dir = mkdtempSync(join(tmpdir(), 'qa-coverage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function summary(result: CoverageResult): CoverageSummary {
  if ('problem' in result) throw new Error(`unexpected problem: ${result.problem}`);
  return result;
}

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('lcov', () => {
  it('reads the lcov that node --experimental-test-coverage writes', async () => {
    const project = join(dir, 'node-project');
    mkdirSync(project);
    writeFileSync(
      join(project, 'lib.mjs'),
      [
        'export function add(a, b) {',
        '  return a + b;',
        '}',
        'export function unused(x) {',
        '  if (x) {',
        '    return 1;',
        '  }',
        '  return 2;',
        '}',
      ].join('\n'),
    );
    writeFileSync(
      join(project, 'lib.test.mjs'),
      "import { test } from 'node:test';\nimport assert from 'node:assert';\nimport { add } from './lib.mjs';\ntest('adds', () => assert.strictEqual(add(2, 2), 4));\n",
    );
    const result = await runCommand({
      command:
        'node --test --experimental-test-coverage --test-reporter=lcov --test-reporter-destination=lcov.info ' +
        '--test-reporter=spec --test-reporter-destination=stdout lib.test.mjs',
      cwd: project,
      env: { NODE_OPTIONS: undefined, NODE_TEST_CONTEXT: undefined, NODE_V8_COVERAGE: undefined },
      timeoutMs: 60_000,
    });
    expect(result.exitCode, result.outputTail).toBe(0);

    const lcovPath = join(project, 'lcov.info');
    const cov = summary(await parseCoverageFile(lcovPath));
    expect(cov.format).toBe('lcov');
    expect(cov.files).toBe(2); // the library and the test file
    // Cross-check against the per-line DA records, a different route to the same numbers.
    const da = readFileSync(lcovPath, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('DA:'));
    const hit = da.filter((l) => Number(l.split(',')[1]) > 0).length;
    expect(cov.lines).toEqual({ covered: hit, total: da.length, pct: Math.round((hit / da.length) * 10_000) / 100 });
    expect(cov.lines.covered).toBeLessThan(cov.lines.total); // `unused` never ran
    expect(cov.branches).not.toBeNull();
  });

  it('sums records, falls back to DA/BRDA, merges a repeated SF and tolerates CRLF and a missing end', async () => {
    const path = write(
      'mixed.info',
      [
        'TN:',
        'SF:/repo/a.js',
        'DA:1,1',
        'DA:2,0',
        'LF:10',
        'LH:7',
        'BRF:4',
        'BRH:3',
        'end_of_record',
        'SF:/repo/b.js', // no summary records: count DA and BRDA
        'DA:1,5',
        'DA:2,0',
        'DA:3,1',
        'BRDA:1,0,0,2',
        'BRDA:1,0,1,-',
        'BRDA:3,1,0,0',
        'end_of_record',
        'SF:/repo/a.js', // the same file again from a second run
        'LF:10',
        'LH:8',
        'end_of_record',
        'SF:/repo/c.js',
        'LF:5',
        'LH:5', // no end_of_record at the end of the file
      ].join('\r\n'),
    );
    const cov = summary(await parseCoverageFile(path));
    expect(cov).toEqual({
      lines: { covered: 8 + 2 + 5, total: 10 + 3 + 5, pct: 83.33 },
      branches: { covered: 3 + 1, total: 4 + 3, pct: 57.14 },
      files: 3,
      format: 'lcov',
    });
  });

  it('reports no branches as null and no lines as 100 %', async () => {
    const path = write('nobranch.info', 'SF:/repo/empty.js\nLF:0\nLH:0\nend_of_record\n');
    expect(summary(await parseCoverageFile(path))).toEqual({
      lines: { covered: 0, total: 0, pct: 100 },
      branches: null,
      files: 1,
      format: 'lcov',
    });
  });

  it('reads a 5,000-file report', async () => {
    const records: string[] = [];
    for (let f = 0; f < 5000; f++) {
      records.push(`SF:/repo/src/module-${f}.ts`);
      for (let line = 1; line <= 40; line++) records.push(`DA:${line},${line % 4 === 0 ? 0 : 3}`);
      records.push('LF:40', 'LH:30', 'BRDA:1,0,0,1', 'BRDA:1,0,1,0', 'BRF:2', 'BRH:1', 'end_of_record');
    }
    const path = write('big.info', `${records.join('\n')}\n`);
    expect(summary(await parseCoverageFile(path))).toEqual({
      lines: { covered: 150_000, total: 200_000, pct: 75 },
      branches: { covered: 5000, total: 10_000, pct: 50 },
      files: 5000,
      format: 'lcov',
    });
  });
});

describe('Cobertura', () => {
  it('uses the root totals and counts distinct source files', async () => {
    expect(summary(await parseCoverageFile(join(FIXTURES, 'cobertura.xml')))).toEqual({
      lines: { covered: 90, total: 120, pct: 75 },
      branches: { covered: 15, total: 20, pct: 75 },
      files: 3,
      format: 'cobertura',
    });
  });

  it('counts class lines when the root has only rates', async () => {
    expect(summary(await parseCoverageFile(join(FIXTURES, 'cobertura-rates-only.xml')))).toEqual({
      lines: { covered: 3, total: 5, pct: 60 },
      branches: { covered: 1, total: 4, pct: 25 },
      files: 1,
      format: 'cobertura',
    });
  });

  it('treats zero valid branches (coverage.py without --branch) as not measured', async () => {
    const path = write(
      'nobranch.xml',
      '<?xml version="1.0"?><coverage lines-valid="4" lines-covered="1" line-rate="0.25" branches-valid="0" branches-covered="0" branch-rate="0"><packages/></coverage>',
    );
    expect(summary(await parseCoverageFile(path))).toMatchObject({
      lines: { covered: 1, total: 4, pct: 25 },
      branches: null,
    });
  });

  it('names malformed XML, Clover and other XML that is not Cobertura', async () => {
    const broken = write('broken.xml', '<coverage lines-valid="1">\n<packages>\n</coverage>');
    const broke = await parseCoverageFile(broken);
    expect(broke).toEqual({
      problem: expect.stringMatching(/^malformed XML in coverage file .*broken\.xml at line \d+, column \d+/),
    });

    const clover = write(
      'clover.xml',
      '<coverage generated="1" clover="4.4.1"><project><metrics statements="10" coveredstatements="5"/></project></coverage>',
    );
    expect(await parseCoverageFile(clover)).toEqual({
      problem: `coverage file ${clover} has a <coverage> root without Cobertura totals (no lines-valid or line-rate attribute)`,
    });

    const junit = join(FIXTURES, 'jest-junit.xml');
    expect(await parseCoverageFile(junit)).toEqual({
      problem: `coverage file ${junit} is XML but not Cobertura (no <coverage> root element)`,
    });
  });
});

describe('Istanbul json-summary', () => {
  it('reads total.lines and total.branches', async () => {
    expect(summary(await parseCoverageFile(join(FIXTURES, 'coverage-summary.json')))).toEqual({
      lines: { covered: 150, total: 200, pct: 75 },
      branches: { covered: 30, total: 40, pct: 75 },
      files: 2,
      format: 'istanbul-summary',
    });
  });

  it('explains coverage-final.json and broken JSON', async () => {
    const final = join(FIXTURES, 'coverage-final.json');
    const result = await parseCoverageFile(final);
    expect('problem' in result && result.problem).toContain(
      `${final} is JSON but not an Istanbul coverage-summary.json`,
    );

    const broken = write('broken.json', '{"total": {"lines": ');
    const brokenResult = await parseCoverageFile(broken);
    expect('problem' in brokenResult && brokenResult.problem).toContain(`malformed JSON in coverage file ${broken}`);
  });
});

describe('bad input', () => {
  it('names the file for an unknown format, a missing file, an empty file and a directory', async () => {
    const unknown = join(FIXTURES, 'not-coverage.txt');
    const missing = join(dir, 'missing', 'lcov.info');
    const empty = write('empty.info', '\n\n');
    expect(await parseCoverageFile(unknown)).toEqual({
      problem: `coverage file ${unknown} is not in a known format (lcov, Cobertura XML or Istanbul coverage-summary.json)`,
    });
    expect(await parseCoverageFile(missing)).toEqual({ problem: `coverage file not found: ${missing}` });
    expect(await parseCoverageFile(empty)).toEqual({ problem: `coverage file ${empty} is empty` });
    expect(await parseCoverageFile(dir)).toEqual({ problem: `coverage path is a directory, not a file: ${dir}` });
  });
});
