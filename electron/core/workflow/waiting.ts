import type { Task } from '../../../shared/index.ts';
import { roleOf } from '../../../shared/index.ts';
import type { Engine } from './engine.ts';
import { afterPromotion, phaseBlocker } from './stages/next-phase.ts';

/**
 * What the project waits on, read from the ledger alone. Apart from the stages' code (build.ts, loop.ts) so
 * that answering a status (`governor status`, `project.status`) does not load the QA gate and its parsers.
 */

export function workTasks(e: Engine, phase: number, all: readonly Task[] = e.read.tasks()): Task[] {
  const tasks = all.filter((t) => t.phase === phase);
  const testerFirst = tasks.find((t) => t.agent === 'Tester');
  return tasks.filter((t) => roleOf(t.agent) === 'Implementer' || (t.agent === 'Tester' && t.id !== testerFirst?.id));
}

/**
 * Where a coding agent's open task really is: its session waiting on the human's permission, interrupted
 * (it resumes on the next run), or, for an external agent, waiting for the user's own session to take it.
 */
function workerNote(e: Engine, t: Task): string {
  const asking = e.read.permissionRequests('pending').find((r) => r.agent === t.agent && r.task_id === t.id);
  if (asking) return ` — waiting on your permission: ${asking.id} (${asking.summary})`;
  const session = e.read.workerSession(t.agent, t.id);
  if (session?.status === 'interrupted')
    return ` — its ${session.worker} session ${session.session_id.slice(0, 8)} was interrupted and resumes on the next run`;
  if (session?.status === 'running' && t.status === 'In Progress')
    return ` — in its ${session.worker} session ${session.session_id.slice(0, 8)}`;
  if (e.agentsFile.agents[roleOf(t.agent)].runtime === 'external') {
    return t.status === 'To Do'
      ? ` — for your own session to take (\`governor mcp --agent ${t.agent}\`, then next_task)`
      : ' — in your own session';
  }
  return '';
}

/** What still holds the build stage open, in words for the human. */
export function buildBlockers(e: Engine, phase: number): string[] {
  const out: string[] = [];
  for (const t of workTasks(e, phase))
    if (t.status === 'To Do' || t.status === 'In Progress')
      out.push(`${t.id} (${t.agent}) is ${t.status}${workerNote(e, t)}`);
  const plan = e.read.reviewsOf('test_plan', phase).at(-1);
  if (!plan) out.push('the test plan is not written yet');
  else if (
    !(
      plan.status === 'decided' &&
      (plan.decision?.decision === 'approve' || plan.decision?.decision === 'approve_with_conditions')
    )
  )
    out.push('the test plan is not approved yet');
  for (const r of e.read.pendingReviews())
    if (r.phase === phase && (r.kind === 'variation' || r.kind === 'test_plan'))
      out.push(`${r.id} (${r.title}) awaits the human`);
  for (const c of e.read.openConcerns())
    if (c.phase === phase && c.severity !== 'info') out.push(`${c.severity} concern ${c.id} is ${c.status}`);
  return out;
}

/** What the project is waiting for, in words. */
export function waitingOn(e: Engine): string[] {
  const project = e.read.project();
  if (!project) return ['the project is not initialised'];
  const out = e.read.pendingReviews().map((r) => `${r.id}: ${r.title} (${r.kind}, requested by ${r.requested_by})`);
  if (project.stage === 'build')
    out.push(...buildBlockers(e, project.phase).filter((b) => !b.includes('awaits the human')));
  if (project.stage === 'plan') {
    const blocker = phaseBlocker(e, project.phase);
    if (blocker) out.push(blocker);
  }
  if (project.stage === 'promoted') {
    const after = afterPromotion(e);
    if ('waiting' in after) out.push(after.waiting);
  }
  for (const c of e.read.openConcerns()) if (c.to === 'Human') out.push(`${c.id} (${c.severity}): ${c.summary}`);
  const pausedAgents = e.read
    .agents()
    .filter((a) => a.status === 'paused')
    .map((a) => a.name);
  if (pausedAgents.length) out.push(`paused: ${pausedAgents.join(', ')}`);
  return out;
}
