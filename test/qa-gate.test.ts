import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QaGate } from '../shared/index.ts';
import { runGateByHand } from '../electron/core/workflow/stages/manual-gate.ts';
import { type SampleProject, sampleProject } from './support/project.ts';

/**
 * The gate by hand on a tiny real project (node's test runner, JUnit, lcov, a metrics file), committed on an
 * experiments branch. Each case rewrites the policy and re-opens the project, as a user editing the file would.
 */
const TEST_JS = `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { add } from '../src/add.js';
test('adds', () => {
  // FAIL_ONCE names a marker file: the first run that finds it missing creates it and fails (a flaky test).
  const once = process.env.FAIL_ONCE;
  if (once && !existsSync(once)) {
    writeFileSync(once, '');
    assert.fail('boom');
  }
  assert.equal(add(2, 3), 5);
});
test('writes metrics', () => {
  mkdirSync('reports', { recursive: true });
  writeFileSync('reports/metrics.json', JSON.stringify({ sharpe: Number(process.env.SHARPE ?? '1.0'), max_drawdown: 0.1 }));
});
`;
const NODE_TEST =
  'mkdir -p reports && node --test --test-reporter=junit --test-reporter-destination=reports/junit.xml --experimental-test-coverage --test-reporter=lcov --test-reporter-destination=reports/lcov.info tests/*.test.js';

describe('QA gate by hand: evidence and named reasons, never a crash', () => {
  let sp: SampleProject;
  beforeAll(async () => {
    sp = await sampleProject();
    await sp.p.git.commitChanges({
      branch: 'experiments/qa',
      actor: 'Implementer',
      changes: [
        { path: 'package.json', content: '{ "type": "module" }\n' },
        { path: 'src/add.js', content: 'export const add = (a, b) => a + b;\n' },
        { path: 'tests/add.test.js', content: TEST_JS },
      ],
      subject: 'feat(qa): tiny project for the gate',
      auditId: 'qa-fixture',
      timestamp: Math.floor(Date.now() / 1000),
    });
  });
  afterAll(() => sp?.close());

  async function gateWith(test: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<QaGate> {
    const file = join(sp.dir, '.project_policies.yaml');
    const doc = parseDocument(readFileSync(file, 'utf8'));
    doc.setIn(
      ['tests'],
      [
        {
          name: 'unit',
          timeout_s: 60,
          junit: 'reports/junit.xml',
          coverage: 'reports/lcov.info',
          metrics: 'reports/metrics.json',
          ...test,
        },
      ],
    );
    for (const [k, v] of Object.entries(extra)) doc.setIn([k], v);
    writeFileSync(file, doc.toString());
    await sp.reopen();
    return runGateByHand(sp.p, 'experiments/qa');
  }

  it('first green run: coverage and metrics measured, and it sets the drift baseline', async () => {
    const g = await gateWith({ command: NODE_TEST, env: { SHARPE: '1.0' } });
    expect(g).toMatchObject({ green: true, baseline: 'set_by_this_run', metrics: { sharpe: 1, max_drawdown: 0.1 } });
    expect(g.reasons).toContain('no drift baseline yet: this run sets it');
    expect(g.coverage_lines).toBeGreaterThan(50);
    expect(g.manifest.some((m) => m.path === 'qa/reports/junit.xml' && /^[0-9a-f]{64}$/.test(m.sha256))).toBe(true);
    expect(g.manifest.some((m) => m.path === 'docs/PROJECT_OVERVIEW.md')).toBe(true);
    expect(sp.file('QA_REPORT.md')).toMatch(/sharpe/);
  });

  it('a drift breach against the last-known-good baseline escalates', async () => {
    const g = await gateWith({ command: NODE_TEST, env: { SHARPE: '1.05' } });
    expect(g.baseline).toBe('last_known_good');
    expect(g.drift.find((d) => d.metric === 'sharpe')).toMatchObject({
      baseline: 1,
      value: 1.05,
      percent: 5,
      breach: true,
    });
    expect(g).toMatchObject({ green: false, outcome: 'escalate' });
    expect(g.reasons.join('\n')).toMatch(/drift_max_percent: 2: sharpe \+5%/);
  });

  it('a flaky test passes on retry and is counted as flaky', async () => {
    // Both attempts are the real runner's, so its JUnit names the test the same way each time (Node 24 adds
    // a file attribute that a hand-written first attempt would lack). The marker lives in the checkout, where
    // both attempts run: the sandbox lets a test write nowhere else.
    const g = await gateWith({ command: NODE_TEST, retries: 1, env: { SHARPE: '1.0', FAIL_ONCE: '.flaky-once' } });
    expect(g.totals.flaky).toBe(1);
    expect(g.totals.failed).toBe(0);
    expect(g.green).toBe(true);
    expect(sp.p.read.testRuns().at(-1)?.result.attempts).toBe(2);
  });

  it('reproducibility: three identical runs score 100%', async () => {
    const g = await gateWith({ command: NODE_TEST, env: { SHARPE: '1.0' } }, { reproducibility_runs: 3 });
    expect(g.reproducibility).toEqual({ runs: 3, identical: 3, score: 100 });
  });

  it('names each bad input in the verdict', async () => {
    const missing = await gateWith(
      { command: 'true', coverage: undefined, metrics: undefined },
      { reproducibility_runs: 1 },
    );
    expect(missing.green).toBe(false);
    expect(missing.reasons.join('\n')).toMatch(/JUnit results file not found: reports\/junit\.xml/);

    const malformed = await gateWith({
      command: "mkdir -p reports && printf '<testsuites><testsuite><testcase' > reports/junit.xml",
      coverage: undefined,
      metrics: undefined,
    });
    expect(malformed.reasons.join('\n')).toMatch(/reports\/junit\.xml.*(malformed|not well-formed|invalid|XML)/i);

    const notFound = await gateWith({ command: 'no-such-test-runner --all', coverage: undefined, metrics: undefined });
    expect(notFound.reasons.join('\n')).toMatch(/command not found: no-such-test-runner --all/);

    const hang = await gateWith({ command: 'sleep 30', timeout_s: 1, coverage: undefined, metrics: undefined });
    expect(hang.reasons.join('\n')).toMatch(/timed out after 1s; the process tree was killed/);

    const badCoverage = await gateWith({
      command: `${NODE_TEST} && echo 'hello coverage' > reports/cov.txt`,
      coverage: 'reports/cov.txt',
      env: { SHARPE: '1.0' },
    });
    expect(badCoverage.green).toBe(false);
    expect(badCoverage.reasons.join('\n')).toMatch(/coverage: .*cov\.txt/);
  });
});
