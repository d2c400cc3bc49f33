import { join } from 'node:path';
import type { AgentName, Concern, Task } from '../../../../shared/index.ts';
import { RoleKind, escalationTargets, roleOf } from '../../../../shared/index.ts';
import type { Engine } from '../engine.ts';
import { agentCommit, phaseBranch, recordGitActions } from '../git-steps.ts';
import { proposeVariation } from '../variations.ts';
import { raiseConcern, recordHandoff, setAgentStatus } from '../records.ts';
import { agentRunOptions } from '../../qa/confine.ts';
import { runCommand } from '../../qa/run-command.ts';
import { type WorkDone, runWork } from '../work-session.ts';
import { contextDocs } from './authored.ts';
import { buildBlockers, workTasks } from '../waiting.ts';

// Kept here for their callers; they live in waiting.ts so a status read does not load the stage code.
export { buildBlockers, workTasks };

/** Tasks an agent does in its workspace: everything of implementers, and the tester's after its test plan. */
export function isRunnable(e: Engine, t: Task): boolean {
  // In Progress outside a running step means a run was killed mid-task: the task (and its session) resumes.
  if (t.status !== 'To Do' && t.status !== 'In Progress') return false;
  const byId = new Map(e.read.tasks().map((x) => [x.id, x]));
  return t.depends_on.every((d) => byId.get(d)?.status === 'Done' || byId.get(d)?.status === 'Needs Review' || !byId.has(d));
}

/**
 * One agent turn on one task: materialise the agent's branch into its own workspace, let the runtime
 * edit files there, and commit exactly those edits to the agent's branch. Workspaces are separate
 * directories, so parallel implementers never share files, an index or a HEAD.
 */
export async function workStep(e: Engine, agent: AgentName, task: Task): Promise<void> {
  const phase = task.phase;
  const branch = phaseBranch(phase, agent);
  const tip = (await e.git.resolveRef(branch)) ?? (await e.git.resolveRef('develop'));
  if (!tip) throw new Error('the repository has no develop branch');
  e.ledger.transact((tx) => {
    const ts = e.clock().toISOString();
    setAgentStatus(tx, agent, 'working', task.id, ts);
    tx.append({ type: 'task.updated', actor: agent, ts, payload: { task_id: task.id, status: 'In Progress', commentary: null, links: [] } });
  });
  // The agent's worker (its runtime's tool loop, or a coding agent in its own clone) does the task.
  const out = await runWork(e, { agent, task, branch, tip, runTests: (root) => runTestsIn(e, root) });
  if (out.kind === 'paused') return;
  await finishWork(e, agent, task, branch, out);
}

/** Commit what the agent changed to its branch, and record the task's end, its concerns and variations. */
export async function finishWork(e: Engine, agent: AgentName, task: Task, branch: string, out: WorkDone): Promise<void> {
  const phase = task.phase;
  const commit = out.commitSubject ? await agentCommit(e, { agent, actor: agent, branch, changes: out.changes, subject: out.commitSubject, body: `${task.id}: ${out.summary}`, trigger: `task ${task.id}` }) : null;

  e.ledger.transact((tx) => {
    const ts = e.clock().toISOString();
    if (commit) recordGitActions(tx, [commit], ts);
    const done = Boolean(commit);
    tx.append({ type: 'task.updated', actor: agent, ts, payload: { task_id: task.id, status: done ? 'Done' : 'Needs Review', commentary: out.summary, links: commit ? [`${branch}@${commit.commit?.slice(0, 7)}`] : [] } });
    for (const c of out.concerns) {
      const id = raiseConcern(tx, { phase, from: agent, to: c.to, severity: c.severity, category: c.category, summary: c.summary, details: c.details }, ts);
      e.progress({ kind: 'concern', agent, text: `${c.severity} concern ${id} → ${c.to}: ${c.summary}` });
    }
    for (const v of out.variations) proposeVariation(tx, e, agent, phase, v, ts);
    if (done) {
      recordHandoff(tx, e.read, { phase, from: agent, to: roleOf(agent) === 'Tester' ? 'ProjectManager' : 'Tester', purpose: `${task.id} complete: ${task.title}`, inputs: [...out.changes.keys()], outputs: [branch], summary: out.summary, status: 'delivered' }, ts);
    }
    setAgentStatus(tx, agent, 'idle', null, ts);
  });
  if (commit) e.progress({ kind: 'git', agent, text: `${commit.message} → ${branch} ${commit.commit?.slice(0, 7)}` });
}

