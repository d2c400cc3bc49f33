import type { AgentName, Review } from '../../../shared/index.ts';
import { AgentName as AgentNameSchema, roleOf } from '../../../shared/index.ts';
import { type NoteCursor, createNoteSync } from '../git/audit-notes.ts';
import { archiveIdleExperiments } from './archive.ts';
import type { Engine } from './engine.ts';
import { handleStepFailure } from './failures.ts';
import { followUp } from './follow-up.ts';
import { respond } from './records.ts';
import { contextDocs, produceAuthored } from './stages/authored.ts';
import { checkRuntimes } from './preflight.ts';
import {
  buildBlockers,
  concernStep,
  concernWorker,
  finishBuild,
  isRunnable,
  workStep,
  workTasks,
} from './stages/build.ts';
import { afterPromotion, nextRoadmapPhase, phaseBlocker } from './stages/next-phase.ts';
import { gateStep, testStep } from './stages/gate.ts';
import { commitConfigEdits } from './config-commit.ts';
import { finishPromotion, promotionWaits } from './stages/promote.ts';
import { isExternal } from './work-session.ts';
import { waitingOn } from './waiting.ts';

export { waitingOn };

export interface Step {
  describe: string;
  agent?: AgentName;
  run(): Promise<void>;
}

export interface LoopOutcome {
  steps: number;
  /**
   * Why the loop stopped: waiting on the human, finished (the project released, or promoted with nothing the
   * team can do next), blocked (paused agents, open concerns), aborted, or `needs_setup`: the configured
   * runtimes cannot run this team at all (waitingOn says why and what to change), checked before any step.
   */
  state: 'waiting_human' | 'done' | 'blocked' | 'aborted' | 'needs_setup';
  waitingOn: string[];
}

const OWN_DOCS: Partial<Record<string, string[]>> = {
  ProjectManager: ['REQUIREMENTS.md', 'AGENT_TASKS.md'],
  Designer: ['design/DESIGN_SPEC.md', 'design/ARCHITECTURE.md'],
  Tester: ['tests/TEST_PLAN.md', 'tests/TEST_RESULTS.md'],
};

const needsOwnerWork = (r: Review) => {
  const d = r.decision?.decision;
  return (
    d === 'request_clarification' ||
    ((r.kind === 'plan' || r.kind === 'design' || r.kind === 'test_plan') &&
      (d === 'request_changes' || d === 'reject'))
  );
};

const paused = (e: Engine, agent: string) => {
  const a = e.read.agent(agent);
  return a?.status === 'paused' || a?.pause_requested === true;
};

/**
 * The next thing to do, decided from the ledger alone, so a run killed at any instant resumes exactly
 * where the ledger says the project is. Human decisions come first, then questions, then stage work.
 */
export function nextStep(e: Engine): Step | null {
  const project = e.read.project();
  if (!project) return null;
  const phase = project.phase;

  // A decision that needs its author's work waits while that author is paused; approvals are bookkeeping.
  const blockedByCheckout = promotionWaits(e);
  const decided = e.read
    .unhandledDecisions()
    .find((r) => !(needsOwnerWork(r) && paused(e, r.requested_by)) && !(r.kind === 'promotion' && blockedByCheckout));
  if (decided) {
    const owner = AgentNameSchema.safeParse(decided.requested_by);
    return {
      describe: `act on ${decided.id} (${decided.decision?.decision})`,
      ...(owner.success ? { agent: owner.data } : {}),
      run: () => followUp(e, decided),
    };
  }

  for (const q of e.read.pendingClarifications()) {
    if (q.review_id || paused(e, q.agent)) continue;
    return {
      describe: `${q.agent} answers ${q.id}`,
      agent: q.agent as AgentName,
      run: () => answerClarification(e, q.id),
    };
  }

  // A concern addressed to an agent is that agent's to work, in any stage, before the human is asked.
  for (const c of e.read.openConcerns()) {
    const worker = concernWorker(c);
    if (!worker || paused(e, worker) || !e.read.agent(worker)) continue;
    return { describe: `${worker} looks at ${c.id}`, agent: worker, run: () => concernStep(e, c, worker) };
  }

  switch (project.stage) {
    case 'plan':
      if (paused(e, 'ProjectManager') || phaseBlocker(e, phase)) return null;
      return { describe: 'plan the phase', agent: 'ProjectManager', run: () => produceAuthored(e, 'plan', null) };
    case 'design':
      return paused(e, 'Designer')
        ? null
        : { describe: 'design the phase', agent: 'Designer', run: () => produceAuthored(e, 'design', null) };
    case 'build':
      return buildStep(e, phase);
    case 'test':
      return paused(e, 'Tester') ? null : { describe: 'run the tests', agent: 'Tester', run: () => testStep(e, phase) };
    case 'qa_gate':
      if (e.read.pendingReviews().some((r) => r.kind === 'gate_failure' && r.phase === phase)) return null;
      return { describe: 'evaluate the QA gate', agent: 'ProjectManager', run: () => gateStep(e, phase) };
    case 'promoted': {
      if (paused(e, 'ProjectManager')) return null;
      const after = afterPromotion(e);
      return 'waiting' in after ? null : { describe: after.describe, agent: 'ProjectManager', run: after.run };
    }
    default:
      return null;
  }
}

