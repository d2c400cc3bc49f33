import type { AgentName, PermissionRequest, Task, WorkerActivity } from '../../../shared/index.ts';
import { roleOf } from '../../../shared/index.ts';
import {
  agentWorkspaceDir,
  prepareGitWorkspace,
  workspaceBase,
  workspaceChanges,
} from '../agents/workers/git-workspace.ts';
import { runtimeWorker } from '../agents/workers/runtime-worker.ts';
import type { Worker, WorkerResult } from '../agents/workers/worker.ts';
import type { ProposedVariation, RaisedConcern } from '../agents/runtime.ts';
import { GovernorError } from '../errors.ts';
import { type Handoff, createAgentActions } from '../mcp/actions.ts';
import { GOVERNOR_MCP_NAME } from '../mcp/name.ts';
import { createPermissionGate } from '../permissions/gate.ts';
import { withdrawRequest } from '../permissions/requests.ts';
import type { NewEvent } from '../../../shared/index.ts';
import type { Engine } from './engine.ts';
import { setAgentStatus } from './records.ts';
import { testSetupText } from './stages/agent-tests.ts';
import { contextDocs } from './stages/authored.ts';
import { layTesterClone, prepareTesterWorkspace } from './stages/tester-workspace.ts';
import { budgetLeftUsd, requestBudget } from './usage.ts';
import { workspaceDir } from './work-dirs.ts';

/** What a finished piece of work hands back to the build stage to commit and record. */
export interface WorkDone {
  kind: 'done';
  label: string;
  summary: string;
  commitSubject: string;
  concerns: RaisedConcern[];
  variations: ProposedVariation[];
  changes: Map<string, string | Uint8Array | null>;
}

/** The work stopped before a handoff (a budget review, Governor stopping): nothing to commit yet. */
export interface WorkPaused {
  kind: 'paused';
  reason: string;
}

/** Engines that know coding agents offer their workers; any other engine runs its runtimes' tool loops. */
export const workerOf = (e: Engine, agent: AgentName): Worker =>
  e.workerFor?.(agent) ?? runtimeWorker(e.runtimeFor(agent));

/**
 * One agent's turn on one task, through whichever worker agents.yaml gives it. Git workers (Claude Code)
 * get their own clone of the branch, resume their session after a restart, ask Governor's permission gate
 * for every tool use, and talk to Governor through its MCP server bound to their identity; their stream
 * goes into the ledger as activity. The build stage then commits the changes as before.
 */
