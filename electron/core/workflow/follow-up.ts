import type { AgentName, Review } from '../../../shared/index.ts';
import type { Engine } from './engine.ts';
import { agentCommit, phaseBranch, recordGitActions } from './git-steps.ts';
import { describeUnmet, unmetConditions } from './conditions.ts';
import { assignTask } from './human-actions.ts';
import { enterStage, recordHandoff, requestReview, setAgentStatus } from './records.ts';
import { overrideGate } from './stages/gate.ts';
import {
  AUTHORED,
  answerReviewClarification,
  deliverableTask,
  isAuthoredKind,
  produceAuthored,
  reRequest,
} from './stages/authored.ts';
import { promote } from './stages/promote.ts';
import { followUpBudget } from './usage.ts';

const approved = (r: Review) =>
  r.decision?.decision === 'approve' || r.decision?.decision === 'approve_with_conditions';

/**
 * Act on a human decision. `decide` only records it (fast, first one wins); the loop does the work:
 * advance the stage, revise the artifact, answer the question, or send the phase back to build.
 */
export async function followUp(e: Engine, review: Review): Promise<void> {
  const d = review.decision?.decision;
  if (!d) return;
  if (d === 'request_clarification') return answerReviewClarification(e, review);
  if (d === 'defer' && review.kind !== 'variation') {
    return e.ledger.transact((tx) => {
      const ts = e.clock().toISOString();
      reRequest(
        tx,
        e,
        review,
        `Deferred by the human${review.decision?.comment ? `: ${review.decision.comment}` : ''}; asked again.`,
        ts,
      );
      tx.append({
        type: 'review.followed_up',
        actor: 'System',
        ts,
        payload: { review_id: review.id, outcome: 'deferred and re-requested' },
      });
    });
  }
  if (isAuthoredKind(review.kind)) {
    if (approved(review)) return approveAuthored(e, review);
    return produceAuthored(e, review.kind, review);
  }
  switch (review.kind) {
    case 'variation':
      e.ledger.transact((tx) =>
        tx.append({
          type: 'review.followed_up',
          actor: 'System',
          payload: { review_id: review.id, outcome: `variation ${d}` },
        }),
      );
      return;
    case 'test_completion':
      if (approved(review)) return requestPromotion(e, review);
      return backToBuild(e, review);
    case 'gate_failure':
      // Approving a failed gate is the human's explicit override: the tested candidate lands on develop
      // (recorded as an override) and the phase goes on to the promotion review.
      if (approved(review)) {
        if (!(await overrideGate(e, review))) return backToBuild(e, review);
        return requestPromotion(e, review);
      }
      return backToBuild(e, review);
    case 'promotion':
      if (approved(review)) return promote(e, review);
      return backToBuild(e, review);
    case 'budget':
      return followUpBudget(e, review);
  }
}

async function approveAuthored(e: Engine, review: Review): Promise<void> {
  if (!isAuthoredKind(review.kind)) return;
  const kind = review.kind;
  const spec = AUTHORED[kind];
  const owner = spec.owner as AgentName;
  const phase = review.phase;
  // Designer and Tester keep their approved documents on their own branches; the PM's go with its records.
  const commit =
    kind === 'plan'
      ? null
      : await agentCommit(e, {
          agent: owner,
          actor: owner,
          branch: phaseBranch(phase, owner),
          changes: new Map(spec.paths.map((p) => [p, e.exporter.rendered(p) ?? ''])),
          subject: `docs(${kind === 'design' ? 'design' : 'tests'}): ${spec.subject} r${review.subject.revision} approved by Human`,
          trigger: `human_approval ${review.id}`,
        });
  e.ledger.transact((tx) => {
    const ts = e.clock().toISOString();
    if (commit) recordGitActions(tx, [commit], ts);
    const task = deliverableTask(e, owner, phase);
    if (task)
      tx.append({
        type: 'task.updated',
        actor: owner,
        ts,
        payload: {
          task_id: task.id,
          status: 'Done',
          commentary: `r${review.subject.revision} approved by Human`,
          links: [spec.subject],
        },
      });
    setAgentStatus(tx, owner, 'idle', null, ts);
    if (kind === 'plan') {
      recordHandoff(
        tx,
        e.read,
        {
          phase,
          from: 'ProjectManager',
          to: 'Designer',
          purpose: 'Design the approved plan',
          inputs: ['REQUIREMENTS.md', 'AGENT_TASKS.md'],
          outputs: ['design/DESIGN_SPEC.md', 'design/ARCHITECTURE.md'],
          summary: 'Plan approved by the human; design the phase.',
          status: 'delivered',
        },
        ts,
      );
      enterStage(tx, { phase, stage: 'design', reason: `plan approved (${review.id})` }, ts);
    } else if (kind === 'design') {
      const implementers = e.read
        .agents()
        .filter((a) => a.role === 'Implementer')
        .map((a) => a.name);
      for (const to of implementers)
        recordHandoff(
          tx,
          e.read,
          {
            phase,
            from: 'Designer',
            to,
            purpose: 'Implement the approved design',
            inputs: ['design/DESIGN_SPEC.md', 'design/ARCHITECTURE.md'],
            outputs: [phaseBranch(phase, to)],
            summary: 'Design approved by the human.',
            status: 'delivered',
          },
          ts,
        );
      recordHandoff(
        tx,
        e.read,
        {
          phase,
          from: 'ProjectManager',
          to: 'Tester',
          purpose: 'Write the test plan',
          inputs: ['REQUIREMENTS.md', 'design/DESIGN_SPEC.md'],
          outputs: ['tests/TEST_PLAN.md'],
          summary: 'Design approved; plan the tests while implementation runs.',
          status: 'delivered',
        },
        ts,
      );
      enterStage(tx, { phase, stage: 'build', reason: `design approved (${review.id})` }, ts);
    }
    tx.append({
      type: 'review.followed_up',
      actor: 'System',
      ts,
      payload: { review_id: review.id, outcome: 'approved' },
    });
  });
  e.progress({ kind: 'stage', text: `${spec.subject} r${review.subject.revision} approved` });
}

