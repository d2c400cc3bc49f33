import { z } from 'zod';
import { AgentName } from './common.ts';

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
]);
export type Stage = z.infer<typeof Stage>;

export const PhaseStatus = z.enum(['planned', 'active', 'promoted']);

/** One entry of the roadmap (`Phase 0→N` in PROJECT_OVERVIEW.md). */
export const Phase = z.object({
  number: z.number().int().positive(),
  name: z.string().min(1),
  goal: z.string(),
  deliverables: z.array(z.string()),
  status: PhaseStatus,
});
export type Phase = z.infer<typeof Phase>;

export const TaskStatus = z.enum(['To Do', 'In Progress', 'Done', 'Needs Review']);
export type TaskStatus = z.infer<typeof TaskStatus>;

export const Task = z.object({
  id: z.string().regex(/^T\d+(\.\d+)?$/, 'a task id such as T3'),
  phase: z.number().int().positive(),
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
