import { join } from 'node:path';
import type { PoliciesFile, TestCase } from '../../../../shared/index.ts';
import { agentRunOptions } from '../../qa/confine.ts';
import { computeTotals, parseJUnitFiles } from '../../qa/junit.ts';
import { runCommand } from '../../qa/run-command.ts';
import type { Engine } from '../engine.ts';
import { prepareResultDirs } from './qa-runs.ts';

const MAX_FAILURES = 20;
const MAX_CASE_TEXT = 1_500;

const clip = (text: string, max: number) =>
  text.length > max ? `${text.slice(0, max)}\n[… ${text.length - max} more characters]` : text;

/** The policy's test commands in words, for the prompts of the agents that write and run tests. */
export function testSetupText(policies: PoliciesFile): string {
  if (policies.tests.length === 0)
    return 'No test command is configured in .project_policies.yaml yet; the human has to add one.';
  return policies.tests
    .map((t) => {
      const results = [
        t.junit ? `JUnit XML: ${([] as string[]).concat(t.junit).join(', ')}` : null,
        t.coverage ? `coverage: ${t.coverage}` : null,
        t.metrics ? `metrics JSON: ${t.metrics}` : null,
      ]
        .filter(Boolean)
        .join('; ');
      const e2e = t.name === policies.promotion_policy.e2e_suite ? ' (the end-to-end suite promotion requires)' : '';
      return `- ${t.name}${e2e}: \`${t.command}\` run from \`${t.cwd}\`${results ? ` (${results})` : ''}, killed after ${t.timeout_s}s`;
    })
    .join('\n');
}

function describeCase(c: TestCase): string {
  const where = [c.suite, c.classname, c.file].filter((x, i, a) => x && a.indexOf(x) === i).join(' · ');
  const msg = c.message ? `\n  message: ${clip(c.message, MAX_CASE_TEXT)}` : '';
  const details = c.details ? `\n  output:\n${clip(c.details, MAX_CASE_TEXT).replace(/^/gm, '    ')}` : '';
  return `- ${c.status.toUpperCase()} ${c.name}${where ? ` (${where})` : ''}${msg}${details}`;
}

/**
 * `run_tests` for an agent: the policy's commands in the agent's own workspace, with their timeouts. The
 * answer reads like a test report, not an exit code: counts, then every failing case with its message
 * and output (from the JUnit the command wrote), then the output's tail. Zero tests is never a pass.
 */
export async function runTestsIn(
  e: Pick<Engine, 'policies' | 'redactor' | 'runTests'>,
  root: string,
): Promise<{ passed: boolean; summary: string }> {
  if (e.policies.tests.length === 0)
    return { passed: false, summary: 'no test command is configured in .project_policies.yaml' };
  const parts: string[] = [];
  let passed = true;
  for (const t of e.policies.tests) {
    const cwd = join(root, t.cwd);
    prepareResultDirs(cwd, t);
    // Agent code: sandboxed in the workspace, allowlisted environment, output redacted (qa/confine.ts); through
    // the engine's runner, so a recorded run keeps what it measured.
    const r = await (e.runTests ?? runCommand)({
      command: t.command,
      cwd,
      env: t.env,
      timeoutMs: t.timeout_s * 1000,
      ...agentRunOptions(e, root),
    });
    const junit = t.junit ? await parseJUnitFiles(([] as string[]).concat(t.junit).map((p) => join(cwd, p))) : null;
    const cases = junit?.cases ?? [];
    const totals = computeTotals(cases);
    const failing = cases.filter((c) => c.status === 'failed' || c.status === 'error');
    const exitOk = r.exitCode === 0 && !r.timedOut;
    const noTests = junit !== null && totals.tests === 0;
    const ok = exitOk && failing.length === 0 && !noTests;
    passed &&= ok;
    // A sandbox the policy requires but the machine lacks: nothing ran, and the agent must not rewrite its
    // tests chasing a failure that is the machine's; the line says so in the policy's words.
    const head = r.refused
      ? `${t.name}: not run: ${r.refused}`
      : r.timedOut
        ? `${t.name}: timed out after ${t.timeout_s}s`
        : r.notFound
          ? `${t.name}: command not found: ${t.command}`
          : junit === null
            ? `${t.name}: ${exitOk ? 'exited 0' : `failed (exit ${r.exitCode})`} (no JUnit path configured, so no per-test results)`
            : noTests
              ? `${t.name}: no tests ran (exit ${r.exitCode}); write tests where this command finds them`
              : `${t.name}: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped of ${totals.tests}${exitOk ? '' : ` (exit ${r.exitCode})`}`;
    const lines = [head];
    if (junit && junit.problems.length > 0 && !noTests)
      lines.push(`results: ${junit.problems.map((p) => p.replaceAll(`${cwd}/`, '')).join('; ')}`);
    if (failing.length > 0) {
      lines.push('Failing cases:', ...failing.slice(0, MAX_FAILURES).map(describeCase));
      if (failing.length > MAX_FAILURES) lines.push(`… and ${failing.length - MAX_FAILURES} more failing`);
    }
    if (!ok && !r.refused) lines.push('Output (tail):', clip(r.outputTail.slice(-4000), 4000));
    parts.push(lines.join('\n'));
  }
  return { passed, summary: parts.join('\n\n') };
}
