import type { AgentName, AuthoredPath, Phase, Review, ReviewKind, Task } from '../../../../shared/index.ts';
import { planProblem } from '../../agents/plan-check.ts';
import type { Feedback } from '../../agents/runtime.ts';
import { GovernorError } from '../../errors.ts';
import type { Tx } from '../../store/ledger.ts';
import type { Engine } from '../engine.ts';
import { nextId } from '../ids.ts';
import { lessonsFor } from '../learned.ts';
import { enterStage, recordHandoff, requestReview, setAgentStatus } from '../records.ts';
import { testSetupText } from './agent-tests.ts';

/** How the project is tested, handed to the authors as one more document (the policy's `tests:` in words). */
const TEST_SETUP_DOC = '.project_policies.yaml (tests)';

/** The three documents a human approves before work goes on, and who writes them. */
export const AUTHORED = {
  plan: {
    owner: 'ProjectManager',
    paths: ['REQUIREMENTS.md', 'AGENT_TASKS.md'],
    subject: 'REQUIREMENTS.md',
    context: ['AGENT_TASKS.md', 'docs/PROJECT_OVERVIEW.md', 'docs/PROJECT_DETAIL.md'],
    purpose: 'Project Plan Review',
    title: (phase: number) => `Phase ${phase} project plan`,
  },
  design: {
    owner: 'Designer',
    paths: ['design/DESIGN_SPEC.md', 'design/ARCHITECTURE.md'],
    subject: 'design/DESIGN_SPEC.md',
    context: ['design/ARCHITECTURE.md', 'REQUIREMENTS.md'],
    purpose: 'Design Review',
    title: (phase: number) => `Phase ${phase} design spec`,
  },
  test_plan: {
    owner: 'Tester',
    paths: ['tests/TEST_PLAN.md'],
    subject: 'tests/TEST_PLAN.md',
    context: ['design/DESIGN_SPEC.md', 'REQUIREMENTS.md'],
    purpose: 'Test Plan Review',
    title: (phase: number) => `Phase ${phase} test plan`,
  },
} as const satisfies Record<
  string,
  {
    owner: AgentName;
    paths: readonly AuthoredPath[];
    subject: AuthoredPath;
    context: readonly string[];
    purpose: string;
    title: (p: number) => string;
  }
>;

export type AuthoredKind = keyof typeof AUTHORED;

export function isAuthoredKind(k: ReviewKind): k is AuthoredKind {
  return k === 'plan' || k === 'design' || k === 'test_plan';
}

/** The documents an agent works from, read from the ledger's latest revisions. */
export function contextDocs(e: Engine, paths: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of paths) {
    const a = e.read.latestArtifact(p);
    if (a) out[p] = a.content;
  }
  return out;
}

/** The owner's earliest unfinished task: what a stage deliverable completes. */
export function deliverableTask(e: Engine, agent: AgentName, phase: number): Task | null {
  return e.read.tasks().find((t) => t.agent === agent && t.phase === phase && t.status !== 'Done') ?? null;
}

/**
 * Write (or revise, after a change request or rejection) an authored document and ask the human
 * to review it. Everything the step learns lands in one transaction.
 */
