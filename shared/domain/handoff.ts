import { z } from 'zod';
import { Actor, Id, Impact, PositiveInt, NonNegativeInt } from './common.ts';

export const HandoffStatus = z.enum([
  'delivered',
  'awaiting_approval',
  'awaiting_review',
  'approved',
  'approved_with_conditions',
  'clarification_requested',
  'changes_requested',
  'deferred',
  'rejected',
]);
export type HandoffStatus = z.infer<typeof HandoffStatus>;

/** The seed's handoff record (`audit/handoff_<timestamp>.json`), plus an id and the phase. */
export const Handoff = z.object({
  id: Id,
  phase: PositiveInt,
  from: Actor,
  to: Actor,
  purpose: z.string().min(1),
  inputs: z.array(z.string()),
  outputs: z.array(z.string()),
  summary: z.string(),
  status: HandoffStatus,
  impact: Impact.optional(),
  timestamp: z.string(),
  concerns_opened: NonNegativeInt,
  concerns_closed: NonNegativeInt,
  last_concern_id: Id.nullable(),
  has_critical_concerns: z.boolean(),
});
export type Handoff = z.infer<typeof Handoff>;
