import type { GitAction, QaGate, Review, TestRunResult } from '../../../../shared/index.ts';
import type { Tx } from '../../store/ledger.ts';
import type { Engine } from '../engine.ts';
import type { PendingGitAction } from '../git-steps.ts';
import { phaseBranch, recordGitActions } from '../git-steps.ts';
import { nextId } from '../ids.ts';
import { enterStage, raiseConcern, recordHandoff, requestReview, setAgentStatus } from '../records.ts';
import { buildCandidate, candidateMerges, phaseBranches } from './candidate.ts';
import { evaluateGate } from './evidence.ts';
import { reproducibilityRuns, runPolicyTests } from './qa-runs.ts';

/** A failed gate that never got as far as running tests. */
function failedGate(phase: number, iteration: number, reason: string): QaGate {
  return {
    phase,
    iteration,
    candidate: '',
    green: false,
    outcome: 'escalate',
    reasons: [reason],
    totals: { tests: 0, passed: 0, failed: 0, skipped: 0, flaky: 0 },
    coverage_lines: null,
    coverage_branches: null,
    drift: [],
    metrics: {},
    baseline: 'none',
    reproducibility: { runs: 0, identical: 0, score: null },
    conditions: [{ condition: 'candidate merges cleanly', ok: false, detail: reason }],
    compliance: { docs: [], audit_ids: { ok: true, missing: [] } },
    manifest: [],
    duration_ms: 0,
    report: 'QA_REPORT.md',
  };
}

/**
 * The candidate could not be built: the gate fails with the conflicting files named, the branch's agent
 * gets a critical concern (which reaches the human at once), and develop is left exactly as it was.
 */
function recordConflict(e: Engine, phase: number, branch: string, conflicts: string[]): void {
  e.ledger.transact((tx) => {
    const ts = e.clock().toISOString();
    const owner = e.read.agents().find((a) => phaseBranch(phase, a.name) === branch)?.name ?? 'ProjectManager';
    const reason = `${branch} conflicts with develop in ${conflicts.join(', ')}`;
    recordGitActions(
      tx,
      [
        {
          id: e.ledger.newEventId(),
          action: 'failure',
          source: branch,
          target: 'develop',
          trigger: 'qa_gate',
          actor: 'System',
          commit: null,
          previous: null,
          message: `merge aborted: ${reason}`,
          files: conflicts,
        },
      ],
      ts,
    );
    tx.append({
      type: 'qa.gate_evaluated',
      actor: 'ProjectManager',
      ts,
      payload: failedGate(phase, e.read.project()?.iteration ?? 1, `merge conflict: ${reason}; develop is unchanged`),
    });
    raiseConcern(
      tx,
      {
        phase,
        from: 'ProjectManager',
        to: owner,
        severity: 'critical',
        category: 'merge_conflict',
        summary: `${branch} conflicts with develop`,
        details: `Conflicting files: ${conflicts.join(', ')}. develop is unchanged; rebase the work on develop and hand it back.`,
      },
      ts,
    );
    enterStage(tx, { phase, stage: 'build', reason: `merge conflict in ${branch}` }, ts);
    setAgentStatus(tx, 'Tester', 'idle', null, ts);
  });
  e.progress({ kind: 'warn', text: `${branch} conflicts with develop: ${conflicts.join(', ')}` });
}

export async function testStep(e: Engine, phase: number): Promise<void> {
  e.ledger.transact((tx) => setAgentStatus(tx, 'Tester', 'working', null, e.clock().toISOString()));
  const branches = await phaseBranches(e, phase);
  const cand = await buildCandidate(e, phase, branches);
  if ('conflicts' in cand) {
    recordConflict(e, phase, cand.branch, cand.conflicts);
    return;
  }
  const results = await runPolicyTests(e, phase, cand.oid);
  results.push(...(await reproducibilityRuns(e, phase, cand.oid)));
  e.ledger.transact((tx) => {
    const ts = e.clock().toISOString();
    recordTestRuns(tx, phase, results, ts);
    const tester = e.read
      .tasks()
      .filter((t) => t.agent === 'Tester' && t.phase === phase && t.status !== 'Done' && t.status !== 'No Change');
    for (const t of tester)
      tx.append({
        type: 'task.updated',
        actor: 'Tester',
        ts,
        payload: { task_id: t.id, status: 'Done', commentary: null, links: ['tests/TEST_RESULTS.md'] },
      });
    const totals = results.reduce(
      (a, r) => ({ passed: a.passed + r.totals.passed, failed: a.failed + r.totals.failed }),
      { passed: 0, failed: 0 },
    );
    recordHandoff(
      tx,
      e.read,
      {
        phase,
        from: 'Tester',
        to: 'ProjectManager',
        purpose: 'Test results for the QA gate',
        inputs: ['tests/TEST_PLAN.md'],
        outputs: ['tests/TEST_RESULTS.md', 'tests/TEST_RESULTS_DETAIL.md'],
        summary: `${totals.passed} passed, ${totals.failed} failed on candidate ${cand.oid.slice(0, 7)}.`,
        status: 'delivered',
      },
      ts,
    );
    enterStage(tx, { phase, stage: 'qa_gate', reason: `tests ran on ${cand.oid.slice(0, 7)}` }, ts);
    setAgentStatus(tx, 'Tester', 'idle', null, ts);
  });
  for (const r of results)
    e.progress({
      kind: 'test',
      agent: 'Tester',
      text: `${r.name}: ${r.totals.passed} passed, ${r.totals.failed} failed, ${r.totals.skipped} skipped${r.problems.length ? ` — ${r.problems.join('; ')}` : ''}`,
    });
}

