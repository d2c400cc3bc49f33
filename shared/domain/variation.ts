import { z } from 'zod';
import { Actor, Id, Impact, PositiveInt } from './common.ts';

export const VariationStatus = z.enum([
  'proposed',
  'approved',
  'approved_with_conditions',
  'deferred',
  'rejected',
  'accepted_by_policy',
]);
export type VariationStatus = z.infer<typeof VariationStatus>;

/** A proposed change of scope, architecture or outcome (`docs/PROJECT_VARIATIONS.md`). */
export const Variation = z.object({
  id: Id,
  number: PositiveInt,
  phase: PositiveInt,
  title: z.string().min(1),
  proposed_by: Actor,
  impact: Impact,
  impact_areas: z.array(z.string()),
  rationale: z.string().min(1),
  affected_modules: z.array(z.string()),
  risk: z.string(),
  estimated_rework: z.string(),
  status: VariationStatus,
  decision_comment: z.string().nullable(),
  reviewed_by: z.string().nullable(),
  decided_at: z.string().nullable(),
  proposed_at: z.string(),
});
export type Variation = z.infer<typeof Variation>;
