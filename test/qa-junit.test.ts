import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCase } from '../shared/domain/testrun.ts';
import {
  MAX_DETAILS_CHARS,
  computeTotals,
  mergeRetries,
  parseJUnitFiles,
  parseJUnitText,
} from '../electron/core/qa/junit.ts';
import { runCommand } from '../electron/core/qa/run-command.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'qa');
const dir = realpathSync(mkdtempSync(join(tmpdir(), 'qa-junit-')));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The runners below are children of a vitest worker: keep its variables out of their way. */
const CLEAN_ENV = {
  NODE_OPTIONS: undefined,
  NODE_TEST_CONTEXT: undefined,
  VITEST: undefined,
  VITEST_MODE: undefined,
  VITEST_POOL_ID: undefined,
  VITEST_WORKER_ID: undefined,
  TEST: undefined,
  NODE_ENV: undefined,
};

function byName(cases: TestCase[], name: string): TestCase {
  const found = cases.find((c) => c.name === name);
  if (!found) throw new Error(`no case named ${name}; have ${cases.map((c) => c.name).join(', ')}`);
  return found;
}

describe('node:test junit reporter (real run)', () => {
  const project = join(dir, 'node-project');
  let junit = '';
  let spec: string[] = [];

  beforeAll(async () => {
    mkdirSync(join(project, 'out'), { recursive: true });
    writeFileSync(join(project, 'lib.mjs'), 'export function add(a, b) {\n  return a + b;\n}\n');
    writeFileSync(
      join(project, 'math.test.mjs'),
      [
        "import { describe, test } from 'node:test';",
        "import assert from 'node:assert';",
        "import { add } from './lib.mjs';",
        "describe('math', () => {",
        "  test('adds', () => { assert.strictEqual(add(1, 2), 3); });",
        "  test('fails', () => { assert.strictEqual(add(1, 2), 4, 'sum should be four'); });",
        "  test('skipped one', { skip: 'not ready' }, () => {});",
        "  test('todo one', { todo: true }, () => {});",
        "  test('failing todo', { todo: 'later' }, () => { throw new Error('todo breaks'); });",
        "  describe('inner', () => {",
        "    test('nested pass', () => {});",
        '  });',
        '});',
        "test('top level pass', () => {});",
        "test('throws <error>', () => { throw new TypeError('boom <&> \"q\"'); });",
      ].join('\n'),
    );
    spec = [];
    const result = await runCommand({
      command:
        'node --test --test-reporter=spec --test-reporter-destination=stdout ' +
        '--test-reporter=junit --test-reporter-destination=out/junit.xml math.test.mjs',
      cwd: project,
      env: CLEAN_ENV,
      timeoutMs: 60_000,
      onOutput: (line) => spec.push(line),
    });
    expect(result.exitCode, result.outputTail).toBe(1); // two real failures
    junit = join(project, 'out', 'junit.xml');
  });

  it('counts passes, failures and skips exactly as node does', async () => {
    const { cases, totals, problems } = await parseJUnitFiles([junit]);
    expect(problems).toEqual([]);
    // node's own summary, streamed by the spec reporter, agrees.
    expect(spec).toContain('ℹ pass 3');
    expect(spec).toContain('ℹ fail 2');
    expect(totals).toEqual({ tests: 8, passed: 3, failed: 2, skipped: 3, flaky: 0 });
    expect(cases.map((c) => `${c.suite}/${c.name}:${c.status}`)).toEqual([
      'math/adds:passed',
      'math/fails:failed',
      'math/skipped one:skipped',
      'math/todo one:skipped',
      'math/failing todo:skipped',
      'math > inner/nested pass:passed',
      '/top level pass:passed',
      '/throws <error>:failed',
    ]);
  });

  it('keeps failure messages and bodies, decoded', async () => {
    const { cases } = await parseJUnitFiles([junit]);
    const fails = byName(cases, 'fails');
    expect(fails.message).toContain('sum should be four');
    expect(fails.details).toContain('AssertionError');
    expect(fails.details).toContain(`TestContext.<anonymous> (file://${project}/math.test.mjs:6:`);
    expect(byName(cases, 'throws <error>').details).toContain('boom <&> "q"');
    expect(byName(cases, 'skipped one').message).toBe('not ready');
    // node's failing todo is not a failure, but what went wrong is kept.
    expect(byName(cases, 'failing todo').details).toContain('todo breaks');
    for (const c of cases) expect(TestCase.parse(c)).toEqual(c);
  });
});

