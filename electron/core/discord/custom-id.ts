import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * Button and modal ids. They carry the project, the action and the item (and, for a permission request,
 * the digest of the input the human was shown), so a button on a message posted before a restart still
 * works, and a click can never act on another project's review: two projects on one bot see every click.
 *
 *   gov:<project>:<action>:<review id>              a review's buttons
 *   gov:<project>:modal:<action>:<review id>        the form a button opened
 *   gov:<project>:<perm action>:<request id>:<digest>  a permission request's buttons
 *   gov:<project>:deny_why:<request id>:<digest>        its "Deny with reason…" button
 *   gov:<project>:modal:deny:<request id>:<digest>      the form that button opened
 *   gov:<project>:next_phase:<phase>                a promotion's "Start phase N" (phase: the one promoted)
 *
 * Messages posted before the project key existed carry `gov:<action>:<review id>`; those still parse
 * (project null) and are acted on only by the project whose outbox posted the message.
 */
export type ButtonAction = 'approve' | 'changes' | 'clarify' | 'conditions';
export type ModalAction = Exclude<ButtonAction, 'approve'>;
export type PermissionAction = 'allow_once' | 'allow_session' | 'deny';

/** 8 characters naming a project in custom ids: a hash of its stable key (its first event id). */
export function projectTag(projectKey: string): string {
  return createHash('sha256').update(projectKey).digest('base64url').slice(0, 8);
}

export function customId(tag: string, action: ButtonAction, reviewId: string): string {
  return `gov:${tag}:${action}:${reviewId}`;
}

export function modalId(tag: string, action: ModalAction, reviewId: string): string {
  return `gov:${tag}:modal:${action}:${reviewId}`;
}

export function permissionId(tag: string, action: PermissionAction, requestId: string, digest: string): string {
  return `gov:${tag}:${action}:${requestId}:${digest.slice(0, 16)}`;
}

/** A permission request's "Deny with reason…": opens a form; the denial is made when the form is sent. */
export function denyFormId(tag: string, requestId: string, digest: string): string {
  return `gov:${tag}:deny_why:${requestId}:${digest.slice(0, 16)}`;
}

export function denyModalId(tag: string, requestId: string, digest: string): string {
  return `gov:${tag}:modal:deny:${requestId}:${digest.slice(0, 16)}`;
}

/** The promotion message's button: start the phase after `promoted` (a click on an older one starts nothing). */
export function nextPhaseId(tag: string, promoted: number): string {
  return `gov:${tag}:next_phase:${promoted}`;
}

export type ParsedCustomId =
  | { kind: 'button'; project: string | null; action: ButtonAction; reviewId: string }
  | { kind: 'phase'; project: string; promoted: number }
  | { kind: 'modal'; project: string | null; action: ModalAction; reviewId: string }
  | { kind: 'permission'; project: string; action: PermissionAction; requestId: string; digest: string }
  | { kind: 'deny_form'; project: string; requestId: string; digest: string }
  | { kind: 'deny_modal'; project: string; requestId: string; digest: string }
  | null;

const Tag = z.string().regex(/^[A-Za-z0-9_-]{8}$/);
const ReviewId = z.string().regex(/^review_\d{1,10}$/);
const RequestId = z.string().regex(/^perm_\d{1,10}$/);
const Digest = z.string().regex(/^[0-9a-f]{12,64}$/);
const Button = z.enum(['approve', 'changes', 'clarify', 'conditions']);
const Modal = z.enum(['changes', 'clarify', 'conditions']);
const Perm = z.enum(['allow_once', 'allow_session', 'deny']);

/** A custom_id comes back from Discord with every click: input like any other, so it is parsed, never trusted. */
const CustomIdSchema = z.union([
  z
    .tuple([z.literal('gov'), Tag, Button, ReviewId])
    .transform(([, project, action, reviewId]) => ({ kind: 'button' as const, project, action, reviewId })),
  z
    .tuple([z.literal('gov'), Tag, z.literal('modal'), Modal, ReviewId])
    .transform(([, project, , action, reviewId]) => ({ kind: 'modal' as const, project, action, reviewId })),
  z
    .tuple([z.literal('gov'), Tag, z.literal('next_phase'), z.string().regex(/^\d{1,4}$/)])
    .transform(([, project, , n]) => ({ kind: 'phase' as const, project, promoted: Number(n) })),
  z.tuple([z.literal('gov'), Tag, Perm, RequestId, Digest]).transform(([, project, action, requestId, digest]) => ({
    kind: 'permission' as const,
    project,
    action,
    requestId,
    digest,
  })),
  z
    .tuple([z.literal('gov'), Tag, z.literal('deny_why'), RequestId, Digest])
    .transform(([, project, , requestId, digest]) => ({ kind: 'deny_form' as const, project, requestId, digest })),
  z
    .tuple([z.literal('gov'), Tag, z.literal('modal'), z.literal('deny'), RequestId, Digest])
    .transform(([, project, , , requestId, digest]) => ({ kind: 'deny_modal' as const, project, requestId, digest })),
  // Before projects were named in ids.
  z
    .tuple([z.literal('gov'), Button, ReviewId])
    .transform(([, action, reviewId]) => ({ kind: 'button' as const, project: null, action, reviewId })),
  z
    .tuple([z.literal('gov'), z.literal('modal'), Modal, ReviewId])
    .transform(([, , action, reviewId]) => ({ kind: 'modal' as const, project: null, action, reviewId })),
]);

export function parseCustomId(id: string): ParsedCustomId {
  if (id.length > 100) return null;
  const r = CustomIdSchema.safeParse(id.split(':'));
  return r.success ? r.data : null;
}
