import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventPayload, GitAction, Review, TestRunResult } from '../../../../shared/index.ts';
import { parseCoverageFile } from '../../qa/coverage.ts';
import { parseJUnitFiles } from '../../qa/junit.ts';
import { runCommand } from '../../qa/run-command.ts';
import type { Engine } from '../engine.ts';
import type { PendingGitAction } from '../git-steps.ts';
import { phaseBranch, recordGitActions } from '../git-steps.ts';
import { nextId } from '../ids.ts';
import { raiseConcern, recordHandoff, requestReview, setAgentStatus } from '../records.ts';

/** Agent branches of a phase that carry work not yet on develop, in pipeline order. */
export async function phaseBranches(e: Engine, phase: number): Promise<string[]> {
  const out: string[] = [];
  for (const a of e.read.agents()) {
    const b = phaseBranch(phase, a.name);
    if (await e.git.resolveRef(b)) out.push(b);
  }
  return out;
}

/**
 * Build the candidate: develop plus a no-ff merge of each agent branch, chained, without moving develop.
 * Conflicts stop the chain and are reported, never half-applied.
 */
export async function buildCandidate(e: Engine, phase: number, branches: string[]): Promise<{ oid: string; merges: PendingGitAction[] } | { conflicts: string[]; branch: string }> {
  const base = await e.git.resolveRef('develop');
  if (!base) throw new Error('the repository has no develop branch');
  let ours = base;
  const merges: PendingGitAction[] = [];
  for (const theirs of branches) {
    const auditId = e.ledger.newEventId();
    const res = await e.git.mergeNoFF({ ours, theirs, actor: 'System', action: 'gate_merge', subject: `merge(phase${phase}): ${theirs} into develop`, auditId, timestamp: Math.floor(e.clock().getTime() / 1000), updateRef: false });
    if (!res.ok) return { conflicts: res.conflicts, branch: theirs };
    merges.push({ id: auditId, action: 'merge', source: theirs, target: 'develop', trigger: 'qa_gate', actor: 'System', commit: res.oid, previous: ours, message: `merge(phase${phase}): ${theirs} into develop`, files: [] });
    ours = res.oid;
  }
  return { oid: ours, merges };
}

/** Run every test command of the policy on a clean checkout of the candidate. */
export async function runPolicyTests(e: Engine, phase: number, candidate: string): Promise<TestRunResult[]> {
  const dir = join(e.dir, '.governor', 'qa', candidate.slice(0, 12));
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await e.git.materialize({ oid: candidate, dir });
  const results: TestRunResult[] = [];
  for (const t of e.policies.tests) {
    const cwd = join(dir, t.cwd);
    const started = e.clock().toISOString();
    e.progress({ kind: 'test', agent: 'Tester', text: `running ${t.name}: ${t.command}` });
    const run = await runCommand({ command: t.command, cwd, env: t.env, timeoutMs: t.timeout_s * 1000, onOutput: (line) => e.progress({ kind: 'test', agent: 'Tester', text: `  │ ${line}` }) });
    const problems: string[] = [];
    if (run.notFound) problems.push(`command not found: ${t.command}`);
    if (run.timedOut) problems.push(`timed out after ${t.timeout_s}s; the process tree was killed`);
    const junitPaths = t.junit ? ([] as string[]).concat(t.junit).map((p) => join(cwd, p)) : [];
    const parsed = junitPaths.length > 0 ? await parseJUnitFiles(junitPaths) : { cases: [], totals: { tests: 0, passed: 0, failed: 0, skipped: 0, flaky: 0 }, problems: ['no JUnit results configured for this test command'] };
    // Name files relative to the checkout, so the same ledger reads the same on every machine.
    problems.push(...parsed.problems.map((p) => p.replaceAll(`${cwd}/`, '').replaceAll(`${dir}/`, '')));
    results.push({ name: t.name, command: t.command, candidate, exit_code: run.exitCode, timed_out: run.timedOut, duration_ms: run.durationMs, totals: parsed.totals, cases: parsed.cases, problems, output_tail: run.outputTail, started_at: started });
  }
  return results;
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
    recordGitActions(tx, [{ id: e.ledger.newEventId(), action: 'failure', source: branch, target: 'develop', trigger: 'qa_gate', actor: 'System', commit: null, previous: null, message: `merge aborted: ${reason}`, files: conflicts }], ts);
    tx.append({ type: 'qa.gate_evaluated', actor: 'ProjectManager', ts, payload: { phase, iteration: e.read.project()?.iteration ?? 1, candidate: '', green: false, outcome: 'escalate', reasons: [`merge conflict: ${reason}; develop is unchanged`], totals: { tests: 0, passed: 0, failed: 0, skipped: 0, flaky: 0 }, coverage_lines: null, coverage_branches: null, drift: [], report: 'QA_REPORT.md' } });
    raiseConcern(tx, { phase, from: 'ProjectManager', to: owner, severity: 'critical', category: 'merge_conflict', summary: `${branch} conflicts with develop`, details: `Conflicting files: ${conflicts.join(', ')}. develop is unchanged; rebase the work on develop and hand it back.` }, ts);
    tx.append({ type: 'stage.entered', actor: 'System', ts, payload: { phase, stage: 'build', reason: `merge conflict in ${branch}` } });
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
  e.ledger.transact((tx) => {
    const ts = e.clock().toISOString();
    for (const result of results) tx.append({ type: 'test.run_completed', actor: 'Tester', ts, payload: { phase, run_id: nextId.testRun(tx.db), result } });
    const tester = e.read.tasks().filter((t) => t.agent === 'Tester' && t.phase === phase && t.status !== 'Done');
    for (const t of tester) tx.append({ type: 'task.updated', actor: 'Tester', ts, payload: { task_id: t.id, status: 'Done', commentary: null, links: ['tests/TEST_RESULTS.md'] } });
    const totals = results.reduce((a, r) => ({ passed: a.passed + r.totals.passed, failed: a.failed + r.totals.failed }), { passed: 0, failed: 0 });
    recordHandoff(tx, e.read, { phase, from: 'Tester', to: 'ProjectManager', purpose: 'Test results for the QA gate', inputs: ['tests/TEST_PLAN.md'], outputs: ['tests/TEST_RESULTS.md', 'tests/TEST_RESULTS_DETAIL.md'], summary: `${totals.passed} passed, ${totals.failed} failed on candidate ${cand.oid.slice(0, 7)}.`, status: 'delivered' }, ts);
    tx.append({ type: 'stage.entered', actor: 'System', ts, payload: { phase, stage: 'qa_gate', reason: `tests ran on ${cand.oid.slice(0, 7)}` } });
    setAgentStatus(tx, 'Tester', 'idle', null, ts);
  });
  for (const r of results) e.progress({ kind: 'test', agent: 'Tester', text: `${r.name}: ${r.totals.passed} passed, ${r.totals.failed} failed, ${r.totals.skipped} skipped${r.problems.length ? ` — ${r.problems.join('; ')}` : ''}` });
}

