/**
 * `QA_REPORT.md`: the latest QA gate (decision, reasons, totals, coverage, drift, concerns) and,
 * for a promotion candidate, the seed's `🚦 Phase N Promotion Candidate` summary block.
 */
import type { ProjectSnapshot, GateRecord } from '../snapshot.ts';
import { SEVERITY_EMOJI, SEVERITY_ORDER, actorLabel, concernCounts, latestGate, openConcerns, phaseTitle } from './facts.ts';
import { capitalise, code, dateTimeOf, excerpt, fenced, finish, link, normaliseNewlines, oneLine, percent, plural, signedPercent, table } from './markdown.ts';

const OUTCOME: Record<GateRecord['outcome'], string> = {
  auto_merge: '✅ Auto-merge: the candidate merges into `develop`; agents keep iterating.',
  escalate: '🚨 Escalate: the gate is not green; the human is asked to decide.',
  promotion_candidate: '🚦 Promotion candidate: the phase is ready for the human promotion review.',
};

/** The drift entry with the largest movement, which is what the one-line summary reports. */
function headlineDrift(gate: GateRecord): string {
  const measured = gate.drift.filter((d): d is typeof d & { percent: number } => d.percent !== null);
  if (measured.length === 0) return gate.drift.length > 0 ? 'n/a (no baseline yet)' : 'n/a (no drift metrics)';
  const worst = measured.map((d, i) => ({ d, i })).sort((a, b) => Math.abs(b.d.percent) - Math.abs(a.d.percent) || a.i - b.i)[0]?.d;
  return worst ? `${signedPercent(worst.percent)} vs baseline` : 'n/a';
}

function qaStatus(gate: GateRecord): string {
  const t = gate.totals;
  if (t.failed > 0) return `❌ ${t.failed} of ${plural(t.tests, 'test')} failed`;
  if (!gate.green) return '⚠️ Not green';
  return t.tests > 0 ? '✅ All tests passed' : '⚠️ No tests ran';
}

function recommendation(s: ProjectSnapshot, gate: GateRecord): string {
  if (gate.outcome === 'promotion_candidate') {
    const next = s.roadmap.find((p) => p.number === gate.phase + 1);
    return next ? `Promote to Phase ${next.number}` : `Promote Phase ${gate.phase} (final phase of the roadmap)`;
  }
  if (gate.outcome === 'auto_merge') return 'Merge to develop and continue iterating';
  return `Human review required: ${gate.reasons.map(oneLine).join('; ') || 'gate not green'}`;
}

/** The seed's promotion-candidate block, line for line. */
export function promotionSummary(s: ProjectSnapshot, gate: GateRecord): string[] {
  return [
    `🚦 Phase ${gate.phase} Promotion Candidate`,
    `QA Status: ${qaStatus(gate)}`,
    `Coverage: ${gate.coverage_lines === null ? 'n/a' : percent(gate.coverage_lines)}`,
    `Drift: ${headlineDrift(gate)}`,
    `Concerns: ${concernCounts(s).critical} critical`,
    `Recommendation: ${recommendation(s, gate)}`,
  ];
}

function driftTable(gate: GateRecord): string[] {
  if (gate.drift.length === 0) return ['_No drift metrics configured._'];
  return table(
    ['Metric', 'Baseline', 'Value', 'Δ vs baseline', 'Within limit'],
    gate.drift.map((d) => [d.metric, d.baseline === null ? '—' : String(d.baseline), String(d.value), d.percent === null ? 'no baseline' : signedPercent(d.percent), d.breach ? '❌ breach' : '✅']),
  );
}

function concernsSection(s: ProjectSnapshot): string[] {
  const counts = concernCounts(s);
  const lines = [
    ...table(
      ['Severity', 'Open'],
      SEVERITY_ORDER.map((sev) => [`${SEVERITY_EMOJI[sev]} ${capitalise(sev)}`, String(counts.bySeverity[sev])]),
    ),
  ];
  const serious = openConcerns(s).filter((c) => c.severity === 'critical');
  if (serious.length > 0) lines.push('', ...serious.map((c) => `- 🔴 ${code(c.id)} ${excerpt(c.summary)} (${actorLabel(s, c.from)} → ${c.to})`));
  return lines;
}

export function renderQaReport(s: ProjectSnapshot): string | null {
  const gate = latestGate(s);
  if (!gate) return null;
  const t = gate.totals;
  const lines = [
    '<!-- Governor export — do not edit; the ledger is the source of truth -->',
    `# QA Report — ${phaseTitle(s, gate.phase)}, iteration ${gate.iteration}`,
    '',
    `_Evaluated ${dateTimeOf(gate.at)} · candidate ${code(gate.candidate)} · event ${code(gate.event_id)}_`,
    '',
    `**Gate:** ${gate.green ? '🟢 green' : '🔴 not green'}  `,
    `**Decision:** ${OUTCOME[gate.outcome]}`,
    '',
  ];
  if (gate.outcome === 'promotion_candidate') lines.push('## Promotion Candidate', '', ...fenced(promotionSummary(s, gate).join('\n')), '');
  lines.push('## Reasons', '', ...(gate.reasons.length > 0 ? gate.reasons.map((r) => `- ${oneLine(r)}`) : ['_All conditions of the merge policy were met._']), '');
  lines.push(
    '## Totals',
    '',
    ...table(['Tests', '✅ Passed', '❌ Failed', '⏭️ Skipped', '🔁 Flaky', 'Pass rate'], [
      [String(t.tests), String(t.passed), String(t.failed), String(t.skipped), String(t.flaky), t.tests > 0 ? percent((t.passed / t.tests) * 100) : 'n/a'],
    ]),
    '',
    '## Coverage',
    '',
    ...table(['Lines', 'Branches'], [[gate.coverage_lines === null ? 'n/a' : percent(gate.coverage_lines), gate.coverage_branches === null ? 'n/a' : percent(gate.coverage_branches)]]),
    '',
    '## Drift',
    '',
    ...driftTable(gate),
    '',
    '## Concerns',
    '',
    ...concernsSection(s),
    '',
    '## Recommendation',
    '',
    recommendation(s, gate),
    '',
  );
  if (gate.report.trim()) lines.push('## Gate Notes', '', normaliseNewlines(gate.report).replace(/\s+$/u, ''), '');
  lines.push(`Evidence: ${link('tests/TEST_RESULTS.md', '')}, ${link('tests/TEST_RESULTS_DETAIL.md', '')}.`);
  if (s.gates.length > 1) {
    lines.push('', '## Earlier Gates', '', ...table(
      ['When', 'Iteration', 'Candidate', 'Outcome', 'Passed / Tests'],
      s.gates.slice(0, -1).reverse().slice(0, 10).map((g) => [dateTimeOf(g.at), String(g.iteration), code(g.candidate.slice(0, 12)), g.outcome, `${g.totals.passed} / ${g.totals.tests}`]),
    ));
  }
  return finish(lines);
}
