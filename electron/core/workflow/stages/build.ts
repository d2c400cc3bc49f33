import type { Concern, Task } from '../../../../shared/index.ts';
import { AgentName, RoleKind, escalationTargets, roleOf } from '../../../../shared/index.ts';
import type { ConcernAction } from '../../agents/runtime.ts';
import type { Engine } from '../engine.ts';
import { agentCommit, phaseBranch, recordGitActions } from '../git-steps.ts';
import { nextId } from '../ids.ts';
import { proposeVariation } from '../variations.ts';
import { enterStage, raiseConcern, recordHandoff, setAgentStatus } from '../records.ts';
import { type WorkDone, isExternal, runWork, workerOf } from '../work-session.ts';
import { runTestsIn } from './agent-tests.ts';
import { contextDocs } from './authored.ts';
import { recordTaskTaken, startingTip } from '../task-start.ts';
import { buildBlockers, workTasks } from '../waiting.ts';

// Kept here for their callers; they live in waiting.ts so a status read does not load the stage code.
export { buildBlockers, workTasks };

/** Tasks an agent does in its workspace: everything of implementers, and the tester's after its test plan. */
/** Statuses that end an agent's turn on a task: dependants may start, and the build need not wait. */
const FINISHED = new Set(['Done', 'Needs Review', 'No Change']);

/** `all` is the project's tasks when the caller has them already read. */
export function isRunnable(e: Engine, t: Task, all?: readonly Task[]): boolean {
  // In Progress outside a running step means a run was killed mid-task: the task (and its session) resumes.
  if (t.status !== 'To Do' && t.status !== 'In Progress') return false;
  if (t.depends_on.length === 0) return true;
  const tasks = all ?? e.read.tasks();
  return t.depends_on.every((d) => FINISHED.has(tasks.findLast((x) => x.id === d)?.status ?? 'Done'));
}

/**
 * One agent turn on one task: materialise the agent's branch into its own workspace, let the runtime
 * edit files there, and commit exactly those edits to the agent's branch. Workspaces are separate
 * directories, so parallel implementers never share files, an index or a HEAD.
 */
export async function workStep(e: Engine, agent: AgentName, task: Task): Promise<void> {
  const phase = task.phase;
  const branch = phaseBranch(phase, agent);
  const tip = await startingTip(e, branch);
  recordTaskTaken(e, agent, task, null);
  // The agent's worker (its runtime's tool loop, or a coding agent in its own clone) does the task.
  const out = await runWork(e, { agent, task, branch, tip, runTests: (root) => runTestsIn(e, root) });
  if (out.kind === 'paused') return;
  await finishWork(e, agent, task, branch, out);
}

/** Commit what the agent changed to its branch, and record the task's end, its concerns and variations. */
export async function finishWork(
  e: Engine,
  agent: AgentName,
  task: Task,
  branch: string,
  out: WorkDone,
): Promise<void> {
  const phase = task.phase;
  const commit = out.commitSubject
    ? await agentCommit(e, {
        agent,
        actor: agent,
        branch,
        changes: out.changes,
        subject: out.commitSubject,
        body: `${task.id}: ${out.summary}`,
        trigger: `task ${task.id}`,
      })
    : null;
  // Work that changed no file is said as such: never Done, and shown to the human.
  const unchanged = !commit && (out.changes.size === 0 || Boolean(out.commitSubject));

  e.ledger.transact((tx) => {
    const ts = e.clock().toISOString();
    if (commit) recordGitActions(tx, [commit], ts);
    const done = Boolean(commit);
    const status = done ? 'Done' : unchanged ? 'No Change' : 'Needs Review';
    const commentary = unchanged ? `No change: ${out.summary}` : out.summary;
    tx.append({
      type: 'task.updated',
      actor: agent,
      ts,
      payload: {
        task_id: task.id,
        status,
        commentary,
        links: commit ? [`${branch}@${commit.commit?.slice(0, 7)}`] : [],
      },
    });
    // A follow-up task for a concern settles that concern when the agent's turn on it ends.
    for (const id of task.links.filter((l) => /^concern_\d+$/.test(l))) {
      const c = e.read.concern(id);
      if (c && c.status !== 'resolved')
        tx.append({
          type: 'concern.resolved',
          actor: agent,
          ts,
          payload: {
            concern_id: id,
            by: agent,
            note: `${task.id} ${status.toLowerCase()}: ${out.summary}`.slice(0, 2000),
          },
        });
    }
    for (const c of out.concerns) {
      const id = raiseConcern(
        tx,
        {
          phase,
          from: agent,
          to: c.to,
          severity: c.severity,
          category: c.category,
          summary: c.summary,
          details: c.details,
        },
        ts,
      );
      e.progress({ kind: 'concern', agent, text: `${c.severity} concern ${id} → ${c.to}: ${c.summary}` });
    }
    for (const v of out.variations) proposeVariation(tx, e, agent, phase, v, ts);
    if (done) {
      recordHandoff(
        tx,
        e.read,
        {
          phase,
          from: agent,
          to: roleOf(agent) === 'Tester' ? 'ProjectManager' : 'Tester',
          purpose: `${task.id} complete: ${task.title}`,
          inputs: [...out.changes.keys()],
          outputs: [branch],
          summary: out.summary,
          status: 'delivered',
        },
        ts,
      );
    }
    setAgentStatus(tx, agent, 'idle', null, ts);
  });
  if (commit) e.progress({ kind: 'git', agent, text: `${commit.message} → ${branch} ${commit.commit?.slice(0, 7)}` });
  else if (unchanged) e.progress({ kind: 'warn', agent, text: `${task.id}: no change — ${out.summary}` });
}