type Gate = EventPayload<'qa.gate_evaluated'>;

/** Run the policy's tests again on develop's new tip; the reason it failed, or null when green. */
async function postMergeCheck(e: Engine, phase: number): Promise<string | null> {
  const develop = await e.git.resolveRef('develop');
  if (!develop) return 'develop is missing';
  e.progress({ kind: 'test', agent: 'Tester', text: `post-merge QA on develop ${develop.slice(0, 7)}` });
  const results = await runPolicyTests(e, phase, develop);
  e.ledger.transact((tx) => {
    const ts = e.clock().toISOString();
    for (const result of results) tx.append({ type: 'test.run_completed', actor: 'Tester', ts, payload: { phase, run_id: nextId.testRun(tx.db), result: { ...result, name: `${result.name} (post-merge)` } } });
  });
  const bad = results.filter((r) => r.exit_code !== 0 || r.totals.failed > 0 || r.problems.length > 0);
  return bad.length === 0 ? null : bad.map((r) => `${r.name}: ${r.totals.failed} failed, exit ${r.exit_code}${r.problems.length ? `, ${r.problems.join('; ')}` : ''}`).join('; ');
}

/**
 * Auto-rollback: isomorphic-git has no revert, so each merge of the gate is undone (newest first) by
 * committing the inverse change on top of develop; after the last one develop's tree is that of the
 * first merge's first parent again. Recorded, escalated, and the phase goes back to build.
 */
export async function rollbackDevelop(e: Engine, phase: number, merges: readonly GitAction[], reason: string): Promise<void> {
  const reverts: PendingGitAction[] = [];
  for (const m of [...merges].reverse()) {
    if (!m.commit) continue;
    const auditId = e.ledger.newEventId();
    const previous = await e.git.resolveRef('develop');
    const res = await e.git.revertMerge({ branch: 'develop', merge: m.commit, actor: 'System', action: 'rollback', auditId, timestamp: Math.floor(e.clock().getTime() / 1000), body: `Post-merge QA failed: ${reason}` });
    if (!res.ok) throw new Error(`rollback of ${m.commit.slice(0, 7)} conflicts in ${res.conflicts.join(', ')}`);
    if (res.alreadyMerged) continue;
    reverts.push({ id: auditId, action: 'revert', source: m.source, target: 'develop', trigger: 'post_merge_qa', actor: 'System', commit: res.oid, previous, message: `rolled back ${m.message}`, files: [] });
  }
  e.ledger.transact((tx) => {
    const ts = e.clock().toISOString();
    recordGitActions(tx, reverts, ts);
    raiseConcern(tx, { phase, from: 'ProjectManager', to: 'Human', severity: 'critical', category: 'post_merge_failure', summary: `Post-merge QA failed on develop; ${reverts.length} merge(s) rolled back`, details: reason }, ts);
    tx.append({ type: 'stage.entered', actor: 'System', ts, payload: { phase, stage: 'build', reason: 'post-merge QA failed; develop rolled back', iteration: (e.read.project()?.iteration ?? 1) + 1 } });
  });
  e.progress({ kind: 'warn', text: `post-merge QA failed; develop rolled back (${reverts.length} revert commit(s))` });
}

