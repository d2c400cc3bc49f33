/**
 * `docs/PROJECT_DETAIL.md`: the PM's task-level plan (tasks per phase and agent with status,
 * commentary and links), pending approvals, "Open Concerns" and "Recent Human Interactions".
 */
import type { Concern, Task, TaskStatus } from '../../../../shared/index.ts';
import type { ProjectSnapshot } from '../snapshot.ts';
import {
  DECISION_SIGNOFF,
  REVIEW_KIND_LABEL,
  SEVERITY_EMOJI,
  SEVERITY_ORDER,
  actorLabel,
  openConcerns,
  pendingReviews,
  phaseTitle,
} from './facts.ts';
import { type Section, byTime, code, dateOf, dateTimeOf, excerpt, finish, link, oneLine, table } from './markdown.ts';

/** How many interactions "Recent Human Interactions" keeps. */
export const RECENT_INTERACTIONS = 20;

const TASK_STATUS: Record<TaskStatus, string> = {
  'To Do': '⬜ To Do',
  'In Progress': '🔄 In Progress',
  Done: '✅ Done',
  'Needs Review': '👀 Needs Review',
  'No Change': '⚪ No change',
};

function taskTable(tasks: readonly Task[]): string[] {
  const rows = tasks.map((t) => [
    t.id,
    t.title,
    TASK_STATUS[t.status],
    t.depends_on.join(', ') || '—',
    t.commentary || '—',
    // Plan links are project-relative; from docs/ they need `../` to resolve on GitHub and in editors.
    t.links.map((l) => link(l, 'docs', l.split('/').at(-1) ?? l)).join(', ') || '—',
  ]);
  return table(['Task', 'Title', 'Status', 'Depends on', 'Commentary', 'Links'], rows);
}

/** Tasks grouped by phase (roadmap order) and, inside a phase, by agent in order of first task. */
function tasksByPhase(s: ProjectSnapshot): string[] {
  const phases = [...new Set([...s.roadmap.map((p) => p.number), ...s.tasks.map((t) => t.phase)])].sort(
    (a, b) => a - b,
  );
  const lines: string[] = [];
  for (const n of phases) {
    const tasks = s.tasks.filter((t) => t.phase === n);
    const entry = s.roadmap.find((p) => p.number === n);
    const state = n === s.phase ? `current, stage \`${s.stage}\`` : (entry?.status ?? 'planned');
    lines.push(`## ${phaseTitle(s, n)} (${state})`, '');
    if (tasks.length === 0) {
      lines.push('_No tasks planned for this phase yet._', '');
      continue;
    }
    const done = tasks.filter((t) => t.status === 'Done').length;
    lines.push(`${done} / ${tasks.length} tasks done.`, '');
    const agents = [...new Set(tasks.map((t) => t.agent))];
    for (const agent of agents) {
      lines.push(`### ${actorLabel(s, agent)}`, '', ...taskTable(tasks.filter((t) => t.agent === agent)), '');
    }
  }
  return lines.length > 0 ? lines : ['_No tasks recorded yet; the plan stage has not finished._', ''];
}

function pendingApprovals(s: ProjectSnapshot): string[] {
  const list = byTime(pendingReviews(s), (r) => r.requested_at);
  if (list.length === 0) return ['_None._'];
  return list.map(
    (r) =>
      `- ⏳ **${REVIEW_KIND_LABEL[r.kind]}** \`${r.id}\`: ${oneLine(r.title)} ` +
      `(${link(r.subject.path, 'docs')} r${r.subject.revision}, impact ${r.impact}), requested ` +
      `${dateOf(r.requested_at)}`,
  );
}

/** `Tester → ProjectManager → Human (2 hops)`: the chain the concern climbed, first to last. */
export function escalationPath(c: Concern): string {
  if (c.escalations.length === 0) return '—';
  const chain = [c.escalations[0]?.from ?? c.from, ...c.escalations.map((e) => e.to)];
  return `${chain.join(' → ')} (${c.escalations.length} ${c.escalations.length === 1 ? 'hop' : 'hops'})`;
}

function concernsSection(s: ProjectSnapshot): string[] {
  const open = openConcerns(s);
  if (open.length === 0) return ['_No open concerns._'];
  // Worst first; within a severity the oldest first, since it has waited longest.
  const ordered = SEVERITY_ORDER.flatMap((sev) =>
    byTime(
      open.filter((c) => c.severity === sev),
      (c) => c.timestamp,
    ),
  );
  const rows = ordered.map((c) => [
    `${SEVERITY_EMOJI[c.severity]} ${c.severity}`,
    c.id,
    `${actorLabel(s, c.from)} → ${c.to}`,
    c.category,
    c.summary,
    c.status,
    c.assigned_to ?? '—',
    escalationPath(c),
    dateTimeOf(c.timestamp),
  ]);
  const lines = table(
    ['Severity', 'ID', 'From → To', 'Category', 'Summary', 'Status', 'Assigned to', 'Escalations', 'Raised'],
    rows,
  );
  // Details and the human's response are prose; they would overflow a table cell.
  const notes = ordered.filter((c) => c.details.trim() || c.response);
  if (notes.length > 0) lines.push('');
  for (const c of notes) {
    const parts = [
      c.details.trim() ? excerpt(c.details, 240) : null,
      c.response ? `response: ${excerpt(c.response, 160)}` : null,
    ].filter(Boolean);
    lines.push(`- ${code(c.id)}: ${parts.join('; ')}`);
  }
  return lines;
}

interface Interaction {
  at: string;
  /** Built only for the interactions shown: most of what is collected is older than the newest 20. */
  line: () => string;
}