/**
 * The agent a concern waits on, if any: the addressee of an open concern, or the agent the human assigned
 * it to. Not an agent that already passed it up the chain, and never the human.
 */
export function concernWorker(c: Concern): AgentName | null {
  const who = c.status === 'open' ? c.to : c.status === 'assigned' ? c.assigned_to : null;
  const parsed = AgentName.safeParse(who);
  if (!parsed.success || c.escalations.at(-1)?.from === parsed.data) return null;
  return parsed.data;
}

/**
 * The addressee of a concern works it through its runtime: it resolves it, escalates it up the chain from
 * agents.yaml, or acknowledges it. An implementer or tester that acknowledges gets a task to address it,
 * and the concern is settled when that task ends; the PM and the Designer address it in their next revision.
 */
export async function concernStep(
  e: Engine,
  concern: Concern,
  agent: AgentName = AgentName.parse(concernWorker(concern) ?? concern.to),
): Promise<void> {
  const runtime = e.runtimeFor(agent);
  // A coding agent (Claude Code, or the user's own session) answers nothing outside a task: the concern
  // becomes its task, which it works in its workspace like any other (and may resolve or escalate by MCP).
  const coding = isExternal(e, agent) || workerOf(e, agent).usesGit;
  const action: ConcernAction = coding
    ? { action: 'acknowledge', note: `${runtime.label} works it as a task` }
    : await runtime.handleConcern({
        agent,
        concern,
        context: contextDocs(e, ['design/DESIGN_SPEC.md', 'REQUIREMENTS.md']),
      });
  e.ledger.transact((tx) => {
    const ts = e.clock().toISOString();
    if (action.action === 'escalate') {
      // A chain has at most one hop per role before Human; past that (a cycle the config check missed,
      // an older ledger) the concern goes to the human instead of round and round.
      const hops = concern.escalations.length;
      const next =
        hops >= RoleKind.options.length ? 'Human' : (escalationTargets(e.agentsFile, roleOf(agent))[0] ?? 'Human');
      tx.append({
        type: 'concern.escalated',
        actor: agent,
        ts,
        payload: { concern_id: concern.id, from: agent, to: next, reason: action.reason },
      });
    } else if (action.action === 'resolve') {
      tx.append({
        type: 'concern.resolved',
        actor: agent,
        ts,
        payload: { concern_id: concern.id, by: agent, note: action.note },
      });
    } else if (roleOf(agent) === 'Implementer' || roleOf(agent) === 'Tester') {
      tx.append({
        type: 'concern.acknowledged',
        actor: agent,
        ts,
        payload: { concern_id: concern.id, by: agent, note: action.note },
      });
      const phase = e.read.project()?.phase ?? concern.phase;
      const id = nextId.task(tx.db);
      tx.append({
        type: 'task.assigned',
        actor: agent,
        ts,
        payload: {
          task: {
            id,
            phase,
            title: `Address ${concern.id}: ${concern.summary}`.slice(0, 200),
            agent,
            status: 'To Do',
            depends_on: [],
            commentary: action.note,
            links: [concern.id],
          },
          command_id: null,
        },
      });
    } else {
      tx.append({
        type: 'concern.resolved',
        actor: agent,
        ts,
        payload: {
          concern_id: concern.id,
          by: agent,
          note: `Acknowledged; addressed in the next revision: ${action.note}`,
        },
      });
    }
  });
  e.progress({
    kind: 'concern',
    agent,
    text: `${concern.id}: ${action.action}${action.action === 'escalate' ? ` — ${action.reason}` : ` — ${action.note}`}`,
  });
}

/** The build is complete: hand the branches to the tester. */
export function finishBuild(e: Engine, phase: number): void {
  e.ledger.transact((tx) => {
    const ts = e.clock().toISOString();
    const implementers = e.read
      .agents()
      .filter((a) => a.role === 'Implementer')
      .map((a) => phaseBranch(phase, a.name));
    const unchanged = e.read
      .tasks()
      .filter((t) => t.phase === phase && t.status === 'No Change')
      .map((t) => `${t.id} (${t.agent})`);
    const summary = `All build tasks are done; run the tests on the merged candidate.${unchanged.length ? ` No change from ${unchanged.join(', ')}.` : ''}`;
    recordHandoff(
      tx,
      e.read,
      {
        phase,
        from: 'ProjectManager',
        to: 'Tester',
        purpose: 'Run the phase test suite',
        inputs: implementers,
        outputs: ['tests/TEST_RESULTS.md', 'tests/TEST_RESULTS_DETAIL.md'],
        summary,
        status: 'delivered',
      },
      ts,
    );
    enterStage(tx, { phase, stage: 'test', reason: 'build complete' }, ts);
  });
}