/** Recover the merges of a candidate from its first-parent chain: each second parent is an agent branch tip. */
async function candidateMerges(e: Engine, phase: number, candidate: string, develop: string | null): Promise<PendingGitAction[]> {
  const tips = new Map<string, string>();
  for (const b of await phaseBranches(e, phase)) {
    const tip = await e.git.resolveRef(b);
    if (tip) tips.set(tip, b);
  }
  const out: PendingGitAction[] = [];
  let cur: string | null = candidate;
  while (cur && cur !== develop) {
    const [c] = await e.git.logBranch(cur, 1);
    if (!c || c.parents.length < 2 || !c.auditId) break;
    out.unshift({ id: c.auditId, action: 'merge', source: tips.get(c.parents[1] ?? '') ?? c.parents[1] ?? '', target: 'develop', trigger: 'qa_gate', actor: 'System', commit: c.oid, previous: c.parents[0] ?? null, message: c.subject, files: [] });
    cur = c.parents[0] ?? null;
  }
  return out;
}

/** Evaluate the latest runs against the policy: the evidence the human trusts instead of a diff. */
export async function evaluateGate(e: Engine, phase: number): Promise<Gate> {
  const project = e.read.project();
  const runs = e.read.testRuns().filter((r) => r.phase === phase);
  const candidate = runs.at(-1)?.result.candidate ?? '';
  // The newest run of each test command on that candidate: a re-test must not count twice.
  const byName = new Map<string, TestRunResult>();
  for (const r of runs) if (r.result.candidate === candidate && !r.result.name.endsWith(' (post-merge)')) byName.set(r.result.name, r.result);
  const latest = [...byName.values()];
  const totals = latest.reduce((a, r) => ({ tests: a.tests + r.totals.tests, passed: a.passed + r.totals.passed, failed: a.failed + r.totals.failed, skipped: a.skipped + r.totals.skipped, flaky: a.flaky + r.totals.flaky }), { tests: 0, passed: 0, failed: 0, skipped: 0, flaky: 0 });
  const reasons: string[] = [];
  for (const r of latest) {
    if (r.exit_code !== 0) reasons.push(`${r.name}: exited with ${r.timed_out ? 'a timeout' : `code ${r.exit_code}`}`);
    for (const p of r.problems) reasons.push(`${r.name}: ${p}`);
  }
  if (latest.length === 0) reasons.push('no test command is configured in .project_policies.yaml');
  if (totals.failed > 0) reasons.push(`${totals.failed} test(s) failed`);
  if (totals.tests === 0 && latest.length > 0) reasons.push('no tests were reported');

  let coverageLines: number | null = null;
  let coverageBranches: number | null = null;
  const dir = join(e.dir, '.governor', 'qa', candidate.slice(0, 12));
  for (const t of e.policies.tests) {
    if (!t.coverage) continue;
    const cov = await parseCoverageFile(join(dir, t.cwd, t.coverage));
    if ('problem' in cov) reasons.push(`${t.name}: ${cov.problem.replaceAll(`${join(dir, t.cwd)}/`, '').replaceAll(`${dir}/`, '')}`);
    else {
      coverageLines = cov.lines.pct;
      coverageBranches = cov.branches?.pct ?? null;
    }
  }
  for (const c of e.policies.merge_policy.auto_merge_if) {
    if ('coverage_min' in c && coverageLines !== null && coverageLines < c.coverage_min) reasons.push(`line coverage ${coverageLines.toFixed(1)}% is below coverage_min ${c.coverage_min}%`);
    if ('all_tests_passed' in c && c.all_tests_passed && totals.failed > 0 && !reasons.some((r) => r.includes('failed'))) reasons.push('not all tests passed');
  }
  const green = reasons.length === 0;
  return {
    phase,
    iteration: project?.iteration ?? 1,
    candidate,
    green,
    outcome: green ? 'promotion_candidate' : 'escalate',
    reasons: green ? ['all tests passed', ...(coverageLines !== null ? [`line coverage ${coverageLines.toFixed(1)}%`] : [])] : reasons,
    totals,
    coverage_lines: coverageLines,
    coverage_branches: coverageBranches,
    drift: [],
    report: 'QA_REPORT.md',
  };
}