function buildStep(e: Engine, phase: number): Step | null {
  // Each phase has its own test plan: one from an earlier phase does not count.
  if (e.read.latestArtifact('tests/TEST_PLAN.md')?.phase !== phase && !paused(e, 'Tester')) {
    return { describe: 'write the test plan', agent: 'Tester', run: () => produceAuthored(e, 'test_plan', null) };
  }
  const testPlanApproved = e.read
    .reviewsOf('test_plan', phase)
    .some((r) => r.decision?.decision === 'approve' || r.decision?.decision === 'approve_with_conditions');
  // Implementers take turns, fewest finished tasks first, so parallel branches advance together.
  // The tasks are read once for the whole choice, not again for every candidate.
  const all = e.read.tasks();
  const done = new Map<string, number>();
  for (const x of all) if (x.status === 'Done') done.set(x.agent, (done.get(x.agent) ?? 0) + 1);
  const candidates = workTasks(e, phase, all)
    .filter(
      (t) =>
        isRunnable(e, t, all) &&
        !paused(e, t.agent) &&
        !isExternal(e, t.agent) &&
        (roleOf(t.agent) === 'Implementer' || testPlanApproved),
    )
    .map((t) => ({ t, done: done.get(t.agent) ?? 0 }))
    .sort((a, b) => a.done - b.done);
  const pick = candidates[0]?.t;
  if (pick)
    return { describe: `${pick.agent}: ${pick.id}`, agent: pick.agent, run: () => workStep(e, pick.agent, pick) };
  if (buildBlockers(e, phase).length === 0)
    return { describe: 'hand the build to the tester', run: async () => finishBuild(e, phase) };
  return null;
}

async function answerClarification(e: Engine, id: string): Promise<void> {
  const q = e.read.clarification(id);
  if (!q) return;
  const agent = q.agent as AgentName;
  const runtime = e.runtimeFor(agent);
  const answer = await runtime.clarify({
    agent,
    question: q.question,
    context: contextDocs(e, OWN_DOCS[roleOf(agent)] ?? []),
  });
  e.ledger.transact((tx) => {
    const ts = e.clock().toISOString();
    tx.append({
      type: 'clarification.answered',
      actor: agent,
      ts,
      payload: { clarification_id: id, agent, answer, scripted: runtime.scripted },
    });
    if (q.command_id)
      respond(
        tx,
        {
          command_id: q.command_id,
          from: agent,
          to: 'Human',
          response: runtime.scripted ? `${answer} (scripted)` : answer,
          ok: true,
        },
        ts,
      );
  });
  e.progress({ kind: 'info', agent, text: `answered ${id}: ${answer}` });
}

const noteSyncs = new WeakMap<Engine, () => Promise<number>>();

