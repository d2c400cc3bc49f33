import { z } from 'zod';
import { CommandSource } from './command.ts';
import { Actor, Id, Impact, PositiveInt } from './common.ts';

export const ReviewKind = z.enum([
  'plan',
  'design',
  'test_plan',
  'variation',
  'test_completion',
  'promotion',
  'gate_failure',
  'budget',
]);
export type ReviewKind = z.infer<typeof ReviewKind>;

export const DecisionKind = z.enum([
  'approve',
  'approve_with_conditions',
  'request_clarification',
  'request_changes',
  'defer',
  'reject',
]);
export type DecisionKind = z.infer<typeof DecisionKind>;

/** Decisions that make no sense without words from the human. */
export const DECISIONS_NEEDING_COMMENT: readonly DecisionKind[] = [
  'approve_with_conditions',
  'request_clarification',
  'request_changes',
  'reject',
];

/** A comment anchored to one line of a reviewed artifact (1-based). */
export const InlineComment = z.object({
  path: z.string().min(1),
  line: PositiveInt,
  text: z.string().min(1),
});
export type InlineComment = z.infer<typeof InlineComment>;

export const Decision = z.object({
  reviewed_by: z.string().min(1),
  decision: DecisionKind,
  comment: z.string(),
  inline: z.array(InlineComment),
  timestamp: z.string(),
  /** Where the human typed it: the same sources as commands. */
  source: CommandSource,
});
export type Decision = z.infer<typeof Decision>;

/** What a review is about: one artifact at one revision. */
export const ReviewSubject = z.object({
  path: z.string().min(1),
  revision: PositiveInt,
});
export type ReviewSubject = z.infer<typeof ReviewSubject>;

export const ReviewStatus = z.enum(['pending', 'decided']);
export type ReviewStatus = z.infer<typeof ReviewStatus>;

export const Review = z.object({
  id: Id,
  kind: ReviewKind,
  phase: PositiveInt,
  title: z.string(),
  requested_by: Actor,
  requested_at: z.string(),
  impact: Impact,
  subject: ReviewSubject,
  /** Further documents the human should read alongside the subject. */
  context: z.array(z.string()),
  handoff_id: Id.nullable(),
  variation_id: Id.nullable(),
  /** The review this one follows up (after a clarification, change request or deferral). */
  follows: Id.nullable(),
  summary: z.string(),
  status: ReviewStatus,
  decision: Decision.nullable(),
});
export type Review = z.infer<typeof Review>;

export function decisionNeedsComment(d: DecisionKind): boolean {
  return DECISIONS_NEEDING_COMMENT.includes(d);
}