export async function runWork(
  e: Engine,
  o: {
    agent: AgentName;
    task: Task;
    branch: string;
    tip: string;
    signal?: AbortSignal;
    runTests: (root: string) => Promise<{ passed: boolean; summary: string }>;
  },
): Promise<WorkDone | WorkPaused> {
  const { agent, task } = o;
  const phase = task.phase;
  const worker = workerOf(e, agent);
  const prior = e.read.workerSession(agent, task.id);
  const resume = worker.usesGit && prior && prior.status !== 'finished' ? prior.session_id : null;
  // A replayed session names the workspace the run used and needs none: the project's clone is not touched.
  const replayedIn = worker.replay?.workspace(task.id) ?? null;
  const root = replayedIn ?? (worker.usesGit ? agentWorkspaceDir(e.dir, o.branch) : workspaceDir(e.dir, o.branch));
  const tester = roleOf(agent) === 'Tester';
  if (replayedIn) {
    // Nothing to prepare: the recorded session hands back the files it changed.
  } else if (worker.usesGit) {
    await prepareGitWorkspace({ projectDir: e.dir, dir: root, branch: o.branch, tip: o.tip, fresh: resume === null });
    // The Tester tests the implementation: its clone also holds develop and the phase's other branches.
    if (tester && resume === null)
      notSkipped(
        e,
        agent,
        (await layTesterClone(e, phase, o.branch, root)).skipped,
        'did not merge cleanly into the workspace',
      );
  } else if (tester) {
    notSkipped(
      e,
      agent,
      (await prepareTesterWorkspace(e, phase, o.branch, root)).skipped,
      'not carried into the workspace (binary or over 1 MiB)',
    );
  } else {
    await e.git.materialize({ oid: o.tip, dir: root });
  }
  e.progress({
    kind: 'work',
    agent,
    text: `${task.id} ${task.title} (${worker.label}, on ${o.branch}${resume ? `, resuming session ${resume.slice(0, 8)}` : ''})`,
  });

  const activity = activityWriter(e, agent, worker.kind, task.id, !worker.replay);
  let handed: Handoff | null = null;
  const actions = createAgentActions(e, agent, {
    currentTask: () => task,
    handoff: async (h) => {
      handed = h;
      return 'Handed off. Governor commits your workspace to your branch and runs the gates once you stop; stop now.';
    },
  });
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const gate = createPermissionGate({
    ledger: e.ledger,
    read: e.read,
    agent,
    worker: worker.kind,
    phase,
    taskId: task.id,
    root,
    permissions: e.policies.agent_permissions,
    tests: e.policies.tests,
    mcpServer: GOVERNOR_MCP_NAME,
    ...(e.redactor ? { redactor: e.redactor } : {}),
    clock: e.clock,
    signal: abort.signal,
    onActivity: (a) => activity.push(a),
    onWaiting: (r) => waiting(e, agent, task, r),
  });

  const limits = e.policies.agent_limits ?? { max_steps: 40, wall_clock_s: 900 };
  let result: WorkerResult;
  try {
    result = await worker.work(
      {
        agent,
        phase,
        task,
        workspace: root,
        testSetup: testSetupText(e.policies),
        context: contextDocs(e, [
          'REQUIREMENTS.md',
          'design/DESIGN_SPEC.md',
          'design/ARCHITECTURE.md',
          'tests/TEST_PLAN.md',
        ]),
        resume,
        budgetUsd: budgetLeftUsd(e, agent, phase),
        limits: { maxTurns: limits.max_steps, wallClockS: limits.wall_clock_s },
      },
      {
        gate,
        mcp: actions,
        activity: (a) => activity.push(a),
        session: (id, resumed) => {
          activity.flush();
          e.ledger.transact((tx) =>
            tx.append({
              type: 'worker.session_started',
              actor: agent,
              payload: { agent, worker: worker.kind, task_id: task.id, session_id: id, workspace: root, resumed },
            }),
          );
        },
        handedOff: () => handed,
        runTests: () => o.runTests(root),
        signal: abort.signal,
        flushActivity: () => activity.flush(),
        onActivityFlush: (l) => activity.listen(l),
      },
    );
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    activity.flush();
  }
  // A request still pending when the session ended is one nobody needs any more.
  for (const r of e.read.permissionRequests('pending')) {
    if (r.agent === agent && r.task_id === task.id && !o.signal?.aborted)
      withdrawRequest(e.ledger, e.read, r.id, 'the session ended before anyone decided');
  }
  if (result.usage)
    e.recordUsage?.(agent, `${worker.label}`, `${task.id} ${worker.kind} session`, {
      input: result.usage.input,
      output: result.usage.output,
      costUsd: result.usage.costUsd,
    });
  const ended = (outcome: string) => {
    if (result.sessionId)
      e.ledger.transact((tx) =>
        tx.append({
          type: 'worker.session_ended',
          actor: agent,
          payload: {
            agent,
            worker: worker.kind,
            task_id: task.id,
            session_id: result.sessionId ?? '',
            outcome,
            turns: result.turns,
            cost_usd: result.usage?.costUsd ?? 0,
          },
        }),
      );
  };

  if (result.outcome === 'budget_exhausted' || result.outcome === 'interrupted') {
    ended('interrupted');
    e.ledger.transact((tx) => {
      const ts = e.clock().toISOString();
      tx.append({
        type: 'task.updated',
        actor: 'System',
        ts,
        payload: {
          task_id: task.id,
          status: 'To Do',
          commentary:
            result.outcome === 'interrupted'
              ? 'interrupted; the session resumes with the agent'
              : 'paused: the budget is spent; the session resumes once the human grants more',
          links: [],
        },
      });
      setAgentStatus(tx, agent, 'idle', null, ts);
      if (result.outcome === 'budget_exhausted') {
        tx.append({ type: 'agent.paused', actor: 'System', ts, payload: { agent, by: 'System', pending: false } });
        requestBudget(
          tx,
          e,
          agent,
          phase,
          `${agent} spent its budget on ${task.id} (the session's cap was $${(budgetLeftUsd(e, agent, phase) ?? 0).toFixed(2)} left)`,
          ts,
        );
      }
    });
    if (result.outcome === 'budget_exhausted')
      e.progress({
        kind: 'review',
        agent,
        text: `${agent} hit its budget on ${task.id}: a budget review asks you for more`,
      });
    return { kind: 'paused', reason: result.outcome };
  }
  if (result.outcome === 'max_turns') {
    ended('interrupted');
    throw new GovernorError(
      'turn_limit',
      `${agent} used its ${limits.max_steps} turns (agent_limits.max_steps) on ${task.id} without handing off; its session ${result.sessionId ?? ''} is kept: raise the limit or split the task, then /resume ${agent}`,
    );
  }
  ended(result.outcome);
  const changes = result.changes ?? (await workspaceChanges(root, await workspaceBase(root, o.tip)));
  return {
    kind: 'done',
    label: worker.label,
    summary: result.summary,
    commitSubject: result.commitSubject,
    concerns: result.concerns,
    variations: result.variations,
    changes,
  };
}