/** The addressee of a concern deals with it or passes it up the chain from agents.yaml. */
export async function concernStep(e: Engine, concern: Concern): Promise<void> {
  const agent = concern.to as AgentName;
  const runtime = e.runtimeFor(agent);
  const action = await runtime.handleConcern({ agent, concern, context: contextDocs(e, ['design/DESIGN_SPEC.md', 'REQUIREMENTS.md']) });
  e.ledger.transact((tx) => {
    const ts = e.clock().toISOString();
    if (action.action === 'escalate') {
      // A chain has at most one hop per role before Human; past that (a cycle the config check missed,
      // an older ledger) the concern goes to the human instead of round and round.
      const hops = concern.escalations.length;
      const next = hops >= RoleKind.options.length ? 'Human' : (escalationTargets(e.agentsFile, roleOf(agent))[0] ?? 'Human');
      tx.append({ type: 'concern.escalated', actor: agent, ts, payload: { concern_id: concern.id, from: agent, to: next, reason: action.reason } });
    } else if (action.action === 'resolve') {
      tx.append({ type: 'concern.resolved', actor: agent, ts, payload: { concern_id: concern.id, by: agent, note: action.note } });
    } else {
      tx.append({ type: 'concern.acknowledged', actor: agent, ts, payload: { concern_id: concern.id, by: agent, note: action.note } });
    }
  });
}

/** The build is complete: hand the branches to the tester. */
export function finishBuild(e: Engine, phase: number): void {
  e.ledger.transact((tx) => {
    const ts = e.clock().toISOString();
    const implementers = e.read.agents().filter((a) => a.role === 'Implementer').map((a) => phaseBranch(phase, a.name));
    recordHandoff(tx, e.read, { phase, from: 'ProjectManager', to: 'Tester', purpose: 'Run the phase test suite', inputs: implementers, outputs: ['tests/TEST_RESULTS.md', 'tests/TEST_RESULTS_DETAIL.md'], summary: 'All build tasks are done; run the tests on the merged candidate.', status: 'delivered' }, ts);
    tx.append({ type: 'stage.entered', actor: 'System', ts, payload: { phase, stage: 'test', reason: 'build complete' } });
  });
}

/** `run_tests` for an agent: the policy's commands, in the agent's own workspace, with their timeouts. */
async function runTestsIn(e: Engine, root: string): Promise<{ passed: boolean; summary: string }> {
  if (e.policies.tests.length === 0) return { passed: false, summary: 'no test command is configured in .project_policies.yaml' };
  const parts: string[] = [];
  let passed = true;
  for (const t of e.policies.tests) {
    // Agent code: sandboxed in the workspace, allowlisted environment, output redacted (qa/confine.ts); through
    // the engine's runner, so a recorded run keeps what it measured.
    const r = await (e.runTests ?? runCommand)({ command: t.command, cwd: join(root, t.cwd), env: t.env, timeoutMs: t.timeout_s * 1000, ...agentRunOptions(e, root) });
    const ok = r.exitCode === 0 && !r.timedOut;
    passed &&= ok;
    parts.push(`${t.name}: ${ok ? 'passed' : r.timedOut ? `timed out after ${t.timeout_s}s` : `failed (exit ${r.exitCode})`}\n${r.outputTail.slice(-4000)}`);
  }
  return { passed, summary: parts.join('\n\n') };
}
