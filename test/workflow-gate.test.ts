import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runLoop } from '../electron/core/workflow/loop.ts';
import type { SampleProject } from './support/project.ts';
import { type ProjectTemplate, projectTemplate } from './support/project-template.ts';
import { approvePlanAndDesign, setTestCommand, taskStatus } from './support/workflow-helpers.ts';

/**
 * The QA gate's outcomes on the sample project (scripted runtime, real tests, real git, real SQLite),
 * and what the human's decisions on them do. Each test starts from its own copy of a project template
 * (see the states below), so any one of them runs alone and in any order.
 */

const DATE = /\d{4}-\d{2}-\d{2}/.source;

/** Build under way, test plan approved; variation #1 (high impact) waits for review. */
const variationPending = projectTemplate(async (sp) => {
  await approvePlanAndDesign(sp);
  await sp.runUntilGate('test_plan');
  await sp.run();
  sp.human.decide('test_plan', 'approve', { comment: 'ok' });
});

/** Variation #1 rejected, the concern resolved, the build done: the green gate's test completion waits. */
const completionPending = projectTemplate(
  async (sp) => {
    sp.human.decide('variation', 'reject', { comment: 'No runtime dependencies in Phase 1' });
    const concern = sp.p.read.openConcerns().find((c) => c.to === 'Human');
    if (concern) await sp.human.command(`/resolve ${concern.id} 0 means flat`);
    await sp.runUntilGate('test_completion');
  },
  { from: variationPending },
);

/**
 * The human broke the test command (committed, as a user would); test plan approved, variation approved
 * with conditions, the concern resolved: the next steps finish the build and run a gate that fails.
 */
const gateWillFail = projectTemplate(async (sp) => {
  await approvePlanAndDesign(sp);
  // The engine reads the policy when the project is opened.
  setTestCommand(sp.dir, 'node -e "process.exit(1)"');
  await sp.reopen();
  await sp.runUntilGate('test_plan');
  await sp.run();
  sp.human.decide('test_plan', 'approve', { comment: 'ok' });
  sp.human.decide('variation', 'approve_with_conditions', { comment: 'benchmark first' });
  await sp.run();
  const concern = sp.p.read.openConcerns().find((c) => c.to === 'Human');
  if (concern) await sp.human.command(`/resolve ${concern.id} noted`);
});

/** The gate failed in iteration 1, the human sent the phase back, and it failed again: the failure waits. */
const failedTwice = projectTemplate(
  async (sp) => {
    await sp.runUntilGate('gate_failure');
    sp.human.decide('gate_failure', 'request_changes', { comment: 'Fix the test command' });
    await sp.runUntilGate('gate_failure');
  },
  { from: gateWillFail },
);

/** A copy of the template, open for this test and closed when it ends. */
async function start(template: ProjectTemplate): Promise<SampleProject> {
  const sp = await template.copy();
  onTestFinished(() => sp.close());
  return sp;
}

/** The commit `governor init` made: the repository's only root, where main and develop start. */
const initialCommit = (sp: SampleProject): string => sp.git('rev-list', '--max-parents=0', 'main').trim();

