/**
 * `docs/PROJECT_OVERVIEW.md`: the PM's executive summary (roadmap, current phase, deliverables,
 * blockers and risks, human review checkpoints, KPIs, the open-concerns summary).
 */
import type { Severity } from '../../../../shared/index.ts';
import type { ProjectSnapshot } from '../snapshot.ts';
import { latestRevisions } from './authored.ts';
import {
  DECISION_OUTCOME,
  REVIEW_KIND_LABEL,
  SEVERITY_EMOJI,
  SEVERITY_ORDER,
  actorLabel,
  concernCounts,
  decidedReviews,
  latestGate,
  openConcerns,
  pendingReviews,
  phaseTitle,
  taskCounts,
} from './facts.ts';
import {
  byTime,
  capitalise,
  dateOf,
  dateTimeOf,
  excerpt,
  finish,
  link,
  oneLine,
  percent,
  quote,
  type Section,
  signedPercent,
  table,
} from './markdown.ts';

const PHASE_STATUS: Record<string, string> = { planned: '⬜ Planned', active: '🟢 Active', promoted: '✅ Promoted' };

function roadmap(s: ProjectSnapshot): string[] {
  if (s.roadmap.length === 0) return ['_No roadmap recorded yet; the plan stage has not finished._'];
  const rows = [...s.roadmap]
    .sort((a, b) => a.number - b.number)
    .map((p) => {
      const tag = s.promotions.find((x) => x.phase === p.number);
      const status = PHASE_STATUS[p.status] ?? p.status;
      return [`Phase ${p.number}`, p.name, p.goal, tag ? `${status} (${tag.tag}, ${dateOf(tag.at)})` : status];
    });
  return table(['Phase', 'Name', 'Goal', 'Status'], rows);
}

function currentPhase(s: ProjectSnapshot): string[] {
  const entry = s.roadmap.find((p) => p.number === s.phase);
  const tasks = taskCounts(s);
  const lines = [`**${phaseTitle(s)}**, stage \`${s.stage}\` (iteration ${s.iteration})`, ''];
  if (entry?.goal) lines.push(`- Goal: ${oneLine(entry.goal)}`);
  if (entry && entry.deliverables.length > 0)
    lines.push(`- Deliverables: ${entry.deliverables.map(oneLine).join('; ')}`);
  lines.push(`- Tasks: ${tasks.complete} / ${tasks.total} complete`);
  return lines;
}

/** Promoted phases, signed-off documents and finished tasks: what has actually been delivered. */
function deliverables(s: ProjectSnapshot): string[] {
  const lines: string[] = [];
  for (const p of byTime(s.promotions, (x) => x.at)) {
    const phase = s.roadmap.find((r) => r.number === p.phase);
    const what = phase && phase.deliverables.length > 0 ? `: ${phase.deliverables.map(oneLine).join('; ')}` : '';
    lines.push(`- ✅ ${phaseTitle(s, p.phase)} promoted ${dateOf(p.at)} as \`${p.tag}\`${what}`);
  }
  const approvals = decidedReviews(s).filter(
    (r) => r.decision.decision === 'approve' || r.decision.decision === 'approve_with_conditions',
  );
  for (const rev of latestRevisions(s)) {
    const ok = approvals.filter((r) => r.subject.path === rev.path).at(-1);
    if (!ok) continue;
    const cond = ok.decision.decision === 'approve_with_conditions' ? ' with conditions' : '';
    lines.push(
      `- ✅ \`${rev.path}\` r${ok.subject.revision} approved${cond} by ${ok.decision.reviewed_by} ` +
        `${dateOf(ok.decision.timestamp)}`,
    );
  }
  const done = s.tasks.filter((t) => t.phase === s.phase && t.status === 'Done');
  for (const t of done) lines.push(`- ✅ ${t.id} ${oneLine(t.title)} — ${actorLabel(s, t.agent)}`);
  return lines.length > 0 ? lines : ['_Nothing delivered yet._'];
}

function blockers(s: ProjectSnapshot): string[] {
  const lines: string[] = [];
  const gate = latestGate(s);
  if (gate && gate.outcome === 'escalate') {
    lines.push(
      `- 🚨 QA gate escalated (${dateOf(gate.at)}): ${gate.reasons.map(oneLine).join('; ') || 'no reason recorded'}`,
    );
  }
  const serious = openConcerns(s).filter((c) => c.severity !== 'info');
  for (const sev of SEVERITY_ORDER) {
    for (const c of serious.filter((x) => x.severity === sev)) {
      lines.push(
        `- ${SEVERITY_EMOJI[c.severity]} Concern ${c.id} (${actorLabel(s, c.from)} → ${c.to}): ${excerpt(c.summary)}`,
      );
    }
  }
  for (const a of s.agents.filter((x) => x.status === 'paused')) lines.push(`- ⏸️ ${actorLabel(s, a.name)} is paused`);
  for (const r of s.risks) lines.push(`- Risk: ${oneLine(r)}`);
  return lines.length > 0 ? lines : ['_No known blockers or risks._'];
}

