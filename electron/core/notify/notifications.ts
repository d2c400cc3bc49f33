import type { Severity } from '../../../shared/index.ts';

/** The seed's Discord channels; other transports (desktop notifications) map them as they see fit. */
export type Channel = 'project-updates' | 'agent-concerns' | 'approvals' | 'system-health';

/** Something the human should hear about, shaped once for every transport. */
export interface Notification {
  event_id: string;
  channel: Channel;
  severity: Severity;
  title: string;
  body: string;
  /**
   * The review, concern or commit it is about, for buttons, threads and click-through; or the human
   * command it answers (Discord posts that where the command was typed, when it was typed there).
   */
  ref: { kind: 'review' | 'concern' | 'git' | 'command' | 'permission' | 'phase'; id: string } | null;
  /** The whole text when `body` shows an excerpt; Discord attaches it as a `.md` file. */
  detail?: string;
  /**
   * An update about a concern or review already announced (Discord puts it in that item's thread; desktop notices skip
   * it).
   */
  update?: boolean;
  /** A permission request: what its buttons need (the digest binds the decision to the input shown). */
  permission?: { digest: string; session: boolean };
  /** Files to attach besides `detail` (a review's document). */
  files?: Array<{ name: string; text: string }>;
  /** Ping the configured people even though this kind of message does not by default (an escalation to the human). */
  ping?: boolean;
  /** A promotion with a phase after it on the roadmap: Discord offers a button that starts that phase. */
  startsNext?: { promoted: number; next: number; name: string };
}

/** The one date format of messages: `2026-11-25 09:03 UTC`. */
export function utcStamp(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

/** Who acted, the same way everywhere: "by Alice via discord". */
export function byVia(name: string, source: string): string {
  return `by ${name} via ${source}`;
}

/** A human action's "by": the person and surface when recorded, else the actor (agents, older events). */
export function byWhom(x: { by: string; user?: string | undefined; source?: string | undefined }): string {
  return x.user && x.source ? byVia(x.user, x.source) : `by ${x.by}`;
}

/** `text`, or its start cut at a word boundary (never mid-word when a space is near) with an ellipsis. */
export function cutAtWord(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = text.slice(0, max - 1);
  const space = head.search(/\s\S*$/);
  return `${space > max * 0.6 ? head.slice(0, space) : head}…`;
}

/** How a severity shows at the start of a title. */
export const SEVERITY_EMOJI: Record<Severity, string> = { critical: '🔴', warning: '⚠️', info: 'ℹ️' };

/** A review decision as the human reads it, in every message that follows one. */
export const DECISION_WORDS: Record<string, string> = {
  approve: '✅ Approved',
  approve_with_conditions: '☑️ Approved with conditions',
  request_clarification: '❓ Clarification requested',
  request_changes: '✏️ Changes requested',
  defer: '⏸️ Deferred',
  reject: '⛔ Rejected',
};
