import type { GitAction, LedgerEvent, QaGate, Severity } from '../../../shared/index.ts';
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

const SEVERITY_EMOJI: Record<Severity, string> = { critical: '🔴', warning: '⚠️', info: 'ℹ️' };

function gitNotification(ev: LedgerEvent, a: GitAction, read: Reader): Notification | null {
  const ref = { kind: 'git' as const, id: a.commit ?? a.id };
  const gate = read.latestGate();
  const tests = gate
    ? gate.totals.failed === 0
      ? `✅ All ${gate.totals.passed} passed`
      : `❌ ${gate.totals.failed} of ${gate.totals.tests} failed`
    : 'not run';
  switch (a.action) {
    case 'merge':
      return {
        event_id: ev.id,
        channel: 'project-updates',
        severity: 'info',
        title: '🧩 Merge Completed',
        body: [
          `Source: ${a.source} → ${a.target}`,
          `Tests: ${tests}`,
          `Approved by: ` +
            `${a.actor === 'Human' ? 'Human' : a.trigger.startsWith('human_override') ? 'Human (gate override)' : 'QA gate'}`,
          `Commit: ${a.commit?.slice(0, 12) ?? '—'}`,
        ].join('\n'),
        ref,
      };
    case 'tag':
      return {
        event_id: ev.id,
        channel: 'project-updates',
        severity: 'info',
        title: `🏷️ Release ${a.target}`,
        body: [`Tagged ${a.commit?.slice(0, 12) ?? ''} on ${a.source}`, a.message].join('\n'),
        ref,
      };
    case 'revert':
      return {
        event_id: ev.id,
        channel: 'agent-concerns',
        severity: 'warning',
        title: '⏪ Rollback',
        body: [`${a.target}: ${a.message}`, `Trigger: ${a.trigger}`].join('\n'),
        ref,
      };
    case 'failure':
    case 'protect_refused':
      return {
        event_id: ev.id,
        channel: 'agent-concerns',
        severity: a.action === 'failure' ? 'warning' : 'critical',
        title: a.action === 'failure' ? '🚫 Git operation failed' : '🛡️ Protected branch refused',
        body: [`${a.source} → ${a.target}`, a.message].join('\n'),
        ref,
      };
    case 'archive':
      return {
        event_id: ev.id,
        channel: 'system-health',
        severity: 'info',
        title: '🗄️ Experiment archived',
        body: a.message,
        ref,
      };
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
      const excerpt = cutAtWord(c.details, 300);
      // The title says what the concern is (a phone's thread list shows only titles); the seed's
      // "[from → to] Concern Raised" line opens the body.
      const details = c.details.trim() && c.details.trim() !== c.summary.trim() ? [`Details: ${excerpt}`] : [];
      const n: Notification = {
        event_id: ev.id,
        channel: 'agent-concerns',
        severity: c.severity,
        title: `${SEVERITY_EMOJI[c.severity]} ${cutAtWord(c.summary, 200)}`,
        body: [
          `[${c.from} → ${c.to}] Concern Raised`,
          `Category: ${c.category}`,
          `Summary: ${c.summary}`,
          ...details,
          `Action: ${c.to === 'Human' ? 'your decision is needed' : `${c.to} review needed`}.`,
          `Id: ${c.id}`,
        ].join('\n'),
        ref: { kind: 'concern', id: c.id },
      };
      if (excerpt !== c.details)
        n.detail =
          `# ${c.id}: ${c.summary}\n\n` + `From ${c.from} to ${c.to} · ${c.severity} · ${c.category}\n\n${c.details}\n`;
      return n;
    }
    case 'review.requested': {
      const r = EventPayloads['review.requested'].parse(ev.payload);
      const n: Notification = {
        event_id: ev.id,
        channel: 'approvals',
        severity: r.impact === 'high' ? 'warning' : 'info',
        title: `📝 Review requested: ${r.title}`,
        body: [
          `Kind: ${r.kind.replace('_', ' ')} · impact ${r.impact} · from ${r.requested_by}`,
          `Read: ${r.subject.path} (r${r.subject.revision})`,
          cutAtWord(r.summary, 500),
          `Id: ${r.id}`,
        ].join('\n'),
        ref: { kind: 'review', id: r.id },
      };
      if (r.summary.length > 500) n.detail = `# ${r.id}: ${r.title}\n\n${r.summary}\n`;
      return n;
    }
    case 'permission.requested': {
      const r = EventPayloads['permission.requested'].parse(ev.payload);
      const input = JSON.stringify(r.input, null, 2) ?? 'null';
      const shown = input.length > 1500 ? `${cutAtWord(input, 1500)}` : input;
      const n: Notification = {
        event_id: ev.id,
        channel: 'approvals',
        severity: 'warning',
        title: `🔐 ${r.agent} asks to use ${r.tool}: ${cutAtWord(r.summary, 150)}`,
        body: [
          `Why it asks: ${r.reason}`,
          `Exact input${shown === input ? '' : ' (cut; the whole input is attached)'}:`,
          `\`\`\`json\n${shown.replaceAll('```', '`\u200b``')}\n\`\`\``,
          `Times out ${utcStamp(r.timeout_at)} · Id: ${r.id}`,
        ].join('\n'),
        ref: { kind: 'permission', id: r.id },
      };
      n.permission = { digest: r.input_digest, session: r.suggested_rule !== null };
      if (shown !== input) n.detail = `# ${r.id}: ${r.agent} asks to use ${r.tool}\n\n\`\`\`json\n${input}\n\`\`\`\n`;
      return n;
    }
    case 'qa.gate_evaluated':
      return gateNotification(ev, EventPayloads['qa.gate_evaluated'].parse(ev.payload), read);
    default:
      return null;
  }
}

