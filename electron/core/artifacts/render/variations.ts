/**
 * `docs/PROJECT_VARIATIONS.md`: one entry per variation, the five-line block exactly as the seed
 * writes it, followed by the impact summary the seed asks the human to weigh.
 */
import type { Variation } from '../../../../shared/index.ts';
import type { ProjectSnapshot } from '../snapshot.ts';
import { actorLabel } from './facts.ts';
import { capitalise, dateOf, finish, oneLine } from './markdown.ts';

const PENDING = 'Pending human review';

/** `Approved — <comment>`; the seed's wording is free text, so the status leads and the comment follows. */
const DECISION_WORDS: Record<Variation['status'], string> = {
  proposed: PENDING,
  approved: 'Approved',
  approved_with_conditions: 'Conditional approval',
  deferred: 'Deferred',
  rejected: 'Rejected',
  accepted_by_policy: 'Accepted by policy (below the human-review threshold)',
};

function decisionText(v: Variation): string {
  if (v.status === 'proposed') return PENDING;
  const comment = v.decision_comment ? oneLine(v.decision_comment) : '';
  const words = DECISION_WORDS[v.status];
  if (!comment) return `${words}.`;
  // `Conditional approval pending benchmark parity tests.` reads on; other statuses take a dash.
  const joined = v.status === 'approved_with_conditions' ? `${words}: ${comment}` : `${words} — ${comment}`;
  return /[.!?]$/.test(joined) ? joined : `${joined}.`;
}

function reviewedBy(v: Variation): string {
  if (v.status === 'proposed') return PENDING;
  const who = v.reviewed_by ?? (v.status === 'accepted_by_policy' ? 'Policy' : 'Human');
  return v.decided_at ? `${who}, ${dateOf(v.decided_at)}` : who;
}

function impactText(v: Variation): string {
  const areas = v.impact_areas.map(oneLine).filter(Boolean);
  return areas.length > 0 ? `${capitalise(v.impact)} (${areas.join(', ')})` : capitalise(v.impact);
}

/** One entry; trailing double spaces are the seed's hard line breaks. */
export function variationEntry(s: ProjectSnapshot, v: Variation): string[] {
  const rationale = oneLine(v.rationale);
  const lines = [
    `## Variation #${v.number} — ${oneLine(v.title)}`,
    `**Proposed by:** ${actorLabel(s, v.proposed_by)}  `,
    `**Impact:** ${impactText(v)}  `,
    `**Rationale:** ${/[.!?]$/.test(rationale) ? rationale : `${rationale}.`}  `,
    `**Decision:** ${decisionText(v)}  `,
    `**Reviewed by:** ${reviewedBy(v)}`,
  ];
  const extra: string[] = [];
  if (v.affected_modules.length > 0)
    extra.push(`- Affected modules: ${v.affected_modules.map((m) => `\`${oneLine(m)}\``).join(', ')}`);
  if (v.risk.trim()) extra.push(`- Risk: ${oneLine(v.risk)}`);
  if (v.estimated_rework.trim()) extra.push(`- Estimated rework: ${oneLine(v.estimated_rework)}`);
  extra.push(`- Proposed: ${dateOf(v.proposed_at)}, Phase ${v.phase}`);
  return [...lines, '', ...extra];
}

export function renderVariations(s: ProjectSnapshot): string {
  const entries = s.variations
    .map((v, i) => ({ v, i }))
    .sort((a, b) => a.v.number - b.v.number || a.i - b.i)
    .map((p) => p.v);
  const pending = entries.filter((v) => v.status === 'proposed').length;
  const lines = [
    '<!-- Governor export — do not edit; the ledger is the source of truth -->',
    `# ${oneLine(s.name)} — Project Variations`,
    '',
    'Proposed changes of scope, architecture or expected outcomes. High-impact variations always go to the ' +
      'human; lower impact follows `.project_policies.yaml`.',
    '',
  ];
  if (entries.length === 0) {
    lines.push('_No variations proposed yet._');
    return finish(lines);
  }
  lines.push(`${entries.length} logged, ${pending} pending human review.`, '');
  for (const v of entries) lines.push(...variationEntry(s, v), '');
  return finish(lines);
}
