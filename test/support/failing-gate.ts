import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { type OpenedProject, openProject } from '../../electron/core/host.ts';
import { initProject } from '../../electron/core/project.ts';
import { runGateByHand } from '../../electron/core/workflow/stages/manual-gate.ts';
import type { QaGate } from '../../shared/index.ts';
import { tempDir } from './tmp.ts';

/**
 * A sample project with a small real test suite on `experiments/qa`, three commits deep, gated twice by
 * hand (as `governor qa run` does): first its first commit, where every test passes, then the tip, where
 * node's own test runner reports a real failure, a failure with a huge message, a test that passes only
 * on the retry, and a skipped one. The tip also adds a file over the diff size limit and a binary.
 */
export const OK_TEST = `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { add } from '../src/add.js';
test('adds', () => assert.equal(add(2, 3), 5));
test('adds zero', () => assert.equal(add(2, 0), 2));
`;

export const EDGE_TEST = `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { add } from '../src/add.js';
test('adds negatives', () => assert.equal(add(-2, -3), -6, 'add(-2, -3) should be -6'));
test('explains itself at length', () => {
  throw new Error('long story: ' + 'x'.repeat(30000));
});
test('settles on retry', () => {
  if (!existsSync(process.env.FLAKY_MARKER)) {
    writeFileSync(process.env.FLAKY_MARKER, '');
    assert.fail('first attempt fails');
  }
});
test('parses quoted CSV fields', { skip: 'no fixture for quoted fields yet' }, () => {});
`;

export const ADD_JS = 'export const add = (a, b) => a + b;\n';

/** About 1.6 MB of price history: over the 1 MiB the diffs view shows of a file. */
const csvRow = (i: number) =>
  `2024-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')},` +
  `${(100 + (i % 50) / 10).toFixed(2)},101.20,99.80,100.90,${1_000_000 + i}`;
const csvRows = Array.from({ length: 36_000 }, (_, i) => csvRow(i));
export const BIG_CSV = `${['date,open,high,low,close,volume', ...csvRows].join('\n')}\n`;

export const PNG = new Uint8Array([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
]);

const COMMAND =
  'mkdir -p reports && node --test --test-reporter=spec --test-reporter-destination=stdout ' +
  '--test-reporter=junit --test-reporter-destination=reports/junit.xml tests/*.test.js';

export interface FailingGateProject {
  /** The temp folder holding the project (and the flaky test's marker): remove it when done. */
  root: string;
  dir: string;
  p: OpenedProject;
  /** The three commits of experiments/qa, oldest first. */
  commits: [string, string, string];
  green: QaGate;
  failing: QaGate;
}

export async function failingGateProject(): Promise<FailingGateProject> {
  const root = tempDir('governor-qa-failures-');
  const dir = join(root, 'backtester');
  await initProject(dir, { sample: true });
  // One test command, retried once; no coverage or metrics (this suite has none) so the reasons are about tests.
  // The flaky test's marker lives in its checkout (relative to the tests' cwd): the sandbox lets a test
  // write nowhere else, and the retry runs in the same checkout.
  const file = join(dir, '.project_policies.yaml');
  const doc = parseDocument(readFileSync(file, 'utf8'));
  doc.setIn(
    ['tests'],
    [
      {
        name: 'unit',
        command: COMMAND,
        junit: 'reports/junit.xml',
        timeout_s: 120,
        retries: 1,
        env: { FLAKY_MARKER: '.flaky-once' },
      },
    ],
  );
  doc.setIn(['drift', 'metrics'], []);
  writeFileSync(file, doc.toString());
  const p = await openProject(dir);
  try {
    let t = Math.floor(Date.now() / 1000) - 300;
    const commit = async (subject: string, changes: Array<{ path: string; content: string | Uint8Array }>) =>
      (
        await p.git.commitChanges({
          branch: 'experiments/qa',
          actor: 'Implementer',
          changes,
          subject,
          auditId: `qa-fixture-${t}`,
          timestamp: t++,
        })
      ).oid;
    const c1 = await commit('feat(qa): add() and its first tests', [
      { path: 'package.json', content: '{ "type": "module" }\n' },
      { path: 'src/add.js', content: ADD_JS },
      { path: 'tests/ok.test.js', content: OK_TEST },
    ]);
    const c2 = await commit('test(qa): edge cases', [{ path: 'tests/edge.test.js', content: EDGE_TEST }]);
    const c3 = await commit('chore(data): price history and a logo', [
      { path: 'data/prices.csv', content: BIG_CSV },
      { path: 'assets/logo.png', content: PNG },
    ]);
    const green = await runGateByHand(p, c1);
    const failing = await runGateByHand(p, 'experiments/qa');
    return { root, dir, p, commits: [c1, c2, c3], green, failing };
  } catch (err) {
    p.close();
    throw err;
  }
}
