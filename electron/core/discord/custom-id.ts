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

export function parseCustomId(id: string): ParsedCustomId {
  const b = /^gov:(approve|changes|clarify):(review_\d{1,10})$/.exec(id);
  if (b?.[1] && b[2]) return { kind: 'button', action: b[1] as ButtonAction, reviewId: b[2] };
  const m = /^gov:modal:(changes|clarify):(review_\d{1,10})$/.exec(id);
  if (m?.[1] && m[2]) return { kind: 'modal', action: m[1] as 'changes' | 'clarify', reviewId: m[2] };
  return null;
}
