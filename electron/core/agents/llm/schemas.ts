import { z } from 'zod';

/** What each artifact role must return; the AI SDK checks the model's JSON against these. */
export const PlanSchema = z.object({
  requirements: z.string().min(50).describe('REQUIREMENTS.md, Markdown'),
  agent_tasks: z.string().min(50).describe('AGENT_TASKS.md, Markdown'),
  roadmap: z
    .array(
      z.object({
        number: z.number().int().positive(),
        name: z.string().min(1),
        goal: z.string(),
        deliverables: z.array(z.string()),
      }),
    )
    .min(1),
  tasks: z
    .array(
      z.object({
        id: z.string().regex(/^T\d+$/),
        title: z.string().min(1),
        agent: z.string(),
        depends_on: z.array(z.string()),
        commentary: z.string(),
      }),
    )
    .min(1),
  kpis: z.array(z.object({ name: z.string(), target: z.string() })),
  risks: z.array(z.string()),
  delta_summary: z
    .string()
    .optional()
    .describe('Only when revising: what changed since the previous revision, as bullet lines'),
});

export const DesignSchema = z.object({
  design_spec: z.string().min(50).describe('design/DESIGN_SPEC.md, Markdown'),
  architecture: z.string().min(50).describe('design/ARCHITECTURE.md, Markdown'),
  delta_summary: z.string().optional(),
});

export const TestPlanSchema = z.object({
  test_plan: z.string().min(50).describe('tests/TEST_PLAN.md, Markdown'),
  delta_summary: z.string().optional(),
});

export const ConcernDecisionSchema = z.object({
  action: z.enum(['resolve', 'acknowledge', 'escalate']),
  note: z.string().min(1),
});
