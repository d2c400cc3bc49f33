import type { GitAction, LedgerEvent, Severity } from '../../../shared/index.ts';
import { EventPayloads } from '../../../shared/index.ts';
import type { Reader } from '../store/read.ts';

/** The seed's Discord channels; other transports (desktop notifications) map them as they see fit. */
export type Channel = 'project-updates' | 'agent-concerns' | 'approvals' | 'system-health';

/** Something the human should hear about, shaped once for every transport. */
export interface Notification {
  event_id: string;
  channel: Channel;
  severity: Severity;
  title: string;
  body: string;
  /** The review, concern or commit it is about, for buttons, threads and click-through. */
  ref: { kind: 'review' | 'concern' | 'git'; id: string } | null;
}

const SEVERITY_EMOJI: Record<Severity, string> = { critical: '🔴', warning: '⚠️', info: 'ℹ️' };

function gitNotification(ev: LedgerEvent, a: GitAction, read: Reader): Notification | null {
  const ref = { kind: 'git' as const, id: a.commit ?? a.id };
  const gate = read.gates().at(-1);
  const tests = gate ? (gate.totals.failed === 0 ? `✅ All ${gate.totals.passed} passed` : `❌ ${gate.totals.failed} of ${gate.totals.tests} failed`) : 'not run';
  switch (a.action) {
    case 'merge':
      return { event_id: ev.id, channel: 'project-updates', severity: 'info', title: '🧩 Merge Completed', body: [`Source: ${a.source} → ${a.target}`, `Tests: ${tests}`, `Approved by: ${a.actor === 'Human' ? 'Human' : a.trigger.startsWith('human_override') ? 'Human (gate override)' : 'QA gate'}`, `Commit: ${a.commit?.slice(0, 12) ?? '—'}`].join('\n'), ref };
    case 'tag':
      return { event_id: ev.id, channel: 'project-updates', severity: 'info', title: `🏷️ Release ${a.target}`, body: [`Tagged ${a.commit?.slice(0, 12) ?? ''} on ${a.source}`, a.message].join('\n'), ref };
    case 'revert':
      return { event_id: ev.id, channel: 'agent-concerns', severity: 'warning', title: '⏪ Rollback', body: [`${a.target}: ${a.message}`, `Trigger: ${a.trigger}`].join('\n'), ref };
    case 'failure':
    case 'protect_refused':
      return { event_id: ev.id, channel: 'agent-concerns', severity: a.action === 'failure' ? 'warning' : 'critical', title: a.action === 'failure' ? '🚫 Git operation failed' : '🛡️ Protected branch refused', body: [`${a.source} → ${a.target}`, a.message].join('\n'), ref };
    case 'archive':
      return { event_id: ev.id, channel: 'system-health', severity: 'info', title: '🗄️ Experiment archived', body: a.message, ref };
    default:
      return null; // agent commits are routine; the human sees them in the timeline, not as alerts
  }
}

/**
 * Map one ledger event to the notification it deserves, if any: git events (merge, tag, rollback,
 * failure), concerns in the seed's format, review requests and gate results. Pure apart from reading
 * projections, so the Discord outbox and desktop notifications render the same facts the same way.
 */
export function notificationFor(ev: LedgerEvent, read: Reader): Notification | null {
  switch (ev.type) {
    case 'git.action_recorded':
      return gitNotification(ev, EventPayloads['git.action_recorded'].parse(ev.payload), read);
    case 'concern.raised': {
      const c = EventPayloads['concern.raised'].parse(ev.payload);
      return { event_id: ev.id, channel: 'agent-concerns', severity: c.severity, title: `${SEVERITY_EMOJI[c.severity]} [${c.from} → ${c.to}] Concern Raised`, body: [`Category: ${c.category}`, `Summary: ${c.summary}`, `Details: ${c.details.slice(0, 300)}`, `Id: ${c.id}`].join('\n'), ref: { kind: 'concern', id: c.id } };
    }
    case 'review.requested': {
      const r = EventPayloads['review.requested'].parse(ev.payload);
      return { event_id: ev.id, channel: 'approvals', severity: r.impact === 'high' ? 'warning' : 'info', title: `📝 Review requested: ${r.title}`, body: [`Kind: ${r.kind.replace('_', ' ')} · impact ${r.impact} · from ${r.requested_by}`, `Read: ${r.subject.path} (r${r.subject.revision})`, r.summary.slice(0, 500)].join('\n'), ref: { kind: 'review', id: r.id } };
    }
    case 'qa.gate_evaluated': {
      const g = EventPayloads['qa.gate_evaluated'].parse(ev.payload);
      return { event_id: ev.id, channel: 'project-updates', severity: g.green ? 'info' : 'warning', title: g.green ? `🚦 Phase ${g.phase} QA gate green` : `🚦 Phase ${g.phase} QA gate failed`, body: g.reasons.join('\n'), ref: null };
    }
    default:
      return null;
  }
}
