/**
 * `run_tests` as an agent meets it (workflow/stages/agent-tests.ts): the policy's commands in the agent's
 * workspace, under the policy's sandbox, answered like a test report. Real node --test with its JUnit
 * reporter, real bubblewrap.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PoliciesFile } from '../shared/config.ts';
import { runTestsIn } from '../electron/core/workflow/stages/agent-tests.ts';
import { runCommand } from '../electron/core/qa/run-command.ts';
import { sandboxAvailability } from '../electron/core/sandbox/index.ts';
import { tempDir } from './support/tmp.ts';

const nodeTests = (sandbox: Record<string, unknown>) =>
  PoliciesFile.parse({
    merge_policy: {},
    promotion_policy: {},
    sandbox,
    tests: [
      {
        name: 'unit',
        command: 'node --test --test-reporter=junit --test-reporter-destination=reports/unit.xml test/',
        junit: 'reports/unit.xml',
        timeout_s: 60,
      },
    ],
  });

function workspace(files: Record<string, string>): string {
  const root = tempDir('governor-agent-tests-');
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return root;
}

describe('run_tests for an agent', () => {
  it.runIf(process.platform === 'linux')(
    'runs in the sandbox: failing cases come back with their message; the outside is untouched',
    async () => {
      expect(sandboxAvailability()).toMatchObject({ tool: 'bubblewrap' });
      const outside = tempDir('governor-agent-tests-outside-');
      const root = workspace({
        'test/a.test.mjs': [
          "import { test } from 'node:test';",
          "import assert from 'node:assert';",
          "import { writeFileSync } from 'node:fs';",
          "test('adds', () => assert.strictEqual(1 + 1, 2));",
          "test('parses quoted cells', () => assert.strictEqual('a,b', 'a'));",
          `test('escapes', () => { try { writeFileSync(${JSON.stringify(join(outside, 'owned'))}, 'x'); } catch {} });`,
        ].join('\n'),
      });
      const r = await runTestsIn({ policies: nodeTests({ mode: 'required' }) }, root);
      expect(r.passed).toBe(false);
      expect(r.summary).toMatch(/^unit: 2 passed, 1 failed, 0 skipped of 3 \(exit 1\)/);
      expect(r.summary).toMatch(/Failing cases:\n- FAILED parses quoted cells[^\n]*\n {2}message: [^\n]*/);
      expect(existsSync(join(outside, 'owned'))).toBe(false);
      // The gate created reports/ for the reporter: a fresh project has no such folder.
      expect(existsSync(join(root, 'reports/unit.xml'))).toBe(true);
    },
  );

  it('zero tests is never a pass', async () => {
    const root = workspace({ 'test/.keep': '' });
    const r = await runTestsIn({ policies: nodeTests({ mode: 'off' }) }, root);
    expect(r).toMatchObject({
      passed: false,
      summary: expect.stringMatching(/^unit: no tests ran \(exit \d+\); write tests where this command finds them/),
    });
  });

  it('a sandbox the policy requires and the machine lacks: nothing runs, and the answer says why, not "failed"', async () => {
    // This machine has bubblewrap; the real runner is handed the refusal a machine without one gets.
    const why = 'tests must run in a sandbox (sandbox.mode: required) and none works here: bubblewrap is not installed';
    const root = workspace({ 'test/a.test.mjs': "import { test } from 'node:test'; test('x', () => {});" });
    const r = await runTestsIn(
      { policies: nodeTests({ mode: 'required' }), runTests: (o) => runCommand({ ...o, sandbox: { refused: why } }) },
      root,
    );
    expect(r).toEqual({ passed: false, summary: `unit: not run: ${why}` });
    expect(existsSync(join(root, 'reports/unit.xml'))).toBe(false);
  });
});
