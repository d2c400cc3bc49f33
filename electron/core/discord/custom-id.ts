import { z } from 'zod';

/**
 * Button and modal ids. They carry the action and the review id, so a button on a message posted before
 * a restart still works: the bot keeps no memory of what it posted.
 */
export type ButtonAction = 'approve' | 'changes' | 'clarify';

export function customId(action: ButtonAction, reviewId: string): string {
  return `gov:${action}:${reviewId}`;
}

export function modalId(action: 'changes' | 'clarify', reviewId: string): string {
  return `gov:modal:${action}:${reviewId}`;
}

export type ParsedCustomId = { kind: 'button'; action: ButtonAction; reviewId: string } | { kind: 'modal'; action: 'changes' | 'clarify'; reviewId: string } | null;

const ReviewId = z.string().regex(/^review_\d{1,10}$/);
/** A custom_id comes back from Discord with every click: input like any other, so it is parsed, never trusted. */
const CustomIdSchema = z.union([
  z.tuple([z.literal('gov'), z.enum(['approve', 'changes', 'clarify']), ReviewId]).transform(([, action, reviewId]) => ({ kind: 'button' as const, action, reviewId })),
  z.tuple([z.literal('gov'), z.literal('modal'), z.enum(['changes', 'clarify']), ReviewId]).transform(([, , action, reviewId]) => ({ kind: 'modal' as const, action, reviewId })),
]);

export function parseCustomId(id: string): ParsedCustomId {
  if (id.length > 100) return null;
  const r = CustomIdSchema.safeParse(id.split(':'));
  return r.success ? r.data : null;
}