/** Run the policy's tests again on develop's new tip; the reason it failed, or null when green. */
async function postMergeCheck(e: Engine, phase: number): Promise<string | null> {
  const develop = await e.git.resolveRef('develop');
  if (!develop) return 'develop is missing';
  e.progress({ kind: 'test', agent: 'Tester', text: `post-merge QA on develop ${develop.slice(0, 7)}` });
  const results = await runPolicyTests(e, phase, develop);
  e.ledger.transact((tx) => {
    const ts = e.clock().toISOString();
    recordTestRuns(
      tx,
      phase,
      results.map((r) => ({ ...r, name: `${r.name} (post-merge)` })),
      ts,
    );
  });
  const bad = results.filter((r) => r.exit_code !== 0 || r.totals.failed > 0 || r.problems.length > 0);
  return bad.length === 0
    ? null
    : bad
        .map(
          (r) =>
            `${r.name}: ${r.totals.failed} failed, exit ${r.exit_code}${r.problems.length ? `, ${r.problems.join('; ')}` : ''}`,
        )
        .join('; ');
}

/**
 * Auto-rollback: isomorphic-git has no revert, so each merge of the gate is undone (newest first) by
 * committing the inverse change on top of develop; after the last one develop's tree is that of the
 * first merge's first parent again. Recorded, escalated, and the phase goes back to build.
 */
export async function rollbackDevelop(
  e: Engine,
  phase: number,
  merges: readonly GitAction[],
  reason: string,
): Promise<void> {
  const reverts: PendingGitAction[] = [];
  for (const m of [...merges].reverse()) {
    if (!m.commit) continue;
    const auditId = e.ledger.newEventId();
    const previous = await e.git.resolveRef('develop');
    const res = await e.git.revertMerge({
      branch: 'develop',
      merge: m.commit,
      actor: 'System',
      action: 'rollback',
      auditId,
      timestamp: Math.floor(e.clock().getTime() / 1000),
      body: `Post-merge QA failed: ${reason}`,
    });
    if (!res.ok) throw new Error(`rollback of ${m.commit.slice(0, 7)} conflicts in ${res.conflicts.join(', ')}`);
    if (res.alreadyMerged) continue;
    reverts.push({
      id: auditId,
      action: 'revert',
      source: m.source,
      target: 'develop',
      trigger: 'post_merge_qa',
      actor: 'System',
      commit: res.oid,
      previous,
      message: `rolled back ${m.message}`,
      files: [],
    });
  }
  e.ledger.transact((tx) => {
    const ts = e.clock().toISOString();
    recordGitActions(tx, reverts, ts);
    raiseConcern(
      tx,
      {
        phase,
        from: 'ProjectManager',
        to: 'Human',
        severity: 'critical',
        category: 'post_merge_failure',
        summary: `Post-merge QA failed on develop; ${reverts.length} merge(s) rolled back`,
        details: reason,
      },
      ts,
    );
    enterStage(
      tx,
      {
        phase,
        stage: 'build',
        reason: 'post-merge QA failed; develop rolled back',
        iteration: (e.read.project()?.iteration ?? 1) + 1,
      },
      ts,
    );
  });
  e.progress({ kind: 'warn', text: `post-merge QA failed; develop rolled back (${reverts.length} revert commit(s))` });
}

/** The human approved a failed gate: land the tested candidate on develop anyway, recorded as their override. */
export async function overrideGate(e: Engine, review: Review): Promise<boolean> {
  const gate = e.read
    .gates()
    .filter((g) => g.phase === review.phase)
    .at(-1);
  const develop = await e.git.resolveRef('develop');
  if (!gate?.candidate || gate.candidate === develop) return Boolean(gate?.candidate);
  const merges = (await candidateMerges(e, review.phase, gate.candidate, develop)).map((m) => ({
    ...m,
    trigger: `human_override ${review.id}`,
  }));
  await e.git.updateRef({
    name: 'develop',
    oid: gate.candidate,
    actor: 'System',
    action: 'gate_merge',
    expected: develop,
  });
  e.ledger.transact((tx) => recordGitActions(tx, merges, e.clock().toISOString()));
  e.progress({
    kind: 'git',
    text: `gate overridden by the human (${review.id}): candidate ${gate.candidate.slice(0, 7)} merged into develop`,
  });
  return true;
}