/** The human approved a failed gate: land the tested candidate on develop anyway, recorded as their override. */
export async function overrideGate(e: Engine, review: Review): Promise<boolean> {
  const gate = e.read.gates().filter((g) => g.phase === review.phase).at(-1);
  const develop = await e.git.resolveRef('develop');
  if (!gate?.candidate || gate.candidate === develop) return Boolean(gate?.candidate);
  const merges = (await candidateMerges(e, review.phase, gate.candidate, develop)).map((m) => ({ ...m, trigger: `human_override ${review.id}` }));
  await e.git.updateRef({ name: 'develop', oid: gate.candidate, actor: 'System', action: 'gate_merge', expected: develop });
  e.ledger.transact((tx) => recordGitActions(tx, merges, e.clock().toISOString()));
  e.progress({ kind: 'git', text: `gate overridden by the human (${review.id}): candidate ${gate.candidate.slice(0, 7)} merged into develop` });
  return true;
}

export async function gateStep(e: Engine, phase: number): Promise<void> {
  let gate = await evaluateGate(e, phase);
  let merges: PendingGitAction[] = [];
  if (gate.green) {
    // Green: the very commit that was tested becomes develop; no re-merge, so what was tested is what lands.
    const develop = await e.git.resolveRef('develop');
    merges = await candidateMerges(e, phase, gate.candidate, develop);
    await e.git.updateRef({ name: 'develop', oid: gate.candidate, actor: 'System', action: 'gate_merge', expected: develop });
    if (e.policies.git.post_merge_qa) {
      // Record the merges first, so a rollback always refers to recorded history.
      const landed = merges;
      e.ledger.transact((tx) => recordGitActions(tx, landed, e.clock().toISOString()));
      merges = [];
      const failure = await postMergeCheck(e, phase);
      if (failure) {
        await rollbackDevelop(e, phase, e.read.gitActions().filter((a) => a.action === 'merge' && a.target === 'develop' && a.commit && landed.some((m) => m.id === a.id)), failure);
        gate = { ...gate, green: false, outcome: 'escalate', reasons: [`post-merge QA on develop failed: ${failure}; the merge was rolled back`] };
        e.ledger.transact((tx) => tx.append({ type: 'qa.gate_evaluated', actor: 'ProjectManager', ts: e.clock().toISOString(), payload: gate }));
        return;
      }
    }
  }
  e.ledger.transact((tx) => {
    const ts = e.clock().toISOString();
    tx.append({ type: 'qa.gate_evaluated', actor: 'ProjectManager', ts, payload: gate });
    recordGitActions(tx, merges, ts);
    if (gate.green) {
      const h = recordHandoff(tx, e.read, { phase, from: 'Tester', to: 'Human', purpose: 'Validate Testing Completion', inputs: ['tests/TEST_RESULTS.md', 'tests/TEST_RESULTS_DETAIL.md'], outputs: ['docs/PROJECT_DETAIL.md'], summary: `${gate.totals.passed}/${gate.totals.tests} passed${gate.coverage_lines !== null ? `, coverage ${gate.coverage_lines.toFixed(1)}%` : ''}; merged into develop.`, status: 'awaiting_approval' }, ts);
      requestReview(tx, { kind: 'test_completion', phase, title: `Phase ${phase} test completion`, requested_by: 'Tester', impact: 'medium', subject: { path: 'tests/TEST_RESULTS.md', revision: 1 }, context: ['tests/TEST_RESULTS_DETAIL.md', 'tests/TEST_PLAN.md', 'QA_REPORT.md'], handoff_id: h.id, summary: h.summary }, ts);
      tx.append({ type: 'stage.entered', actor: 'System', ts, payload: { phase, stage: 'completion_review', reason: 'QA gate green; merged into develop' } });
    } else {
      const h = recordHandoff(tx, e.read, { phase, from: 'ProjectManager', to: 'Human', purpose: 'QA Gate Failure', inputs: ['QA_REPORT.md', 'tests/TEST_RESULTS.md'], outputs: [], summary: gate.reasons.join('; '), status: 'awaiting_review', impact: 'high' }, ts);
      requestReview(tx, { kind: 'gate_failure', phase, title: `Phase ${phase} QA gate failed`, requested_by: 'ProjectManager', impact: 'high', subject: { path: 'QA_REPORT.md', revision: 1 }, context: ['tests/TEST_RESULTS.md', 'tests/TEST_RESULTS_DETAIL.md'], handoff_id: h.id, summary: gate.reasons.join('; ') }, ts);
    }
  });
  e.progress({ kind: gate.green ? 'git' : 'warn', text: gate.green ? `QA gate green: merged ${merges.length} branch(es) into develop` : `QA gate failed: ${gate.reasons.join('; ')}` });
}