/** A cursor kept in the ledger's `meta` table, so the next process carries on from it. */
function metaCursor(e: Engine, key: string): NoteCursor {
  return {
    load: () => {
      const row = e.ledger.db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(key);
      try {
        return row ? (JSON.parse(row.value) as { seq: number; notes: string | null }) : null;
      } catch {
        return null;
      }
    },
    save: (at) => {
      e.ledger.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, JSON.stringify(at));
    },
  };
}

/** Bring the files and the git audit notes in line with the ledger. */
export async function syncRecords(e: Engine): Promise<void> {
  let notes = noteSyncs.get(e);
  if (!notes) {
    notes = createNoteSync(e.git, e.read, metaCursor(e, 'audit_notes'));
    noteSyncs.set(e, notes);
  }
  await e.exporter.sync();
  await notes();
}

/** The loop in flight for each engine: one driver per project in a process (another process is refused by its lock). */
const inFlight = new WeakMap<Engine, Promise<LoopOutcome>>();

/**
 * Run steps until the project needs the human, is done, or `signal` aborts; records are synced after each step.
 * A second call while a run is in flight joins that run (its own signal and maxSteps are not applied) instead
 * of starting another: two loops would each take the same In Progress task and run it twice, and a human
 * decision wakes the loop from whichever surface it came through, not only the one that started the run.
 */
export function runLoop(e: Engine, opts: { signal?: AbortSignal; maxSteps?: number } = {}): Promise<LoopOutcome> {
  const running = inFlight.get(e);
  if (running) return running;
  const run = runLoopOnce(e, opts).finally(() => inFlight.delete(e));
  inFlight.set(e, run);
  return run;
}

async function runLoopOnce(e: Engine, opts: { signal?: AbortSignal; maxSteps?: number }): Promise<LoopOutcome> {
  let steps = 0;
  // A promotion a killed run left half-done comes first; then the human's configuration edits are committed.
  await finishPromotion(e);
  await commitConfigEdits(e, 'at the start of a run');
  await archiveIdleExperiments(e);
  const setup = e.read.project()?.stage === 'released' ? null : await checkRuntimes(e);
  // The records are synced after every step, and that sync takes in whatever came before it (the human's
  // decision that started this run): a sync here as well rendered the same documents twice. A run that
  // ends before any step (or whose first step throws) syncs on its way out instead.
  try {
    if (setup) return { steps, state: 'needs_setup', waitingOn: [setup] };
    return await runSteps(e, opts, () => steps++);
  } finally {
    if (steps === 0) await syncRecords(e);
  }
}

async function runSteps(
  e: Engine,
  opts: { signal?: AbortSignal; maxSteps?: number },
  stepDone: () => void,
): Promise<LoopOutcome> {
  let steps = 0;
  for (;;) {
    if (opts.signal?.aborted) return { steps, state: 'aborted', waitingOn: waitingOn(e) };
    if (opts.maxSteps !== undefined && steps >= opts.maxSteps)
      return { steps, state: 'blocked', waitingOn: waitingOn(e) };
    const step = nextStep(e);
    if (!step) break;
    try {
      await step.run();
    } catch (err) {
      if (!handleStepFailure(e, step.agent, err)) throw err;
    }
    steps += 1;
    stepDone();
    await syncRecords(e);
  }
  const project = e.read.project();
  const waiting = waitingOn(e);
  if (project?.stage === 'released') return { steps, state: 'done', waitingOn: waiting };
  if (project?.stage === 'promoted') {
    const next = nextRoadmapPhase(e.read);
    // Nothing the team can do next (the scripted runtime's script ends here): done, and waitingOn says why.
    if (!next || phaseBlocker(e, next.number) !== null) return { steps, state: 'done', waitingOn: waiting };
    if (e.policies.promotion_policy.next_phase === 'on_command' && !paused(e, 'ProjectManager'))
      return { steps, state: 'waiting_human', waitingOn: waiting };
  }
  const human = e.read.pendingReviews().length > 0 || e.read.openConcerns().some((c) => c.to === 'Human');
  return { steps, state: human ? 'waiting_human' : 'blocked', waitingOn: waiting };
}