/** How many decisions the overview shows; every decision stays in its document's review log. */
export const RECENT_CHECKPOINTS = 20;

/**
 * The seed's `🧑‍💼 Human Review` block for the latest decisions, oldest first, with the review's subject
 * on the second line and a clarification's answer before the outcome when there is one.
 */
function checkpoints(s: ProjectSnapshot): string[] {
  const all = decidedReviews(s);
  const decided = all.slice(-RECENT_CHECKPOINTS);
  if (decided.length === 0) return ['_No human review decisions yet._'];
  const earlier = s.stats ? s.stats.earlierDecisions : all.length > decided.length;
  const note = earlier
    ? [
        `_The latest ${RECENT_CHECKPOINTS} decisions; earlier ones are in the review log of the document ` +
          `each decided._`,
        '',
      ]
    : [];
  const blocks = decided.map((r) => {
    const d = r.decision;
    const answers = s.clarifications
      .filter((c) => c.review_id === r.id && c.answer !== null)
      .map((c) => `> ↳ ${c.scripted ? `${c.agent} (scripted)` : c.agent}: ${oneLine(c.answer ?? '')}`);
    const body = [
      `> 🧑‍💼 Human Review — ${dateOf(d.timestamp)}`,
      `> ${REVIEW_KIND_LABEL[r.kind]}: ${oneLine(r.title)} (\`${r.subject.path}\` r${r.subject.revision}, ` +
        `by ${d.reviewed_by})`,
      ...(d.comment.trim() ? [`> ${oneLine(d.comment)}`] : []),
      ...answers,
      `> ${DECISION_OUTCOME[d.decision]}`,
    ];
    // Trailing double spaces keep the quoted lines apart when rendered, as the seed's block reads.
    return body.map((l, i) => (i < body.length - 1 ? `${l}  ` : l));
  });
  return [...note, ...blocks.flatMap((b, i) => (i === 0 ? b : ['', ...b]))];
}

function pending(s: ProjectSnapshot): string[] {
  const list = byTime(pendingReviews(s), (r) => r.requested_at);
  if (list.length === 0) return ['_No reviews waiting for the human._'];
  return list.map(
    (r) =>
      `- ⏳ ${REVIEW_KIND_LABEL[r.kind]}: ${oneLine(r.title)} (\`${r.subject.path}\` ` +
      `r${r.subject.revision}, impact ${r.impact}), requested by ${actorLabel(s, r.requested_by)} ` +
      `${dateOf(r.requested_at)}`,
  );
}

/**
 * Current KPI values. Measured numbers from the latest QA gate beat the plan's stated `current`,
 * because the plan is written once while the gate re-measures every iteration.
 */
function kpis(s: ProjectSnapshot): string[] {
  const gate = latestGate(s);
  const coverage =
    gate?.coverage_lines != null ? `${percent(gate.coverage_lines)} lines (gate ${dateOf(gate.at)})` : null;
  const passRate =
    gate && gate.totals.tests > 0
      ? `${percent((gate.totals.passed / gate.totals.tests) * 100)} (${gate.totals.passed}/${gate.totals.tests})`
      : null;
  const repro = gate?.drift.find((d) => /reproducib/i.test(d.metric));
  const reproText = repro
    ? `${percent(repro.value)}${repro.percent !== null ? ` (${signedPercent(repro.percent)} vs baseline)` : ''}`
    : null;
  const measured = (name: string): string | null => {
    if (/coverage/i.test(name)) return coverage;
    if (/pass.?rate/i.test(name)) return passRate;
    if (/reproducib/i.test(name)) return reproText;
    return null;
  };
  const rows = s.kpis.map((k) => [k.name, k.target, measured(k.name) ?? k.current ?? '—']);
  // Coverage and pass rate are always shown: the human judges test completion on them.
  if (!s.kpis.some((k) => /coverage/i.test(k.name))) rows.push(['Test coverage', '—', coverage ?? '—']);
  if (!s.kpis.some((k) => /pass.?rate/i.test(k.name))) rows.push(['Test pass rate', '—', passRate ?? '—']);
  if (!s.kpis.some((k) => /reproducib/i.test(k.name)) && reproText) rows.push(['Reproducibility', '—', reproText]);
  return table(['KPI', 'Target', 'Current'], rows);
}