describe('vitest junit reporter (real run)', () => {
  it('parses vitest output', async () => {
    // Under /work/main so that `npx vitest` resolves the installed vitest.
    const root = join(import.meta.dirname, '..', 'test-output');
    mkdirSync(root, { recursive: true });
    const project = mkdtempSync(join(root, 'qa-vitest-'));
    try {
      // Its own config, or vitest would pick up the repository's.
      writeFileSync(join(project, 'vitest.config.mjs'), "export default { test: { include: ['*.test.js'] } };\n");
      writeFileSync(
        join(project, 'calc.test.js'),
        [
          "import { describe, it, expect } from 'vitest';",
          "describe('calc', () => {",
          "  it('adds', () => { expect(1 + 1).toBe(2); });",
          "  it('divides', () => { expect(1 / 0, 'no infinity').toBe(2); });",
          "  it.skip('later', () => {});",
          "  it.todo('someday');",
          '});',
          "it('top', () => {});",
        ].join('\n'),
      );
      const output = join(project, 'junit.xml');
      const result = await runCommand({
        command: `npx vitest run --reporter=junit --outputFile=${output} --root ${project}`,
        cwd: project,
        env: CLEAN_ENV,
        timeoutMs: 90_000,
      });
      expect(result.exitCode, result.outputTail).toBe(1);
      const { cases, totals, problems } = await parseJUnitFiles([output]);
      expect(problems).toEqual([]);
      expect(totals).toEqual({ tests: 5, passed: 2, failed: 1, skipped: 2, flaky: 0 });
      const divides = byName(cases, 'calc > divides');
      expect(divides.status).toBe('failed');
      expect(divides.message).toContain('no infinity: expected Infinity to be 2');
      expect(divides.suite).toBe('calc.test.js');
      expect(divides.classname).toBe('calc.test.js');
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
});

const pytestAvailable = spawnSync('python3', ['-m', 'pytest', '--version'], { encoding: 'utf8' }).status === 0;

describe('pytest --junitxml (real run)', () => {
  it.skipIf(!pytestAvailable)(
    pytestAvailable ? 'parses pytest output' : 'parses pytest output (skipped: python3 -m pytest is absent)',
    async () => {
      const project = join(dir, 'py-project');
      mkdirSync(project);
      writeFileSync(
        join(project, 'test_sample.py'),
        [
          'import pytest',
          'def test_pass():',
          '    assert 1 == 1',
          'def test_fail():',
          '    assert 1 == 2, "one is not two"',
          '@pytest.mark.skip(reason="not today")',
          'def test_skip():',
          '    pass',
          '@pytest.fixture',
          'def broken():',
          '    raise RuntimeError("fixture exploded")',
          'def test_error(broken):',
          '    pass',
          '@pytest.mark.xfail(reason="known bug")',
          'def test_xfail():',
          '    assert False',
          'class TestGroup:',
          '    def test_in_class(self):',
          '        assert True',
        ].join('\n'),
      );
      // xunit1 also writes the file and line attributes.
      const result = await runCommand({
        command: 'python3 -m pytest -p no:cacheprovider -o junit_family=xunit1 --junitxml=out.xml -q',
        cwd: project,
        timeoutMs: 60_000,
      });
      expect(result.exitCode, result.outputTail).toBe(1);
      const { cases, totals, problems } = await parseJUnitFiles([join(project, 'out.xml')]);
      expect(problems).toEqual([]);
      expect(totals).toEqual({ tests: 6, passed: 2, failed: 2, skipped: 2, flaky: 0 });
      const fail = byName(cases, 'test_fail');
      expect(fail).toMatchObject({ status: 'failed', classname: 'test_sample', file: 'test_sample.py' });
      // `&#10;` in the message attribute is a real line break.
      expect(fail.message).toBe('AssertionError: one is not two\nassert 1 == 2');
      const error = byName(cases, 'test_error');
      expect(error.status).toBe('error');
      expect(error.message).toContain('fixture exploded');
      expect(byName(cases, 'test_xfail')).toMatchObject({ status: 'skipped', message: 'known bug' });
      expect(byName(cases, 'test_in_class')).toMatchObject({ status: 'passed', classname: 'test_sample.TestGroup' });
    },
  );
});

describe('hand-written dialects', () => {
  it('jest-junit: bare <failure> bodies, CDATA, <skipped/>', async () => {
    const { cases, totals, problems } = await parseJUnitFiles([join(FIXTURES, 'jest-junit.xml')]);
    expect(problems).toEqual([]);
    expect(totals).toEqual({ tests: 5, passed: 2, failed: 2, skipped: 1, flaky: 0 });
    const divide = byName(cases, 'Calculator divides by zero');
    expect(divide.message).toBe('Error: expect(received).toBe(expected) // Object.is equality');
    expect(divide.details).toContain('Object.<anonymous> (/repo/src/calc.test.js:12:24)');
    expect(byName(cases, 'Calculator parses input').details).toContain("reading 'trim'");
    expect(byName(cases, 'Calculator multiplies').duration_ms).toBe(1500);
    expect(divide.suite).toBe('Calculator');
  });

  it('go-junit-report: properties, skipped message, build error', async () => {
    const { cases, totals } = await parseJUnitFiles([join(FIXTURES, 'go-junit-report.xml')]);
    expect(totals).toEqual({ tests: 5, passed: 2, failed: 2, skipped: 1, flaky: 0 });
    expect(byName(cases, 'TestDivide')).toMatchObject({
      status: 'failed',
      message: 'Failed',
      details: 'calc_test.go:14: Divide(1, 0) = +Inf, want error',
      suite: 'example.com/calc',
      duration_ms: 10,
    });
    expect(byName(cases, '[build failed]')).toMatchObject({ status: 'error', message: 'Build error' });
    expect(byName(cases, 'TestSlow')).toMatchObject({ status: 'skipped', message: 'Skipped' });
  });

  it('accepts a bare <testsuite> root and Surefire flaky markers', () => {
    const { cases, totals } = parseJUnitText(
      `<testsuite name="s" file="a.spec.js"><testcase name="t" time="1,234.5"><flakyFailure message="first try"/></testcase></testsuite>`,
      'inline',
    );
    expect(cases[0]).toMatchObject({
      status: 'passed',
      flaky: true,
      file: 'a.spec.js',
      duration_ms: 1_234_500,
      message: 'first try',
    });
    expect(totals.flaky).toBe(1);
  });

  it('caps very long failure bodies', () => {
    const body = 'x'.repeat(MAX_DETAILS_CHARS + 500);
    const { cases } = parseJUnitText(
      `<testsuites><testcase name="big"><failure>${body}</failure></testcase></testsuites>`,
      'big',
    );
    expect(cases[0]!.details!.startsWith('x'.repeat(MAX_DETAILS_CHARS))).toBe(true);
    expect(cases[0]!.details).toContain('500 more characters truncated');
  });

  it('handles a large file linearly without losing cases', () => {
    const parts = ['<testsuites>'];
    for (let s = 0; s < 200; s++) {
      parts.push(`<testsuite name="suite ${s}">`);
      for (let i = 0; i < 100; i++) {
        parts.push(
          i % 10 === 0
            ? `<testcase name="t${i}" time="0.001"><failure message="m &lt;${i}&gt;">at x</failure></testcase>`
            : `<testcase name="t${i}" time="0.001"/>`,
        );
      }
      parts.push('</testsuite>');
    }
    parts.push('</testsuites>');
    const { totals, cases } = parseJUnitText(parts.join('\n'), 'generated');
    expect(totals).toEqual({ tests: 20_000, passed: 18_000, failed: 2_000, skipped: 0, flaky: 0 });
    expect(cases[19_990]).toMatchObject({ suite: 'suite 199', name: 't90', message: 'm <90>' });
  });
});

describe('bad input becomes problems, never a throw', () => {
  it('names a missing file and still reads the others', async () => {
    const missing = join(dir, 'nope', 'junit.xml');
    const { totals, problems } = await parseJUnitFiles([
      join(FIXTURES, 'jest-junit.xml'),
      missing,
      join(FIXTURES, 'go-junit-report.xml'),
    ]);
    expect(problems).toEqual([`JUnit results file not found: ${missing}`]);
    expect(totals).toEqual({ tests: 10, passed: 4, failed: 4, skipped: 2, flaky: 0 });
  });

  it('names the file, line and column of malformed XML', async () => {
    const truncated = join(dir, 'truncated.xml');
    const text = readFileSync(join(FIXTURES, 'go-junit-report.xml'), 'utf8');
    writeFileSync(truncated, text.slice(0, text.indexOf('<testcase name="TestSlow"')));
    const broken = join(dir, 'broken.xml');
    writeFileSync(
      broken,
      '<testsuites>\n  <testsuite name="a">\n    <testcase name="x" time="1"></testsuite>\n</testsuites>\n',
    );

    const { cases, problems } = await parseJUnitFiles([truncated, broken]);
    expect(cases).toEqual([]);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain(truncated);
    expect(problems[0]).toMatch(/^malformed XML in JUnit file .* at line \d+, column \d+: /);
    expect(problems[1]).toContain(broken);
    expect(problems[1]).toContain('at line 3, column');
  });

  it('reports empty files, directories and XML that is not JUnit', async () => {
    const empty = join(dir, 'empty.xml');
    writeFileSync(empty, '  \n');
    const html = join(dir, 'page.xml');
    writeFileSync(html, '<html><body>Tests passed</body></html>');
    const { problems } = await parseJUnitFiles([empty, html, dir]);
    expect(problems).toEqual([
      `JUnit file ${empty} is empty`,
      `JUnit file ${html} has no <testsuites> or <testsuite> root (found <html>)`,
      `JUnit results path is a directory, not a file: ${dir}`,
    ]);
  });
});

describe('mergeRetries', () => {
  const attempt = (body: string) =>
    parseJUnitText(`<testsuites><testsuite name="s">${body}</testsuite></testsuites>`, 'a').cases;
  const fail = (name: string) => `<testcase name="${name}"><failure message="${name} broke"/></testcase>`;
  const pass = (name: string) => `<testcase name="${name}"/>`;

  it('marks a test that failed then passed as flaky, keeps real failures', () => {
    const first = attempt(pass('a') + fail('b') + fail('c') + fail('d'));
    const second = attempt(`${pass('b') + fail('c')}<testcase name="d"><error message="crashed"/></testcase>`);
    const third = attempt(pass('d'));
    const merged = mergeRetries([first, second, third]);
    expect(merged.map((c) => `${c.name}:${c.status}:${c.flaky}`)).toEqual([
      'a:passed:false',
      'b:passed:true',
      'c:failed:false',
      'd:passed:true',
    ]);
    expect(merged.find((c) => c.name === 'c')?.message).toBe('c broke');
    // A flaky pass carries what its last failure said.
    expect(merged.find((c) => c.name === 'b')?.message).toBe('b broke');
    expect(merged.find((c) => c.name === 'd')?.message).toBe('crashed');
    expect(merged.find((c) => c.name === 'a')?.message).toBeNull();
    expect(computeTotals(merged)).toEqual({ tests: 4, passed: 3, failed: 1, skipped: 0, flaky: 2 });
  });

  it('keeps same-named cases apart and does not call a steady pass flaky', () => {
    const first = attempt(pass('p') + fail('p') + pass('q'));
    const second = attempt(pass('p') + pass('p') + pass('q'));
    expect(mergeRetries([first, second]).map((c) => `${c.name}:${c.flaky}`)).toEqual(['p:false', 'p:true', 'q:false']);
    expect(mergeRetries([])).toEqual([]);
  });
});
