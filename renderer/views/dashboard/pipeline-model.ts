import { Stage } from '../../../shared/domain/plan.ts';

/** The seed's pipeline, left to right. The two Human steps are where the loop waits on a decision. */
export const PIPELINE = [
  { key: 'pm-plan', label: 'PM', hint: 'plans the phase' },
  { key: 'designer', label: 'Designer', hint: 'writes the design spec' },
  { key: 'human-design', label: 'Human', hint: 'approves the plan and design' },
  { key: 'implementer', label: 'Implementer', hint: 'builds the tasks' },
  { key: 'tester', label: 'Tester', hint: 'tests the build' },
  { key: 'human-completion', label: 'Human', hint: 'approves completion and promotion' },
  { key: 'pm-gate', label: 'PM', hint: 'runs the QA gate' },
] as const;

/** Which pipeline step a stage lives in; `promoted` is past the end (every step done). */
const STEP_OF: Record<Stage, number> = {
  plan: 0,
  plan_review: 2,
  design: 1,
  design_review: 2,
  build: 3,
  test: 4,
  qa_gate: 6,
  completion_review: 5,
  promotion_review: 5,
  promoted: PIPELINE.length,
  released: PIPELINE.length,
};

export function stepOf(stage: Stage): number {
  return STEP_OF[stage];
}

const LABELS: Record<Stage, string> = {
  plan: 'Planning',
  plan_review: 'Plan review',
  design: 'Design',
  design_review: 'Design review',
  build: 'Build',
  test: 'Test',
  qa_gate: 'QA gate',
  completion_review: 'Completion review',
  promotion_review: 'Promotion review',
  promoted: 'Promoted',
  released: 'Released',
};

export function stageLabel(stage: Stage): string {
  return LABELS[stage];
}

/** True when the loop is stopped on the human: the header says so, since nothing moves until they act. */
export function waitsOnHuman(stage: Stage): boolean {
  return stage.endsWith('_review');
}

/** The stages in the order a phase passes through them (the contract's enum order). */
const STAGE_ORDER: readonly Stage[] = Stage.options;

export type StepState = 'done' | 'live' | 'ahead';

/**
 * A step is done only when every stage it hosts is behind the live one. Position alone would lie: during
 * plan review the Human step sits right of the Designer, who has not started yet.
 */
export function stepState(step: number, stage: Stage): StepState {
  const live = stepOf(stage);
  if (step === live) return 'live';
  const hosted = STAGE_ORDER.filter((s) => STEP_OF[s] === step);
  const now = STAGE_ORDER.indexOf(stage);
  return hosted.every((s) => STAGE_ORDER.indexOf(s) < now) ? 'done' : 'ahead';
}