function notSkipped(e: Engine, agent: AgentName, skipped: string[], why: string): void {
  if (skipped.length) e.progress({ kind: 'warn', agent, text: `${why}: ${skipped.join(', ')}` });
}

/** While a request waits on the human, the agent shows "waiting on you" and the watchers are told how to answer. */
function waiting(e: Engine, agent: AgentName, task: Task, r: PermissionRequest | null): void {
  e.ledger.transact((tx) =>
    setAgentStatus(tx, agent, r ? 'waiting_human' : 'working', task.id, e.clock().toISOString()),
  );
  if (r)
    e.progress({
      kind: 'review',
      agent,
      text: `${agent} asks to run ${r.summary} (${r.id}: ${r.reason}). Decide: governor decide ${r.id} allow|session|always|deny --digest ${r.input_digest.slice(0, 12)}`,
    });
}

/**
 * The agent's stream into the ledger, redacted: written in small batches (one transaction per ~50 ms or
 * 50 items) so an allowed tool use never waits for a disk sync, and flushed before anything that must
 * follow it in order (a session record, the end of the step). A replay writes no batch on a timer: it
 * flushes where the recorded run's writes fell, so the ledger gets the same transactions.
 */
function activityWriter(e: Engine, agent: AgentName, worker: string, taskId: string, timed: boolean) {
  let buffer: NewEvent<'worker.activity'>[] = [];
  let timer: NodeJS.Timeout | null = null;
  const listeners: Array<() => void> = [];
  const redact = (s: string) => (e.redactor ? e.redactor.redact(s) : s);
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (!buffer.length || !e.ledger.db.open) return;
    const batch = buffer;
    buffer = [];
    e.ledger.append(batch);
    for (const l of listeners) l();
  };
  return {
    push(a: Omit<WorkerActivity, 'agent' | 'worker' | 'task_id'>) {
      const text = redact(a.text);
      buffer.push({ type: 'worker.activity', actor: agent, payload: { ...a, text, agent, worker, task_id: taskId } });
      if (a.kind !== 'permission')
        e.progress({
          kind: 'work',
          agent,
          text: `${a.kind === 'tool_use' ? '→ ' : a.kind === 'tool_result' || a.kind === 'test_run' ? '← ' : ''}${text.split('\n')[0]?.slice(0, 200) ?? ''}`,
        });
      if (buffer.length >= 50) flush();
      else if (!timer && timed) timer = setTimeout(flush, 50);
    },
    flush,
    listen: (l: () => void) => void listeners.push(l),
  };
}

/** An agent that joins from the user's own session takes tasks through MCP; the loop never runs it. */
export const isExternal = (e: Engine, agent: AgentName) => e.agentsFile.agents[roleOf(agent)].runtime === 'external';
