import type { Reader } from '../store/read.ts';

const MAX_ITEMS = 12;
const oneLine = (text: string, max = 300) => {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max)}…` : t;
};
const list = <T>(items: readonly T[], fmt: (x: T) => string): string[] => [
  ...items.slice(-MAX_ITEMS).map((x) => `- ${fmt(x)}`),
  ...(items.length > MAX_ITEMS ? [`- (${items.length - MAX_ITEMS} earlier ones left out)`] : []),
];

/**
 * What the phases before `phase` taught, for the PM planning `phase`: the last QA gate of each, the
 * concerns raised and how they ended, the variations and their decisions, the human's conditions
 * ("approve with conditions") and every comment the human made on a decision. Read from the ledger,
 * so the next plan starts from what happened rather than from the brief alone. Null for phase 1.
 */
export function lessonsFor(read: Reader, phase: number): string | null {
  if (phase <= 1) return null;
  const earlier = (p: number) => p < phase;
  const out: string[] = [];

  const gates = read.gates().filter((g) => earlier(g.phase));
  const lastByPhase = [...new Map(gates.map((g) => [g.phase, g])).values()];
  if (lastByPhase.length) {
    out.push(
      '### QA',
      ...list(lastByPhase, (g) => {
        const cov = g.coverage_lines === null ? 'coverage not measured' : `coverage ${g.coverage_lines.toFixed(1)}%`;
        const failing = g.conditions.filter((c) => !c.ok).map((c) => `${c.condition} (${oneLine(c.detail, 120)})`);
        return `Phase ${g.phase}, iteration ${g.iteration}: ${g.totals.passed}/${g.totals.tests} tests passed, ${g.totals.failed} failed, ${g.totals.flaky} flaky; ${cov}; ${g.green ? 'green' : 'not green'}${failing.length ? `; not met: ${failing.join('; ')}` : ''}`;
      }),
      '',
    );
    const iterations = gates.filter((g) => !g.green).length;
    if (iterations) out.push(`${iterations} gate(s) failed before going green.`, '');
  }

  const concerns = read.concerns().filter((c) => earlier(c.phase));
  if (concerns.length) {
    out.push(
      '### Concerns',
      ...list(
        concerns,
        (c) =>
          `${c.id} (${c.severity}, ${c.category}) from ${c.from}: ${oneLine(c.summary, 160)} — ${c.status}${c.resolution ? `: ${oneLine(c.resolution, 160)}` : ''}`,
      ),
      '',
    );
  }

  const variations = read.variations().filter((v) => earlier(v.phase));
  if (variations.length) {
    out.push(
      '### Variations',
      ...list(
        variations,
        (v) =>
          `#${v.number} ${oneLine(v.title, 120)} (impact ${v.impact}) — ${v.status.replaceAll('_', ' ')}${v.decision_comment ? `: ${oneLine(v.decision_comment, 160)}` : ''}`,
      ),
      '',
    );
  }

  const decided = read.reviews().filter((r) => earlier(r.phase) && r.decision);
  const conditions = decided.filter((r) => r.decision?.decision === 'approve_with_conditions');
  if (conditions.length)
    out.push(
      '### Conditions the human set (carry them into this phase)',
      ...list(conditions, (r) => `${r.title}: ${oneLine(r.decision?.comment ?? '')}`),
      '',
    );
  const comments = decided.filter(
    (r) =>
      r.decision?.decision !== 'approve_with_conditions' && (r.decision?.comment.trim() || r.decision?.inline.length),
  );
  if (comments.length) {
    out.push(
      "### The human's comments",
      ...list(comments, (r) => {
        const d = r.decision;
        const inline = d?.inline.length
          ? ` (on lines: ${d.inline.map((c) => `${c.path}:${c.line} ${oneLine(c.text, 80)}`).join('; ')})`
          : '';
        return `${r.title} — ${d?.decision.replaceAll('_', ' ')}: ${oneLine(d?.comment ?? '')}${inline}`;
      }),
      '',
    );
  }

  const unchanged = read.tasks().filter((t) => earlier(t.phase) && t.status === 'No Change');
  if (unchanged.length)
    out.push(
      '### Tasks that changed nothing',
      ...list(unchanged, (t) => `${t.id} ${oneLine(t.title, 100)} (${t.agent}): ${oneLine(t.commentary, 160)}`),
      '',
    );

  const promoted = read.promotions().filter((p) => earlier(p.phase));
  if (promoted.length) out.push('### Releases', ...promoted.map((p) => `- Phase ${p.phase} promoted as ${p.tag}`), '');
  return out.length ? out.join('\n').trim() : 'Nothing notable was recorded in the earlier phases.';
}