describe('variation rejected, build completes', () => {
  it('rejects the high-impact variation: status rejected, logged as rejected, and the build still completes', async () => {
    const sp = await start(variationPending);
    const developBefore = initialCommit(sp);
    const review = sp.p.read.pendingReviews().find((r) => r.kind === 'variation');
    expect(review).toMatchObject({ impact: 'high', requested_by: 'Implementer-2' });
    const decided = sp.human.decide('variation', 'reject', { comment: 'No runtime dependencies in Phase 1' });
    expect(decided.status).toBe('decided');
    const v = sp.p.read.variation(review?.variation_id ?? '');
    expect(v).toMatchObject({
      status: 'rejected',
      decision_comment: 'No runtime dependencies in Phase 1',
      reviewed_by: 'Human',
    });
    expect(v?.decided_at).toBeTruthy();

    // The implementer's warning concern climbed to the human; close it so the build can finish.
    const concern = sp.p.read.openConcerns().find((c) => c.to === 'Human');
    if (!concern) throw new Error('expected the scripted concern to reach the human');
    expect((await sp.human.command(`/resolve ${concern.id} 0 means flat`)).ok).toBe(true);

    const completion = await sp.runUntilGate('test_completion');
    const doc = sp.file('docs/PROJECT_VARIATIONS.md');
    expect(doc).toMatch(/## Variation #1 — Store price history in a columnar format/);
    expect(doc).toContain('**Decision:** Rejected — No runtime dependencies in Phase 1.');
    expect(doc).toMatch(new RegExp(`\\*\\*Reviewed by:\\*\\* Human, ${DATE}`));
    expect(doc).toContain('1 logged, 0 pending human review.');
    expect(sp.p.read.handoffs().find((h) => h.id === review?.handoff_id)?.status).toBe('rejected');

    // The build finished: every build task is done, the tests ran green and the gate merged into develop.
    expect(taskStatus(sp)).toMatchObject({ T4: 'Done', T5: 'Done', T6: 'Done', T7: 'Done', T8: 'Done' });
    expect(completion.summary).toMatch(/^40\/40 passed/);
    expect(sp.p.read.gates().at(-1)).toMatchObject({ green: true, outcome: 'promotion_candidate' });
    expect(sp.git('rev-parse', 'develop').trim()).not.toBe(developBefore);
    expect(sp.git('ls-tree', '-r', '--name-only', 'develop')).toMatch(/src\/engine\/backtest\.js/);
  });

  it(// Regression test for a fixed bug: gate.ts evaluateGate() pools every test run of the phase whose candidate equals the latest
  // one (`runs.filter((r) => r.result.candidate === candidate)`). After a green gate moved develop,
  // a back-to-build with no new commits rebuilds the very same candidate oid (the merges are all
  // "already merged"), so the second gate counts both runs: "80/80 passed" for a 40-test suite.
  'counts the re-run tests once after the human sends a green phase back to build', async () => {
    const sp = await start(completionPending);
    sp.human.decide('test_completion', 'request_changes', { comment: 'Run it again' });
    const again = await sp.runUntilGate('test_completion');
    expect(sp.p.read.project()?.iteration).toBe(2);
    expect(sp.p.read.gates().at(-1)?.totals.tests).toBe(40);
    expect(again.summary).toMatch(/^40\/40 passed/);
  });
});

describe('QA gate failure', () => {
  it('escalates a failed gate to the human, writes QA_REPORT.md, leaves develop alone; request_changes sends the phase back to build', async () => {
    const sp = await start(gateWillFail);
    const mainInitial = initialCommit(sp);
    expect(sp.p.policies.tests[0]?.command).toBe('node -e "process.exit(1)"');
    const failure = await sp.runUntilGate('gate_failure');
    expect(failure).toMatchObject({
      status: 'pending',
      impact: 'high',
      requested_by: 'ProjectManager',
      subject: { path: 'QA_REPORT.md' },
    });
    expect(failure.summary).toContain('unit: exited with code 1');
    expect(failure.summary).toMatch(/JUnit results file not found/);
    expect(sp.p.read.project()?.stage).toBe('qa_gate');
    const gate = sp.p.read.gates().at(-1);
    expect(gate).toMatchObject({ green: false, outcome: 'escalate', iteration: 1 });
    expect(gate?.reasons.join('\n')).toMatch(/unit: exited with code 1/);
    expect(sp.p.read.testRuns().at(-1)?.result.exit_code).toBe(1);

    expect(existsSync(join(sp.dir, 'QA_REPORT.md'))).toBe(true);
    const report = sp.file('QA_REPORT.md');
    expect(report).toContain('not green');
    expect(report).toMatch(/unit: exited with code 1/);
    // develop is written only by a green gate: it is still the initial commit.
    expect(sp.git('rev-parse', 'develop').trim()).toBe(mainInitial);
    expect(sp.p.read.gitActions().some((a) => a.target === 'develop')).toBe(false);
    expect(sp.p.read.reviews().some((r) => r.kind === 'test_completion')).toBe(false);
    // The loop waits for the human instead of re-running the gate.
    const idle = await sp.run();
    expect(idle).toMatchObject({ steps: 0, state: 'waiting_human' });

    sp.human.decide('gate_failure', 'request_changes', { comment: 'Fix the test command' });
    await runLoop(sp.p, { maxSteps: 1 });
    expect(sp.p.read.project()).toMatchObject({ stage: 'build', iteration: 2 });
    expect(sp.p.read.review(failure.id)?.status).toBe('decided');
    expect(sp.p.read.handoffs().find((h) => h.id === failure.handoff_id)?.status).toBe('changes_requested');

    // Nothing changed, so iteration 2 fails the same way and asks the human again.
    const second = await sp.runUntilGate('gate_failure');
    expect(second.id).not.toBe(failure.id);
    expect(sp.p.read.gates().at(-1)).toMatchObject({ green: false, iteration: 2 });
    expect(sp.git('rev-parse', 'develop').trim()).toBe(mainInitial);
  });

  it(// Regression test for a fixed bug: follow-up.ts `case 'gate_failure'` treats approval as "the human's explicit override" and
  // goes straight to requestPromotion(), but a failed gate never moved develop (gate.ts gateStep only
  // lands the candidate when green). promote() then merges a develop without the phase's code into
  // main and tags it: v0.1.0 holds the records only, none of the tested candidate.
  'promotes the tested code when the human overrides a failed gate', async () => {
    const sp = await start(failedTwice);
    const failure = sp.p.read.pendingReviews().find((r) => r.kind === 'gate_failure');
    if (!failure) throw new Error('no pending gate failure');
    sp.human.decide('gate_failure', 'approve', { comment: 'Known-broken command; ship it' });
    await sp.runUntilGate('promotion');
    sp.human.decide('promotion', 'approve', { comment: 'go' });
    await sp.run();
    expect(sp.p.read.project()?.stage).toBe('promoted');
    expect(sp.git('ls-tree', '-r', '--name-only', 'main')).toMatch(/src\/engine\/backtest\.js/);
  });
});