function requestPromotion(e: Engine, review: Review): void {
  e.ledger.transact((tx) => {
    const ts = e.clock().toISOString();
    const phase = review.phase;
    const gate = e.read
      .gates()
      .filter((g) => g.phase === phase)
      .at(-1);
    // Conditions set by earlier approvals and not yet met are put in front of the human deciding the promotion.
    const unmet = unmetConditions(e.read);
    const conditions = unmet.length > 0 ? ` ${describeUnmet(unmet)}` : '';
    const h = recordHandoff(
      tx,
      e.read,
      {
        phase,
        from: 'ProjectManager',
        to: 'Human',
        purpose: 'Phase Promotion',
        inputs: ['QA_REPORT.md', 'docs/PROJECT_OVERVIEW.md'],
        outputs: ['CHANGELOG.md'],
        summary: `Phase ${phase} is a promotion candidate${gate ? `: ${gate.totals.passed}/${gate.totals.tests} tests passed` : ''}.${conditions}`,
        status: 'awaiting_approval',
      },
      ts,
    );
    // The last phase of the roadmap: promoting it releases the project, so the final report is read with it.
    const last = Math.max(0, ...(e.read.project()?.roadmap ?? []).map((r) => r.number));
    const final = last === phase;
    const context = [
      'docs/PROJECT_OVERVIEW.md',
      'tests/TEST_RESULTS.md',
      'CHANGELOG.md',
      ...(final ? ['FINAL_REPORT.md'] : []),
    ];
    requestReview(
      tx,
      {
        kind: 'promotion',
        phase,
        title: final ? `Promote phase ${phase} and release the project` : `Promote phase ${phase}`,
        requested_by: 'ProjectManager',
        impact: 'high',
        subject: { path: 'QA_REPORT.md', revision: 1 },
        context,
        handoff_id: h.id,
        summary: final
          ? `${h.summary} It is the last phase of the roadmap: approving it releases the project (FINAL_REPORT.md).`
          : h.summary,
      },
      ts,
    );
    enterStage(tx, { phase, stage: 'promotion_review', reason: `test completion approved (${review.id})` }, ts);
    tx.append({
      type: 'review.followed_up',
      actor: 'System',
      ts,
      payload: { review_id: review.id, outcome: 'promotion requested' },
    });
  });
}

/** The human wants more work: a new build iteration, with the human's words as a task for the team. */
function backToBuild(e: Engine, review: Review): void {
  e.ledger.transact((tx) => {
    const ts = e.clock().toISOString();
    const project = e.read.project();
    const iteration = (project?.iteration ?? 1) + 1;
    const comment = review.decision?.comment?.trim();
    if (comment)
      assignTask(
        tx,
        e.read,
        'Implementer',
        `Address ${review.kind.replace('_', ' ')} feedback (${review.id}): ${comment}`,
        null,
      );
    enterStage(
      tx,
      {
        phase: review.phase,
        stage: 'build',
        reason: `${review.kind} ${review.decision?.decision} by the human: ${review.decision?.comment ?? ''}`,
        iteration,
      },
      ts,
    );
    tx.append({
      type: 'review.followed_up',
      actor: 'System',
      ts,
      payload: { review_id: review.id, outcome: `back to build, iteration ${iteration}` },
    });
  });
}
