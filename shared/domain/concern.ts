import { z } from 'zod';
import { Actor, Id, Severity, PositiveInt } from './common.ts';

export const ConcernStatus = z.enum(['open', 'acknowledged', 'assigned', 'resolved']);
export type ConcernStatus = z.infer<typeof ConcernStatus>;

export const ConcernCategory = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, 'a snake_case category such as design_gap, schedule_risk, test_failure, compliance');

/** The seed's concern object, plus the lifecycle fields a human action adds. */
export const Concern = z.object({
  id: Id,
  phase: PositiveInt,
  from: Actor,
  to: Actor,
  severity: Severity,
  category: ConcernCategory,
  summary: z.string().min(1),
  details: z.string(),
  timestamp: z.string(),
  status: ConcernStatus,
  discord_message_id: z.string().nullable(),
  assigned_to: Actor.nullable(),
  response: z.string().nullable(),
  resolution: z.string().nullable(),
  /** Every hop the concern has taken up the chain, first to last. */
  escalations: z.array(z.object({ from: Actor, to: Actor, at: z.string(), reason: z.string() })),
  updated_at: z.string(),
  /** For a condition of an approval (category `condition`): the review whose approval set it. */
  review_id: Id.optional(),
});
export type Concern = z.infer<typeof Concern>;