/** The seed's promotion summary block, for every gate result. */
function gateNotification(ev: LedgerEvent, g: QaGate, read: Reader): Notification {
  const t = g.totals;
  const drift = g.drift
    .filter((d) => d.percent !== null)
    .sort((a, b) => Math.abs(b.percent ?? 0) - Math.abs(a.percent ?? 0))[0];
  const next =
    g.outcome === 'promotion_candidate'
      ? `Promote to Phase ${g.phase + 1}`
      : g.green
        ? 'Merged to develop; keep iterating'
        : 'Fix and re-run the gate';
  const block = [
    `QA Status: ${t.failed === 0 ? `✅ All ${t.passed} tests passed` : `❌ ${t.failed} of ${t.tests} failed`}`,
    `Coverage: ${g.coverage_lines === null ? 'n/a' : `${Math.round(g.coverage_lines * 10) / 10}%`}`,
    `Drift: ` +
      `${drift?.percent == null ? 'n/a' : `${drift.percent >= 0 ? '+' : ''}${drift.percent.toFixed(1)}% vs baseline (${drift.metric})`}`,
    `Concerns: ${read.counts().criticalOpen} critical`,
    `Recommendation: ${next}`,
  ];
  const title =
    g.outcome === 'promotion_candidate'
      ? `🚦 Phase ${g.phase} Promotion Candidate`
      : g.green
        ? `🚦 Phase ${g.phase} QA gate green`
        : `🚦 Phase ${g.phase} QA gate failed`;
  return {
    event_id: ev.id,
    channel: g.outcome === 'promotion_candidate' ? 'approvals' : 'project-updates',
    severity: g.green ? 'info' : 'warning',
    title,
    body: [...block, ...(g.reasons.length > 0 ? ['', ...g.reasons] : [])].join('\n'),
    ref: null,
  };
}

const DECISION_WORDS: Record<string, string> = {
  approve: '✅ Approved',
  approve_with_conditions: '☑️ Approved with conditions',
  request_clarification: '❓ Clarification requested',
  request_changes: '✏️ Changes requested',
  defer: '⏸️ Deferred',
  reject: '⛔ Rejected',
};

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
