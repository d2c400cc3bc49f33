import type { Review } from '../../../../shared/index.ts';
import type { ProjectSnapshot } from '../snapshot.ts';
import { cell, code, compareTs, dateOf, excerpt, finish, percent, plural, table } from './markdown.ts';

/** The last phase of the roadmap, once it has reached its promotion review: the project's final report exists. */
export function isFinalPhase(s: ProjectSnapshot): boolean {
  const last = Math.max(0, ...s.roadmap.map((r) => r.number));
  return (
    last > 0 && s.phase === last && (s.stage === 'promotion_review' || s.stage === 'promoted' || s.stage === 'released')
  );
}

/** The tag prefix the promotions use (`v` in `v0.2.0`); `v` before the first one. */
function tagPrefix(s: ProjectSnapshot): string {
  const first = s.promotions[0]?.tag;
  return first ? first.replace(/0\.\d+\.0$/, '') : 'v';
}

const DECISION_WORDS: Record<string, string> = {
  approve: 'approved',
  approve_with_conditions: 'approved with conditions',
  request_changes: 'changes requested',
  request_clarification: 'clarification requested',
  defer: 'deferred',
  reject: 'rejected',
};

/**
 * FINAL_REPORT.md: what the project delivered across its phases, rendered once the last phase of the
 * roadmap reaches its promotion review, so the human reads it before approving the release, and the
 * promotion commits it into main and the release tag.
 *
 * It only shows facts settled by the time the last promotion is decided (gates, decisions, concerns and
 * variations up to that decision; every phase's tag by the policy's scheme), so the file the release
 * commits is the file the ledger renders afterwards: main stays clean.
 */
export function renderFinalReport(s: ProjectSnapshot): string | null {
  if (!isFinalPhase(s)) return null;
  const last = s.phase;
  const prefix = tagPrefix(s);
  const finalReview: Review | undefined = s.reviews.filter((r) => r.kind === 'promotion' && r.phase === last).at(-1);
  const decision = finalReview?.decision ?? null;
  const cutoff = decision?.timestamp ?? null;
  const settled = (ts: string) => cutoff === null || compareTs(ts, cutoff) <= 0;

  const head = [
    '<!-- Governor export — do not edit; the ledger is the source of truth -->',
    `# Final Report — ${s.name}`,
    '',
    decision
      ? `✅ Release approved by ${decision.reviewed_by} ${dateOf(decision.timestamp)} ` +
        `(${finalReview?.id})${decision.comment ? ` — ${excerpt(decision.comment, 200)}` : ''}`
      : `_Draft: the release waits on the human's promotion review of phase ` +
        `${last}${finalReview ? ` (${finalReview.id})` : ''}._`,
    '',
    `Release tag: ${code(`${prefix}1.0.0`)} on main, with the promotion of phase ${last} ` +
      `(${code(`${prefix}0.${last}.0`)}).`,
    '',
    '## Brief',
    '',
    s.brief.trim(),
    '',
  ];

  const gatesOf = (phase: number) => s.gates.filter((g) => g.phase === phase && settled(g.at));
  const phases = table(
    ['Phase', 'Name', 'Goal', 'Tag', 'Tests', 'Coverage', 'QA gates'],
    s.roadmap.map((r) => {
      const gates = gatesOf(r.number);
      const g = gates.at(-1);
      const tests = g
        ? `${g.totals.passed}/${g.totals.tests} passed${g.totals.failed ? `, ${g.totals.failed} failed` : ''}`
        : 'no gate';
      const iterations = gates.length ? `${gates.length} (${gates.filter((x) => x.green).length} green)` : '—';
      return [
        String(r.number),
        cell(r.name),
        cell(excerpt(r.goal, 120)),
        code(`${prefix}0.${r.number}.0`),
        tests,
        g?.coverage_lines == null ? 'not measured' : percent(g.coverage_lines),
        iterations,
      ];
    }),
  );

  const decided = s.reviews.filter((r) => r.decision && settled(r.decision.timestamp));
  const counts = new Map<string, number>();
  for (const r of decided) counts.set(r.decision?.decision ?? '', (counts.get(r.decision?.decision ?? '') ?? 0) + 1);
  const conditions = decided.filter((r) => r.decision?.decision === 'approve_with_conditions');
  const decisions = [
    `${plural(decided.length, 'review')} decided: ` +
      `${[...counts].map(([d, n]) => `${n} ${DECISION_WORDS[d] ?? d}`).join(', ') || 'none'}.`,
    '',
    ...(conditions.length
      ? [
          'Conditions the human set:',
          '',
          ...conditions.map((r) => `- Phase ${r.phase}, ${r.title}: ${excerpt(r.decision?.comment ?? '', 240)}`),
        ]
      : ['No approval carried conditions.']),
  ];

  const concerns = s.concerns.filter((c) => settled(c.timestamp));
  // As they stood at the decision: one settled after it counts as open then, so the text never changes later.
  const open = concerns.filter((c) => c.status !== 'resolved' || !settled(c.updated_at));
  const concernLines = [
    `${plural(concerns.length, 'concern')} raised, ${concerns.length - open.length} resolved, ` +
      `${open.length} still open.`,
    ...(open.length ? ['', ...open.map((c) => `- ${code(c.id)} (${c.severity}) ${excerpt(c.summary, 160)}`)] : []),
  ];

  const variations = s.variations.filter((v) => settled(v.proposed_at));
  const variationLines = variations.length
    ? variations.map(
        (v) =>
          `- #${v.number} ${excerpt(v.title, 120)} (phase ${v.phase}, impact ${v.impact}): ` +
          `${v.status.replaceAll('_', ' ')}`,
      )
    : ['No variations were proposed.'];

  const kpis = s.kpis.length
    ? table(
        ['KPI', 'Target', 'Last measured'],
        s.kpis.map((k) => [cell(k.name), cell(k.target), cell(k.current ?? '—')]),
      )
    : ['No KPIs were set.'];

  return finish([
    ...head,
    '## Phases',
    '',
    ...phases,
    '',
    '## Decisions',
    '',
    ...decisions,
    '',
    '## Concerns',
    '',
    ...concernLines,
    '',
    '## Variations',
    '',
    ...variationLines,
    '',
    '## KPIs',
    '',
    ...kpis,
  ]);
}
