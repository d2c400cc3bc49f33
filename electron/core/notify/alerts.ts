import type { GitAction, LedgerEvent, QaGate } from '../../../shared/index.ts';
import { EventPayloads } from '../../../shared/index.ts';
import type { Reader } from '../store/read.ts';
import { type Notification, SEVERITY_EMOJI, cutAtWord, utcStamp } from './notifications.ts';

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

function gitNotification(ev: LedgerEvent, a: GitAction, read: Reader): Notification | null {
  const ref = { kind: 'git' as const, id: a.commit ?? a.id };
  const gate = read.latestGate();
  const tests = gate
    ? gate.totals.failed === 0
      ? `✅ All ${gate.totals.passed} passed`
      : `❌ ${gate.totals.failed} of ${gate.totals.tests} failed`
    : 'not run';
  switch (a.action) {
    case 'merge': {
      const approver =
        a.actor === 'Human' ? 'Human' : a.trigger.startsWith('human_override') ? 'Human (gate override)' : 'QA gate';
      return {
        event_id: ev.id,
        channel: 'project-updates',
        severity: 'info',
        title: '🧩 Merge Completed',
        body: [
          `Source: ${a.source} → ${a.target}`,
          `Tests: ${tests}`,
          `Approved by: ${approver}`,
          `Commit: ${a.commit?.slice(0, 12) ?? '—'}`,
        ].join('\n'),
        ref,
      };
    }
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
  const driftLine =
    drift?.percent == null
      ? 'n/a'
      : `${drift.percent >= 0 ? '+' : ''}${drift.percent.toFixed(1)}% vs baseline (${drift.metric})`;
  const block = [
    `QA Status: ${t.failed === 0 ? `✅ All ${t.passed} tests passed` : `❌ ${t.failed} of ${t.tests} failed`}`,
    `Coverage: ${g.coverage_lines === null ? 'n/a' : `${Math.round(g.coverage_lines * 10) / 10}%`}`,
    `Drift: ${driftLine}`,
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