export async function gateStep(e: Engine, phase: number): Promise<void> {
  let gate = await evaluateGate(e, phase);
  let merges: PendingGitAction[] = [];
  if (gate.green) {
    // Green: the very commit that was tested becomes develop; no re-merge, so what was tested is what lands.
    const develop = await e.git.resolveRef('develop');
    merges = await candidateMerges(e, phase, gate.candidate, develop);
    await e.git.updateRef({
      name: 'develop',
      oid: gate.candidate,
      actor: 'System',
      action: 'gate_merge',
      expected: develop,
    });
    if (e.policies.git.post_merge_qa) {
      // Record the merges first, so a rollback always refers to recorded history.
      const landed = merges;
      e.ledger.transact((tx) => recordGitActions(tx, landed, e.clock().toISOString()));
      merges = [];
      const failure = await postMergeCheck(e, phase);
      if (failure) {
        await rollbackDevelop(
          e,
          phase,
          e.read
            .gitActions()
            .filter(
              (a) => a.action === 'merge' && a.target === 'develop' && a.commit && landed.some((m) => m.id === a.id),
            ),
          failure,
        );
        gate = {
          ...gate,
          green: false,
          outcome: 'escalate',
          reasons: [`post-merge QA on develop failed: ${failure}; the merge was rolled back`],
        };
        e.ledger.transact((tx) =>
          tx.append({ type: 'qa.gate_evaluated', actor: 'ProjectManager', ts: e.clock().toISOString(), payload: gate }),
        );
        return;
      }
    }
  }
  e.ledger.transact((tx) => {
    const ts = e.clock().toISOString();
    tx.append({ type: 'qa.gate_evaluated', actor: 'ProjectManager', ts, payload: gate });
    recordGitActions(tx, merges, ts);
    if (gate.green) {
      const h = recordHandoff(
        tx,
        e.read,
        {
          phase,
          from: 'Tester',
          to: 'Human',
          purpose: 'Validate Testing Completion',
          inputs: ['tests/TEST_RESULTS.md', 'tests/TEST_RESULTS_DETAIL.md'],
          outputs: ['docs/PROJECT_DETAIL.md'],
          summary: `${gate.totals.passed}/${gate.totals.tests} passed${gate.coverage_lines !== null ? `, coverage ${gate.coverage_lines.toFixed(1)}%` : ''}; merged into develop.`,
          status: 'awaiting_approval',
        },
        ts,
      );
      requestReview(
        tx,
        {
          kind: 'test_completion',
          phase,
          title: `Phase ${phase} test completion`,
          requested_by: 'Tester',
          impact: 'medium',
          subject: { path: 'tests/TEST_RESULTS.md', revision: 1 },
          context: ['tests/TEST_RESULTS_DETAIL.md', 'tests/TEST_PLAN.md', 'QA_REPORT.md'],
          handoff_id: h.id,
          summary: h.summary,
        },
        ts,
      );
      enterStage(tx, { phase, stage: 'completion_review', reason: 'QA gate green; merged into develop' }, ts);
    } else {
      const h = recordHandoff(
        tx,
        e.read,
        {
          phase,
          from: 'ProjectManager',
          to: 'Human',
          purpose: 'QA Gate Failure',
          inputs: ['QA_REPORT.md', 'tests/TEST_RESULTS.md'],
          outputs: [],
          summary: gate.reasons.join('; '),
          status: 'awaiting_review',
          impact: 'high',
        },
        ts,
      );
      requestReview(
        tx,
        {
          kind: 'gate_failure',
          phase,
          title: `Phase ${phase} QA gate failed`,
          requested_by: 'ProjectManager',
          impact: 'high',
          subject: { path: 'QA_REPORT.md', revision: 1 },
          context: ['tests/TEST_RESULTS.md', 'tests/TEST_RESULTS_DETAIL.md'],
          handoff_id: h.id,
          summary: gate.reasons.join('; '),
        },
        ts,
      );
    }
  });
  e.progress({
    kind: gate.green ? 'git' : 'warn',
    text: gate.green
      ? `QA gate green: merged ${merges.length} branch(es) into develop`
      : `QA gate failed: ${gate.reasons.join('; ')}`,
  });
}

/** Each suite's run as the Tester's event, numbered in the same transaction as the rest of the step. */
function recordTestRuns(tx: Tx, phase: number, results: TestRunResult[], ts: string): void {
  for (const result of results)
    tx.append({
      type: 'test.run_completed',
      actor: 'Tester',
      ts,
      payload: { phase, run_id: nextId.testRun(tx.db), result },
    });
}
