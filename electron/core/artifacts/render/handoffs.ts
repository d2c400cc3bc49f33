/**
 * The seed's handoff records, exported one phase per file: `audit/handoffs/phase-<N>.jsonl`, one line per
 * handoff event, appended as the ledger grows, like the other audit JSONL files. A line is the seed's
 * record (`from, to, purpose, inputs, outputs, summary, status, impact, timestamp, concerns_opened, …`) as
 * it stood after that event, plus the `event_id`, so a status change is a new line with the new status.
 *
 * Why not one `audit/handoff_<timestamp>.json` per handoff, as the seed sketches: a year of work is tens of
 * thousands of handoffs, and every file was listed, rendered and committed again at each promotion (10,000
 * files in one commit). A phase's file only grows while that phase runs, so a promotion commits one
 * appended file, and earlier phases' files never change again.
 */
import type { EventType, Handoff } from '../../../../shared/index.ts';

/** The events that write handoff lines. */
export const HANDOFF_TYPES: readonly EventType[] = ['handoff.recorded', 'handoff.status_changed'];

/** The file of a phase's handoffs. */
export function handoffPath(phase: number): string {
  return `audit/handoffs/phase-${phase}.jsonl`;
}

/** The seed's handoff record in the seed's order; `impact` only when present; `id` and `phase` last. */
export function handoffRecord(h: Handoff): Record<string, unknown> {
  return {
    from: h.from,
    to: h.to,
    purpose: h.purpose,
    inputs: h.inputs,
    outputs: h.outputs,
    summary: h.summary,
    status: h.status,
    ...(h.impact !== undefined ? { impact: h.impact } : {}),
    timestamp: h.timestamp,
    concerns_opened: h.concerns_opened,
    concerns_closed: h.concerns_closed,
    last_concern_id: h.last_concern_id,
    has_critical_concerns: h.has_critical_concerns,
    id: h.id,
    phase: h.phase,
  };
}
