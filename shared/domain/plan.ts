import { z } from 'zod';
import { AgentName, PositiveInt } from './common.ts';

export const Stage = z.enum([
  'plan',
  'plan_review',
  'design',
  'design_review',
  'build',
  'test',
  'qa_gate',
  'completion_review',
  'promotion_review',
  'promoted',
  // The last phase of the roadmap was promoted: the project ended with its final report and release tag.
  'released',
]);
export type Stage = z.infer<typeof Stage>;

export const PhaseStatus = z.enum(['planned', 'active', 'promoted']);

/** One entry of the roadmap (`Phase 0→N` in PROJECT_OVERVIEW.md). */
export const Phase = z.object({
  number: PositiveInt,
  name: z.string().min(1),
  goal: z.string(),
  deliverables: z.array(z.string()),
  status: PhaseStatus,
});
export type Phase = z.infer<typeof Phase>;

/**
 * `No Change`: the agent finished its turn but its work changed no file. It is shown to the human as such
 * (never as Done) and does not hold the build up: the agent may have judged the task already done.
 */
export const TaskStatus = z.enum(['To Do', 'In Progress', 'Done', 'Needs Review', 'No Change']);
export type TaskStatus = z.infer<typeof TaskStatus>;

export const Task = z.object({
  id: z.string().regex(/^T\d+(\.\d+)?$/, 'a task id such as T3'),
  phase: PositiveInt,
  title: z.string().min(1),
  agent: AgentName,
  status: TaskStatus,
  depends_on: z.array(z.string()),
  commentary: z.string(),
  links: z.array(z.string()),
});
export type Task = z.infer<typeof Task>;

export const KPI = z.object({ name: z.string(), target: z.string(), current: z.string().nullable() });
export type KPI = z.infer<typeof KPI>;
