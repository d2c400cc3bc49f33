import type {
  Actor,
  AgentName,
  Handoff,
  HandoffStatus,
  Impact,
  Review,
  ReviewKind,
  Severity,
  EventPayload,
} from '../../../shared/index.ts';
import type { Tx } from '../store/ledger.ts';
import type { Reader } from '../store/read.ts';
import { nextId } from './ids.ts';

/**
 * Small builders for the records every step writes, used inside a ledger transaction so the
 * id allocation, the counts and the append are one atomic unit.
 */

export function recordHandoff(
  tx: Tx,
  read: Reader,
  h: {
    phase: number;
    from: Actor;
    to: Actor;
    purpose: string;
    inputs: string[];
    outputs: string[];
    summary: string;
    status: HandoffStatus;
    impact?: Impact;
  },
  ts: string,
): Handoff {
  // Counted by the store (a few rows), not by reading every concern of the history.
  const facts = read.concernFacts(h.phase);
  const handoff: Handoff = {
    id: nextId.handoff(tx.db, ts),
    phase: h.phase,
    from: h.from,
    to: h.to,
    purpose: h.purpose,
    inputs: h.inputs,
    outputs: h.outputs,
    summary: h.summary,
    status: h.status,
    ...(h.impact ? { impact: h.impact } : {}),
    timestamp: ts,
    concerns_opened: facts.opened,
    concerns_closed: facts.closed,
    last_concern_id: facts.last?.id ?? null,
    has_critical_concerns: facts.openCritical,
  };
  tx.append({ type: 'handoff.recorded', actor: h.from, payload: handoff, ts });
  return handoff;
}

export function requestReview(
  tx: Tx,
  r: {
    kind: ReviewKind;
    phase: number;
    title: string;
    requested_by: Actor;
    impact: Impact;
    subject: { path: string; revision: number };
    context: string[];
    handoff_id: string | null;
    variation_id?: string | null;
    follows?: string | null;
    summary: string;
  },
  ts: string,
): Review {
  const review: Review = {
    id: nextId.review(tx.db),
    kind: r.kind,
    phase: r.phase,
    title: r.title,
    requested_by: r.requested_by,
    requested_at: ts,
    impact: r.impact,
    subject: r.subject,
    context: r.context,
    handoff_id: r.handoff_id,
    variation_id: r.variation_id ?? null,
    follows: r.follows ?? null,
    summary: r.summary,
    status: 'pending',
    decision: null,
  };
  tx.append({ type: 'review.requested', actor: r.requested_by, payload: review, ts });
  return review;
}

export function raiseConcern(
  tx: Tx,
  c: {
    phase: number;
    from: Actor;
    to: Actor;
    severity: Severity;
    category: string;
    summary: string;
    details: string;
    review_id?: string;
  },
  ts: string,
): string {
  const id = nextId.concern(tx.db);
  tx.append({
    type: 'concern.raised',
    actor: c.from,
    ts,
    payload: {
      id,
      phase: c.phase,
      from: c.from,
      to: c.to,
      severity: c.severity,
      category: c.category,
      summary: c.summary,
      details: c.details,
      timestamp: ts,
      status: 'open',
      discord_message_id: null,
      assigned_to: null,
      response: null,
      resolution: null,
      escalations: [],
      updated_at: ts,
      ...(c.review_id ? { review_id: c.review_id } : {}),
    },
  });
  // A critical concern does not wait for the chain: it reaches the human at once.
  if (c.severity === 'critical' && c.to !== 'Human') {
    tx.append({
      type: 'concern.escalated',
      actor: 'System',
      ts,
      payload: { concern_id: id, from: c.to, to: 'Human', reason: 'critical concerns reach the human immediately' },
    });
  }
  return id;
}

export function respond(
  tx: Tx,
  r: { command_id: string; from: Actor; to: Actor; response: string; ok: boolean },
  ts: string,
): void {
  tx.append({
    type: 'response.sent',
    actor: r.from,
    ts,
    payload: { id: nextId.response(tx.db), ...r, responded_at: ts },
  });
}

export function setAgentStatus(
  tx: Tx,
  agent: AgentName,
  status: 'idle' | 'working' | 'waiting_human',
  task: string | null,
  ts: string,
): void {
  tx.append({ type: 'agent.status_changed', actor: 'System', ts, payload: { agent, status, task } });
}

/** The loop's stage moves: one shape everywhere, so a projection or an export never meets a variant. */
export function enterStage(tx: Tx, payload: EventPayload<'stage.entered'>, ts: string): void {
  tx.append({ type: 'stage.entered', actor: 'System', ts, payload });
}