export async function produceAuthored(e: Engine, kind: AuthoredKind, feedback: Review | null): Promise<void> {
  const spec = AUTHORED[kind];
  const project = e.read.project();
  if (!project) throw new Error('project not initialised');
  const phase = project.phase;
  const owner = spec.owner as AgentName;
  const runtime = e.runtimeFor(owner);
  const prev = e.read.latestArtifact(spec.subject);
  const fb: Feedback | null =
    feedback && prev ? { previousRevision: prev.revision, previousContent: prev.content, review: feedback } : null;
  const task = deliverableTask(e, owner, phase);
  e.ledger.transact((tx) => setAgentStatus(tx, owner, 'working', task?.id ?? null, e.clock().toISOString()));
  e.progress({
    kind: 'work',
    agent: owner,
    text: `${fb ? `revising r${fb.previousRevision} of` : 'writing'} ${spec.paths.join(', ')} (${runtime.label})`,
  });

  let bodies: Record<string, string>;
  let delta: string | null;
  let plan: Awaited<ReturnType<typeof runtime.plan>> | null = null;
  // A later phase builds on the earlier one's documents, and every document must fit how the project is tested.
  const context = {
    ...contextDocs(e, prev && prev.phase < phase ? [spec.subject, ...spec.context] : spec.context),
    [TEST_SETUP_DOC]: testSetupText(e.policies),
  };
  if (kind === 'plan') {
    plan = await runtime.plan({
      agent: owner,
      project: project.name,
      brief: project.brief,
      phase,
      feedback: fb,
      roadmap: project.roadmap,
      learned: lessonsFor(e.read, phase),
      testSetup: testSetupText(e.policies),
    });
    // Whatever runtime wrote it, a plan the loop cannot carry out stops here, in words.
    const problem = planProblem(
      plan,
      e.read.agents().map((a) => a.name),
      phase,
    );
    if (problem)
      throw new GovernorError(
        'invalid_plan',
        `${runtime.label} wrote a plan for phase ${phase} that cannot be carried out: ${problem}`,
      );
    bodies = { 'REQUIREMENTS.md': plan.requirements, 'AGENT_TASKS.md': plan.agentTasks };
    delta = plan.deltaSummary;
  } else if (kind === 'design') {
    const out = await runtime.design({ agent: owner, phase, context, feedback: fb });
    bodies = { 'design/DESIGN_SPEC.md': out.designSpec, 'design/ARCHITECTURE.md': out.architecture };
    delta = out.deltaSummary;
  } else {
    const out = await runtime.testPlan({ agent: owner, phase, context, feedback: fb });
    bodies = { 'tests/TEST_PLAN.md': out.testPlan };
    delta = out.deltaSummary;
  }

  e.ledger.transact((tx) => {
    const ts = e.clock().toISOString();
    let revision = 1;
    for (const path of spec.paths) {
      const last = e.read.latestArtifact(path);
      revision = (last?.revision ?? 0) + 1;
      tx.append({
        type: 'artifact.revised',
        actor: owner,
        ts,
        payload: {
          path,
          revision,
          phase,
          owner,
          content: bodies[path] ?? '',
          delta_summary: fb ? (delta ?? 'Revised after review.') : null,
          in_response_to: feedback?.id ?? null,
          scripted: runtime.scripted,
          at: ts,
        },
      });
    }
    if (plan && kind === 'plan') recordPlan(tx, e, phase, plan);
    const subjectRev = e.read.latestArtifact(spec.subject)?.revision ?? revision;
    const handoff = recordHandoff(
      tx,
      e.read,
      {
        phase,
        from: owner,
        to: 'Human',
        purpose: spec.purpose,
        inputs: [...spec.paths],
        outputs: kind === 'plan' ? ['docs/PROJECT_OVERVIEW.md', 'docs/PROJECT_DETAIL.md'] : [...spec.paths],
        summary: fb
          ? `r${subjectRev} of ${spec.subject} answers the human's ${feedback?.decision?.decision.replaceAll('_', ' ')}.`
          : `${spec.subject} r${subjectRev} ready for review.`,
        status: 'awaiting_approval',
      },
      ts,
    );
    requestReview(
      tx,
      {
        kind,
        phase,
        title: spec.title(phase),
        requested_by: owner,
        impact: 'medium',
        subject: { path: spec.subject, revision: subjectRev },
        context: [...spec.context],
        handoff_id: handoff.id,
        follows: feedback?.id ?? null,
        summary: handoff.summary,
      },
      ts,
    );
    const t = deliverableTask(e, owner, phase);
    if (t)
      tx.append({
        type: 'task.updated',
        actor: owner,
        ts,
        payload: {
          task_id: t.id,
          status: 'Needs Review',
          commentary: `r${subjectRev} awaiting human review`,
          links: [spec.subject],
        },
      });
    if (feedback)
      tx.append({
        type: 'review.followed_up',
        actor: owner,
        ts,
        payload: { review_id: feedback.id, outcome: `revised to r${subjectRev}` },
      });
    if (kind !== 'test_plan')
      enterStage(
        tx,
        {
          phase,
          stage: kind === 'plan' ? 'plan_review' : 'design_review',
          reason: `${spec.subject} r${subjectRev} awaits review`,
        },
        ts,
      );
    setAgentStatus(tx, owner, 'waiting_human', t?.id ?? null, ts);
  });
  e.progress({ kind: 'review', agent: owner, text: `${spec.subject} is ready for human review` });
}

type PlanOutput = Awaited<ReturnType<ReturnType<Engine['runtimeFor']>['plan']>>;

/**
 * The roadmap after a plan: phases already promoted stay exactly as the ledger has them (a plan cannot
 * rewrite history); the PM's phases from this one on, in its order, are numbered on from here. That is how
 * the human adds, reorders or drops phases: they ask for it in the plan review, and the PM's revision says so.
 */
