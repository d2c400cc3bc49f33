/**
 * Child process of the QA gate's stepped kill test.
 *   prepare <dir>  the sample project with a fast, tree-spawning test command, driven through its reviews
 *                  and killed right after it enters the test stage: the state every kill starts from.
 *   gate <dir>     opens the project (cleaning what a killed run left) and runs the loop until it needs the
 *                  human, with every ledger commit and crash point a step (stepped-kill-child.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentNames } from '../../shared/index.ts';
import { openProject } from '../../electron/core/host.ts';
import { initProject } from '../../electron/core/project.ts';
import { handleCommand } from '../../electron/core/workflow/commands.ts';
import { decideReview } from '../../electron/core/workflow/decisions.ts';
import { runLoop } from '../../electron/core/workflow/loop.ts';
import { installStepper } from './stepped-kill-child.ts';

/**
 * A test command that leaves a process behind in its group (the `sleep`, as a test server would) and writes
 * its evidence at once (the pid two levels above its checkout, in the project's cache folder); unsandboxed, so
 * the run registry (not bubblewrap's --die-with-parent) must clean up.
 */
const FAST_TESTS = `tests:
  - name: unit
    command: >-
      sleep 600 >/dev/null 2>&1 & echo $! > ../../sleep.pid;
      mkdir -p reports;
      printf '<testsuites><testsuite name="s" tests="2"><testcase name="a" classname="c" time="0.01"/><testcase name="b" classname="c" time="0.01"/></testsuite></testsuites>' > reports/junit.xml;
      printf 'TN:\\nSF:src/a.js\\nLF:10\\nLH:10\\nend_of_record\\n' > reports/lcov.info;
      printf '{"sharpe": 1.2, "max_drawdown": 0.1}' > reports/metrics.json;
      echo two tests passed
    junit: reports/junit.xml
    coverage: reports/lcov.info
    metrics: reports/metrics.json
    timeout_s: 60
`;

async function prepare(dir: string): Promise<void> {
  await initProject(dir, { sample: true });
  const path = join(dir, '.project_policies.yaml');
  const text = readFileSync(path, 'utf8')
    .replace(/tests:\n[\s\S]*?\n(?=drift:)/, FAST_TESTS)
    .replace(/sandbox:\n {2}mode: auto/, 'sandbox:\n  mode: off');
  writeFileSync(path, text);
  const p = await openProject(dir);
  const decide = (kind: string, decision: 'approve' | 'reject', comment: string) => {
    const review = p.read.pendingReviews().find((r) => r.kind === kind);
    if (!review) throw new Error(`no pending ${kind} review; stage ${p.read.project()?.stage}`);
    decideReview(p.ledger, p.read, { reviewId: review.id, decision, comment, inline: [], source: 'cli' });
  };
  await runLoop(p);
  decide('plan', 'approve', 'ok');
  await runLoop(p);
  decide('design', 'approve', 'ok');
  await runLoop(p);
  await runLoop(p);
  decide('test_plan', 'approve', 'ok');
  decide('variation', 'reject', 'not now');
  const concern = p.read.openConcerns().find((c) => c.to === 'Human');
  if (concern)
    await handleCommand(
      { ledger: p.ledger, read: p.read, agents: agentNames(p.agentsFile), gitStatus: async () => '' },
      `/resolve ${concern.id} ok`,
      { user: 'Human', source: 'cli' },
    );
  // The base state: right after the test stage is entered, as a crash there would leave it.
  p.ledger.onAppend((events) => {
    if (events.some((e) => e.type === 'stage.entered' && (e.payload as { stage?: string }).stage === 'test'))
      process.kill(process.pid, 'SIGKILL');
  });
  await runLoop(p);
  throw new Error(`the loop never entered the test stage (stage ${p.read.project()?.stage})`);
}

async function gate(dir: string): Promise<void> {
  const stepper = installStepper();
  const p = await openProject(dir);
  stepper.watchLedger(p.ledger);
  try {
    await runLoop(p);
  } finally {
    p.close();
  }
}

const [mode, dir] = process.argv.slice(2);
if (!dir) throw new Error('usage: gate-kill-child prepare|gate <dir>');
if (mode === 'prepare') await prepare(dir);
else await gate(dir);
// Done: leftover timers (a SIGKILL grace for the tests' group) must not hold the run open.
process.exit(0);