/** Commands with their responses, review decisions and clarifications, as one timeline, newest first. */
export function interactions(s: ProjectSnapshot): Interaction[] {
  const items: Interaction[] = [];
  // Answers by command, in one pass (a scan per command made this quadratic in the history).
  const answers = new Map<string, ProjectSnapshot['responses']>();
  for (const r of s.responses) {
    const list = answers.get(r.command_id);
    if (list) list.push(r);
    else answers.set(r.command_id, [r]);
  }
  for (const c of s.commands) {
    items.push({
      at: c.timestamp,
      line: () => {
        const text = [c.cmd, c.target ?? '', c.args].filter((x) => x.trim() !== '').join(' ');
        const replies = answers.get(c.command_id) ?? [];
        const reply = replies
          .map((r) => `${r.ok ? '' : '⚠️ '}${actorLabel(s, r.from)}: ${excerpt(r.response)}`)
          .join(' / ');
        return `${dateTimeOf(c.timestamp)} · ${c.source} · ${c.user} · ${code(text)} → ${reply || '_no response yet_'}`;
      },
    });
  }
  for (const r of s.reviews) {
    const d = r.decision;
    if (!d) continue;
    items.push({
      at: d.timestamp,
      line: () => {
        const comment = d.comment.trim() ? `: ${excerpt(d.comment)}` : '';
        const inline = d.inline.length > 0 ? ` (+${d.inline.length} inline)` : '';
        return (
          `${dateTimeOf(d.timestamp)} · ${d.source} · ${d.reviewed_by} · ${REVIEW_KIND_LABEL[r.kind]} of ` +
          `\`${r.subject.path}\` r${r.subject.revision}: ` +
          `${DECISION_SIGNOFF[d.decision]}${comment}${inline}`
        );
      },
    });
  }
  // Clarifications asked through a command already show with that command's response.
  for (const q of s.clarifications) {
    if (q.command_id !== null) continue;
    const at = q.answered_at ?? q.asked_at;
    items.push({
      at,
      line: () => {
        const who = q.scripted ? `${q.agent} (scripted)` : q.agent;
        const answer = q.answer === null ? '_awaiting answer_' : `${who}: ${excerpt(q.answer)}`;
        return (
          `${dateTimeOf(at)} · review · Human · 💬 Clarification to ${q.agent}: ` +
          `${excerpt(q.question, 80)} → ${answer}`
        );
      },
    });
  }
  // Newest first; equal instants keep the order above (commands, decisions, clarifications): sorted oldest
  // first from the reversed list, then reversed back.
  return byTime(items.reverse(), (i) => i.at).reverse();
}

function recentInteractions(s: ProjectSnapshot): string[] {
  const list = interactions(s).slice(0, RECENT_INTERACTIONS);
  if (list.length === 0) return ['_No human interactions yet._'];
  return list.map((i) => `- ${i.line()}`);
}

/** Conditions of approvals (concerns of category `condition`): each listed until it is met. */
function conditionsSection(s: ProjectSnapshot): string[] {
  const all = s.concerns.filter((c) => c.category === 'condition');
  if (all.length === 0) return ['_No approval set conditions._'];
  const unmet = all.filter((c) => c.status !== 'resolved');
  const met = all.filter((c) => c.status === 'resolved');
  const lines = unmet.map((c) => {
    const holder = c.assigned_to ?? c.to;
    const from = c.review_id ? ` (set by \`${c.review_id}\`, ${dateOf(c.timestamp)})` : ` (${dateOf(c.timestamp)})`;
    return `- ⏳ ${code(c.id)} ${oneLine(c.summary)}${from}: ${c.status}, with ${actorLabel(s, holder)}`;
  });
  if (unmet.length === 0) lines.push('_Every condition is met._');
  const metLine = (c: Concern) => `${code(c.id)}${c.resolution ? ` (${excerpt(c.resolution, 60)})` : ''}`;
  if (met.length > 0) lines.push('', `Met: ${met.map(metLine).join(', ')}.`);
  return lines;
}

function variationsSection(s: ProjectSnapshot): string[] {
  if (s.variations.length === 0) return ['_No variations proposed._'];
  return [...s.variations]
    .sort((a, b) => a.number - b.number)
    .map(
      (v) =>
        `- Variation #${v.number} — ${oneLine(v.title)} (impact ${v.impact}, ` +
        `${actorLabel(s, v.proposed_by)}): ` +
        `${v.status === 'proposed' ? '⏳ pending human review' : v.status.replace(/_/g, ' ')}`,
    )
    .concat(['', `Full entries: ${link('docs/PROJECT_VARIATIONS.md', 'docs', 'PROJECT_VARIATIONS.md')}`]);
}

/** The detail, section by section (see OVERVIEW_SECTIONS). */
export const DETAIL_SECTIONS: readonly Section[] = [
  (s) => [
    '<!-- Governor export — do not edit; the ledger is the source of truth -->',
    `# ${oneLine(s.name)} — Project Detail`,
    '',
  ],
  (s) => [
    `_Last update: ${dateTimeOf(s.lastUpdate)} · ${phaseTitle(s)}, stage \`${s.stage}\` (iteration ${s.iteration})_`,
    '',
  ],
  (s) => tasksByPhase(s),
  (s) => ['## Pending Approvals', '', ...pendingApprovals(s), ''],
  (s) => ['## Conditions', '', ...conditionsSection(s), ''],
  (s) => ['## Variations', '', ...variationsSection(s), ''],
  (s) => ['## Open Concerns', '', ...concernsSection(s), ''],
  (s) => ['## Recent Human Interactions', '', ...recentInteractions(s)],
];

export function renderDetail(s: ProjectSnapshot): string {
  return finish(DETAIL_SECTIONS.flatMap((section) => section(s)));
}