/** Resolved concerns by severity and the last critical one: from the store's totals when it gave them. */
function concernHistory(s: ProjectSnapshot): {
  resolved: Record<Severity, number>;
  lastCritical: { id: string; timestamp: string } | null;
} {
  if (s.stats) return { resolved: s.stats.resolvedConcerns, lastCritical: s.stats.lastCritical };
  const resolved: Record<Severity, number> = { critical: 0, warning: 0, info: 0 };
  for (const c of s.concerns) if (c.status === 'resolved') resolved[c.severity] += 1;
  const last = byTime(
    s.concerns.filter((c) => c.severity === 'critical'),
    (c) => c.timestamp,
  ).at(-1);
  return { resolved, lastCritical: last ? { id: last.id, timestamp: last.timestamp } : null };
}

function concernSummary(s: ProjectSnapshot): string[] {
  const counts = concernCounts(s);
  const { resolved, lastCritical } = concernHistory(s);
  const resolvedTotal = SEVERITY_ORDER.reduce((t, sev) => t + resolved[sev], 0);
  const rows = SEVERITY_ORDER.map((sev) => [
    `${SEVERITY_EMOJI[sev]} ${capitalise(sev)}`,
    String(counts.bySeverity[sev]),
    String(resolved[sev]),
  ]);
  return [
    ...table(['Severity', 'Open', 'Resolved'], rows),
    '',
    `- Open: ${counts.open} (${counts.critical} critical); resolved: ${resolvedTotal}`,
    `- Last critical: ${lastCritical ? `${dateTimeOf(lastCritical.timestamp)} (${lastCritical.id})` : 'none'}`,
    '- Details: [PROJECT_DETAIL.md → Open Concerns](PROJECT_DETAIL.md#open-concerns)',
  ];
}

function team(s: ProjectSnapshot): string[] {
  if (s.agents.length === 0) return ['_No agents registered yet._'];
  const runtime = (r: string): string => (r === 'scripted' ? 'scripted (offline demo)' : r);
  return table(
    ['Agent', 'Runtime', 'Status', 'Current task'],
    s.agents.map((a) => [
      a.name,
      runtime(a.runtime),
      a.pause_requested && a.status !== 'paused' ? `${a.status} (pause requested)` : a.status,
      a.current_task ?? '—',
    ]),
  );
}

/** Sibling exports worth following; QA_REPORT.md only exists once a gate has run. */
function seeAlso(s: ProjectSnapshot): string[] {
  return [
    'docs/PROJECT_DETAIL.md',
    'docs/PROJECT_VARIATIONS.md',
    'tests/TEST_RESULTS.md',
    ...(s.gates.length > 0 ? ['QA_REPORT.md'] : []),
  ];
}

/**
 * The overview, section by section (each with the blank line after it): the exporter re-renders only the
 * sections whose inputs changed, so the time of the last update does not re-render the decisions.
 */
export const OVERVIEW_SECTIONS: readonly Section[] = [
  (s) => [
    '<!-- Governor export — do not edit; the ledger is the source of truth -->',
    `# ${oneLine(s.name)} — Project Overview`,
    '',
  ],
  (s) => [`_Last update: ${dateTimeOf(s.lastUpdate)}_`, ''],
  (s) => (s.brief.trim() ? [...quote(s.brief), ''] : []),
  (s) => ['## Roadmap', '', ...roadmap(s), ''],
  (s) => ['## Current Phase', '', ...currentPhase(s), ''],
  (s) => ['## Major Deliverables Completed', '', ...deliverables(s), ''],
  (s) => ['## Known Blockers / Risks', '', ...blockers(s), ''],
  (s) => ['## Human Review Checkpoints', '', ...checkpoints(s), ''],
  (s) => ['## Pending Reviews', '', ...pending(s), ''],
  (s) => ['## KPIs', '', ...kpis(s), ''],
  (s) => ['## Open Concerns (summary)', '', ...concernSummary(s), ''],
  (s) => ['## Team', '', ...team(s), ''],
  (s) => [
    `See also: ${seeAlso(s)
      .map((p) => link(p, 'docs', p.split('/').at(-1) ?? p))
      .join(', ')}.`,
  ],
];

export function renderOverview(s: ProjectSnapshot): string {
  return finish(OVERVIEW_SECTIONS.flatMap((section) => section(s)));
}
