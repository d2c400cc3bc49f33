import type { LedgerEvent, Severity } from '../../../shared/index.ts';
import { EventPayloads } from '../../../shared/index.ts';
import type { Reader } from '../store/read.ts';
import { notificationFor } from './alerts.ts';
import {
  type Channel,
  DECISION_WORDS,
  type Notification,
  SEVERITY_EMOJI,
  byVia,
  byWhom,
  utcStamp,
} from './notifications.ts';

/**
 * Everything Discord says besides the alerts: lifecycle updates of a concern or review (posted in that
 * item's thread), the PM's phase summaries and system alerts. Desktop notices only use `notificationFor`.
 */
export function discordNotificationFor(ev: LedgerEvent, read: Reader): Notification | null {
  const first = notificationFor(ev, read);
  if (first) return first;
  const update = (
    channel: Channel,
    ref: Notification['ref'],
    title: string,
    body: string,
    severity: Severity = 'info',
  ): Notification => ({ event_id: ev.id, channel, severity, title, body, ref, update: true });
  switch (ev.type) {
    case 'concern.acknowledged': {
      const c = EventPayloads['concern.acknowledged'].parse(ev.payload);
      return update(
        'agent-concerns',
        { kind: 'concern', id: c.concern_id },
        `👀 ${c.concern_id} acknowledged ${byWhom(c)}`,
        c.note ?? '',
      );
    }
    case 'concern.assigned': {
      const c = EventPayloads['concern.assigned'].parse(ev.payload);
      return update(
        'agent-concerns',
        { kind: 'concern', id: c.concern_id },
        `➡️ ${c.concern_id} assigned to ${c.assigned_to} ${byWhom(c)}`,
        c.note ?? '',
      );
    }
    case 'concern.escalated': {
      const c = EventPayloads['concern.escalated'].parse(ev.payload);
      const concern = read.concern(c.concern_id);
      return update(
        'agent-concerns',
        { kind: 'concern', id: c.concern_id },
        `⏫ ${c.concern_id} escalated ${c.from} → ${c.to}`,
        c.reason,
        c.to === 'Human' ? (concern?.severity ?? 'warning') : 'info',
      );
    }
    case 'concern.resolved': {
      const c = EventPayloads['concern.resolved'].parse(ev.payload);
      return update(
        'agent-concerns',
        { kind: 'concern', id: c.concern_id },
        `✅ ${c.concern_id} resolved ${byWhom(c)}`,
        c.note ?? '',
      );
    }
    case 'review.decided': {
      const d = EventPayloads['review.decided'].parse(ev.payload);
      const x = d.decision;
      return update(
        'approvals',
        { kind: 'review', id: d.review_id },
        `${DECISION_WORDS[x.decision] ?? x.decision}: ${d.review_id}`,
        [`${byVia(x.reviewed_by, x.source)} · ${utcStamp(x.timestamp)}`, x.comment].filter(Boolean).join('\n'),
      );
    }
    case 'clarification.answered': {
      const a = EventPayloads['clarification.answered'].parse(ev.payload);
      const asked = read.clarification(a.clarification_id);
      const title = `💬 ${a.agent} answered ${a.clarification_id}`;
      // Asked from a review's Clarify button: the answer belongs in that review's thread.
      if (asked?.review_id) return update('approvals', { kind: 'review', id: asked.review_id }, title, a.answer);
      // Asked with /clarify: the `response.sent` carrying the same answer is not posted, so this is the one message.
      return update(
        'project-updates',
        asked?.command_id ? { kind: 'command', id: asked.command_id } : null,
        title,
        a.answer,
      );
    }
    case 'phase.started': {
      const ph = EventPayloads['phase.started'].parse(ev.payload);
      if (ph.phase === 1 && ph.iteration === 1) return null; // the project's first breath is not news
      return {
        event_id: ev.id,
        channel: 'project-updates',
        severity: 'info',
        title: `▶️ ${ph.name} started (iteration ${ph.iteration})`,
        body: phaseSummary(read),
        ref: null,
      };
    }
    case 'phase.promoted': {
      const ph = EventPayloads['phase.promoted'].parse(ev.payload);
      const next = ph.next_phase ? read.project()?.roadmap.find((r) => r.number === ph.next_phase) : undefined;
      const n: Notification = {
        event_id: ev.id,
        channel: 'project-updates',
        severity: 'info',
        title: `🚀 Phase ${ph.phase} promoted (${ph.tag})`,
        body: [
          `Commit: ${ph.commit.slice(0, 12)}`,
          ph.next_phase
            ? `Next: Phase ${ph.next_phase}${next ? ` — ${next.name}` : ''}`
            : 'That was the last phase of the roadmap.',
          '',
          phaseSummary(read),
        ].join('\n'),
        // The promotion is the item its message follows: the start of the next phase edits it.
        ref: { kind: 'phase', id: String(ph.phase) },
      };
      if (ph.next_phase)
        n.startsNext = { promoted: ph.phase, next: ph.next_phase, name: next?.name ?? `Phase ${ph.next_phase}` };
      return n;
    }
    case 'plan.recorded': {
      const pl = EventPayloads['plan.recorded'].parse(ev.payload);
      const lines = pl.tasks.slice(0, 15).map((t) => `• ${t.id} ${t.title} (${t.agent})`);
      return {
        event_id: ev.id,
        channel: 'project-updates',
        severity: 'info',
        title: `🗺️ Plan for phase ${pl.phase}: ${pl.tasks.length} tasks`,
        body: [
          ...lines,
          pl.tasks.length > 15 ? `… and ${pl.tasks.length - 15} more` : '',
          pl.risks.length > 0 ? `Risks: ${pl.risks.join('; ')}` : '',
        ]
          .filter(Boolean)
          .join('\n'),
        ref: null,
      };
    }
    case 'alert.raised': {
      const a = EventPayloads['alert.raised'].parse(ev.payload);
      return {
        event_id: ev.id,
        channel: 'system-health',
        severity: a.severity,
        title: `${SEVERITY_EMOJI[a.severity]} ${a.summary}`,
        body: a.details,
        ref: null,
      };
    }
    default:
      return null;
  }
}

/** The PM's one-paragraph phase summary: tasks, concerns and reviews as they stand. */
function phaseSummary(read: Reader): string {
  const c = read.counts();
  return [
    `Tasks: ${c.tasksDone} / ${c.tasksTotal} complete`,
    `Open concerns: ${c.openConcerns} (${c.criticalOpen} critical)`,
    `Pending reviews: ${c.pendingReviews}`,
  ].join('\n');
}