export function mergeRoadmap(current: readonly Phase[], proposed: PlanOutput['roadmap'], phase: number): Phase[] {
  const done = current.filter((r) => r.number < phase).map((r) => ({ ...r, status: 'promoted' as const }));
  const ahead = [...proposed].filter((r) => r.number >= phase).sort((a, b) => a.number - b.number);
  return [
    ...done,
    ...ahead.map((r, i) => ({ ...r, number: phase + i, status: i === 0 ? ('active' as const) : ('planned' as const) })),
  ];
}

/**
 * A later phase's plan numbers its tasks from T1 again; task ids are the project's, so ids that belong to
 * an earlier phase are renumbered after the highest one in use (dependencies follow). The same plan always
 * maps to the same ids, so a revision of it keeps its tasks and their status.
 */
export function renumberTasks(
  tasks: PlanOutput['tasks'],
  taken: ReadonlyMap<string, number>,
  phase: number,
): PlanOutput['tasks'] {
  if (!tasks.some((t) => (taken.get(t.id) ?? phase) !== phase)) return tasks;
  const others = [...taken].filter(([, p]) => p !== phase).map(([id]) => Number(id.slice(1)) || 0);
  let next = Math.max(0, ...others) + 1;
  const map = new Map(tasks.map((t) => [t.id, `T${next++}`]));
  return tasks.map((t) => ({ ...t, id: map.get(t.id) ?? t.id, depends_on: t.depends_on.map((d) => map.get(d) ?? d) }));
}

function recordPlan(tx: Tx, e: Engine, phase: number, plan: PlanOutput): void {
  const existing = new Map(e.read.tasks().map((t) => [t.id, t]));
  const tasks = renumberTasks(plan.tasks, new Map([...existing].map(([id, t]) => [id, t.phase])), phase);
  tx.append({
    type: 'plan.recorded',
    actor: 'ProjectManager',
    payload: {
      phase,
      roadmap: mergeRoadmap(e.read.project()?.roadmap ?? [], plan.roadmap, phase),
      // Keep the status of tasks that survive a plan revision.
      tasks: tasks.map((t) => ({
        ...t,
        phase,
        status: existing.get(t.id)?.phase === phase ? (existing.get(t.id)?.status ?? 'To Do') : 'To Do',
      })),
      kpis: plan.kpis.map((k) => ({ ...k, current: null })),
      risks: plan.risks,
    },
  });
}

/** The owner answers a clarification the human asked for on a review, then the review is asked again. */
export async function answerReviewClarification(e: Engine, review: Review): Promise<void> {
  const owner = review.requested_by as AgentName;
  const runtime = e.runtimeFor(owner);
  const question = review.decision?.comment ?? '';
  e.progress({ kind: 'work', agent: owner, text: `answering the human's question on ${review.subject.path}` });
  const answer = await runtime.clarify({
    agent: owner,
    question,
    context: contextDocs(e, [review.subject.path, ...review.context]),
  });
  e.ledger.transact((tx) => {
    const ts = e.clock().toISOString();
    const id = nextId.clarification(tx.db);
    tx.append({
      type: 'clarification.requested',
      actor: 'Human',
      ts,
      payload: { id, agent: owner, question, command_id: null, review_id: review.id },
    });
    tx.append({
      type: 'clarification.answered',
      actor: owner,
      ts,
      payload: { clarification_id: id, agent: owner, answer, scripted: runtime.scripted },
    });
    reRequest(tx, e, review, `${owner} answered: ${answer}`, ts);
    tx.append({
      type: 'review.followed_up',
      actor: owner,
      ts,
      payload: { review_id: review.id, outcome: `clarified (${id}) and re-requested` },
    });
  });
  e.progress({ kind: 'review', agent: owner, text: `answered; ${review.subject.path} is back for review` });
}

/** Ask the same question again (after a clarification or a deferral). */
export function reRequest(tx: Tx, e: Engine, review: Review, summary: string, ts: string): void {
  const handoff = recordHandoff(
    tx,
    e.read,
    {
      phase: review.phase,
      from: review.requested_by,
      to: 'Human',
      purpose: `${review.title} (again)`,
      inputs: [review.subject.path, ...review.context],
      outputs: [],
      summary,
      status: 'awaiting_review',
    },
    ts,
  );
  requestReview(
    tx,
    {
      kind: review.kind,
      phase: review.phase,
      title: review.title,
      requested_by: review.requested_by,
      impact: review.impact,
      subject: review.subject,
      context: review.context,
      handoff_id: handoff.id,
      variation_id: review.variation_id,
      follows: review.id,
      summary,
    },
    ts,
  );
}
