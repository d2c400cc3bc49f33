/**
 * The sections of the QA report, built from the latest gate and the snapshot: decision and reasons, each
 * policy condition, tests, coverage, drift against the baseline, reproducibility, compliance, concerns,
 * the manifest, the trend across gates, the gate's notes, the evidence and the human's sign-off.
 */
import type { TestCase } from '../../../../shared/index.ts';
import type { GateRecord, ProjectSnapshot, TestRunRecord } from '../snapshot.ts';
import { SEVERITY_EMOJI, SEVERITY_ORDER, actorLabel, concernCounts, openConcerns } from './facts.ts';
import {
  capitalise,
  dateOf,
  dateTimeOf,
  excerpt,
  normaliseNewlines,
  oneLine,
  percent,
  plural,
  signedPercent,
} from './markdown.ts';
import type { Block, Inline, Section, Span } from './qa-report-model.ts';
import { manifestSection } from './manifest-rows.ts';
import { signOffItems } from './signoff.ts';
import type { TrendPoint } from './trend-chart.ts';

/** Gates in the trend; older ones stay in the ledger and earlier reports. */
const TREND_MAX = 50;
/** Failing cases listed; the detail file has every one. */
const FAILURES_MAX = 50;

const OUTCOME: Record<GateRecord['outcome'], string> = {
  auto_merge: '✅ Auto-merge: the candidate merges into `develop`; agents keep iterating.',
  escalate: '🚨 Escalate: the gate is not green; the human is asked to decide.',
  promotion_candidate: '🚦 Promotion candidate: the phase is ready for the human promotion review.',
};

export const OUTCOME_SHORT: Record<GateRecord['outcome'], string> = {
  auto_merge: '✅ Auto-merge',
  escalate: '🚨 Escalate',
  promotion_candidate: '🚦 Promotion candidate',
};

const BASELINE: Record<GateRecord['baseline'], string> = {
  last_known_good: 'last known good: the metrics of the newest green gate before this one',
  set_by_this_run: 'first run: this run sets the baseline',
  none: 'none: no drift metrics were watched or emitted',
};

type Measured = GateRecord['drift'][number] & { percent: number };

/** The drift entry with the largest movement; ties keep the policy's order. */
function worstDrift(gate: GateRecord): Measured | null {
  const measured = gate.drift.filter((d): d is Measured => d.percent !== null);
  return (
    measured.map((d, i) => ({ d, i })).sort((a, b) => Math.abs(b.d.percent) - Math.abs(a.d.percent) || a.i - b.i)[0]
      ?.d ?? null
  );
}

function headlineDrift(gate: GateRecord): string {
  const worst = worstDrift(gate);
  if (worst) return `${signedPercent(worst.percent)} vs baseline`;
  return gate.drift.length > 0 ? 'n/a (no baseline yet)' : 'n/a (no drift metrics)';
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

/** Met, not met, or not measured: a condition there was nothing to measure with is never shown as met. */
export function conditionResult(c: GateRecord['conditions'][number]): string {
  if (c.status === 'not_measured') return '➖ not measured';
  return c.ok ? '✅ met' : '❌ not met';
}

const pctOrNa = (v: number | null): string => (v === null ? 'n/a' : percent(v));
const passRate = (t: GateRecord['totals']): number | null => (t.tests > 0 ? (t.passed / t.tests) * 100 : null);

/**
 * The drift limit lives in the policy, not in the drift rows; the gate records it in the
 * `drift_max_percent: N` condition, so that is where the report reads it back from.
 */
function driftLimit(gate: GateRecord): number | null {
  for (const c of gate.conditions) {
    const m = /^drift_max_percent:\s*(\d+(?:\.\d+)?)/.exec(c.condition);
    if (m?.[1]) return Number(m[1]);
  }
  return null;
}

/** Every command's newest run against the gate's candidate: the runs the gate judged. */
function runsOfGate(s: ProjectSnapshot, gate: GateRecord): TestRunRecord[] {
  const byName = new Map<string, TestRunRecord>();
  for (const run of s.testRuns)
    if (run.phase === gate.phase && run.result.candidate === gate.candidate) byName.set(run.result.name, run);
  return [...byName.values()].sort((a, b) => s.testRuns.indexOf(a) - s.testRuns.indexOf(b));
}

const caseName = (c: TestCase): string => (c.suite ? `${c.suite} › ${c.name}` : c.name);

function decision(s: ProjectSnapshot, gate: GateRecord): Block[] {
  return [
    { kind: 'para', text: OUTCOME[gate.outcome] },
    { kind: 'para', text: { strong: 'Reasons:' } },
    gate.reasons.length > 0
      ? { kind: 'list', items: gate.reasons.map(oneLine) }
      : { kind: 'note', text: 'All conditions of the merge policy were met.' },
    { kind: 'para', text: [{ strong: 'Recommendation:' }, ` ${recommendation(s, gate)}`] },
  ];
}

function conditions(gate: GateRecord): Block[] {
  if (gate.conditions.length === 0) return [{ kind: 'note', text: 'This gate recorded no per-condition results.' }];
  return [
    {
      kind: 'table',
      headers: ['Policy condition', 'Result', 'Detail'],
      rows: gate.conditions.map((c) => [{ code: c.condition }, conditionResult(c), c.detail]),
    },
  ];
}

function tests(s: ProjectSnapshot, gate: GateRecord): Block[] {
  const t = gate.totals;
  const blocks: Block[] = [
    {
      kind: 'table',
      headers: ['Tests', '✅ Passed', '❌ Failed', '⏭️ Skipped', '🔁 Flaky', 'Pass rate'],
      rows: [
        [String(t.tests), String(t.passed), String(t.failed), String(t.skipped), String(t.flaky), pctOrNa(passRate(t))],
      ],
    },
  ];
  const runs = runsOfGate(s, gate);
  const failed = runs.flatMap((r) =>
    r.result.cases.filter((c) => c.status === 'failed' || c.status === 'error').map((c) => ({ r, c })),
  );
  if (failed.length > 0) {
    const items: Inline[] = failed
      .slice(0, FAILURES_MAX)
      .map(({ r, c }) => [
        `❌ `,
        { code: caseName(c) },
        ` (${r.result.name}, ${c.status})${c.message ? `: ${excerpt(c.message, 200)}` : ''}`,
      ]);
    if (failed.length > FAILURES_MAX)
      items.push([`…and ${failed.length - FAILURES_MAX} more in `, { link: 'tests/TEST_RESULTS_DETAIL.md' }]);
    blocks.push({ kind: 'para', text: { strong: 'Failing cases:' } }, { kind: 'list', items });
  }
  const flaky = runs.flatMap((r) => r.result.cases.filter((c) => c.flaky).map((c) => ({ r, c })));
  if (flaky.length > 0) {
    blocks.push(
      { kind: 'para', text: { strong: 'Flaky cases (passed only after a retry):' } },
      { kind: 'list', items: flaky.map(({ r, c }): Inline => ['🔁 ', { code: caseName(c) }, ` (${r.result.name})`]) },
    );
  }
  if (runs.length === 0 && t.tests > 0)
    blocks.push({ kind: 'note', text: 'The individual runs of this candidate are not in the ledger snapshot.' });
  return blocks;
}

function drift(s: ProjectSnapshot, gate: GateRecord): Block[] {
  let source = BASELINE[gate.baseline];
  if (gate.baseline === 'last_known_good') {
    const index = s.gates.findIndex((g) => g.event_id === gate.event_id);
    const from = s.gates
      .slice(0, index < 0 ? s.gates.length : index)
      .filter((g) => g.green)
      .at(-1);
    if (from) source += ` (iteration ${from.iteration}, ${dateOf(from.at)}, candidate ${from.candidate.slice(0, 12)})`;
  }
  const blocks: Block[] = [{ kind: 'para', text: [{ strong: 'Baseline:' }, ` ${source}.`] }];
  const limit = driftLimit(gate);
  if (gate.drift.length === 0) blocks.push({ kind: 'note', text: 'No drift metrics configured.' });
  else {
    blocks.push({
      kind: 'table',
      headers: ['Metric', 'Baseline', 'Value', 'Drift', 'Max', 'Breach'],
      rows: gate.drift.map((d) => [
        d.metric,
        d.baseline === null ? '—' : String(d.baseline),
        String(d.value),
        d.percent === null ? 'no baseline' : signedPercent(d.percent),
        limit === null ? '—' : `±${percent(limit)}`,
        d.breach ? '❌ breach' : '✅ within',
      ]),
    });
  }
  // Sorted so the line does not depend on the order the tests wrote their metrics JSON in.
  const metrics = Object.keys(gate.metrics).sort();
  if (metrics.length > 0) {
    const spans: Span[] = ['Metrics the tests emitted: '];
    for (const [i, k] of metrics.entries()) spans.push(...(i > 0 ? [', '] : []), { code: k }, ` ${gate.metrics[k]}`);
    blocks.push({ kind: 'para', text: [...spans, gate.green ? ' (these become the next baseline).' : '.'] });
  }
  return blocks;
}

function reproducibility(gate: GateRecord): Block[] {
  const r = gate.reproducibility;
  if (r.runs <= 1 || r.score === null)
    return [{ kind: 'para', text: r.runs === 0 ? 'Not measured.' : `Not measured (${plural(r.runs, 'run')}).` }];
  return [
    {
      kind: 'para',
      text:
        `${r.identical === r.runs ? '✅' : '⚠️'} ${r.runs} runs, ${r.identical} identical: score ` +
        `${percent(r.score)}.`,
    },
  ];
}

function compliance(gate: GateRecord): Block[] {
  const { docs, audit_ids: audit } = gate.compliance;
  const blocks: Block[] =
    docs.length > 0
      ? [
          {
            kind: 'table',
            headers: ['Required doc', 'Updated since the last tag', 'Note'],
            rows: docs.map((d) => [{ code: d.path }, d.updated ? '✅ updated' : '❌ not updated', d.note]),
          },
        ]
      : [{ kind: 'note', text: 'The promotion policy names no required docs.' }];
  const missing: Span[] = audit.missing.flatMap((m, i) => [...(i > 0 ? [', '] : []), { code: m }]);
  blocks.push({
    kind: 'para',
    text: audit.ok
      ? '✅ Audit-IDs: every commit and handoff carries one.'
      : ['❌ Audit-IDs missing on: ', ...(missing.length > 0 ? missing : ['(not listed)'])],
  });
  return blocks;
}

function concerns(s: ProjectSnapshot): Block[] {
  const counts = concernCounts(s);
  const blocks: Block[] = [
    {
      kind: 'table',
      headers: ['Severity', 'Open'],
      rows: SEVERITY_ORDER.map((sev) => [`${SEVERITY_EMOJI[sev]} ${capitalise(sev)}`, String(counts.bySeverity[sev])]),
    },
  ];
  const critical = openConcerns(s).filter((c) => c.severity === 'critical');
  if (critical.length > 0)
    blocks.push({
      kind: 'list',
      items: critical.map(
        (c): Inline => ['🔴 ', { code: c.id }, ` ${excerpt(c.summary)} (${actorLabel(s, c.from)} → ${c.to})`],
      ),
    });
  return blocks;
}

function trend(s: ProjectSnapshot): Block[] {
  const gates = s.gates.slice(-TREND_MAX);
  // Iterations restart with each phase, so the phase joins the label once the trend spans several.
  const onePhase = gates.every((g) => g.phase === gates[0]?.phase);
  const label = (g: GateRecord): string => (onePhase ? `#${g.iteration}` : `P${g.phase} #${g.iteration}`);
  const points = gates.map(
    (g): TrendPoint => ({ label: label(g), coverage: g.coverage_lines, passRate: passRate(g.totals) }),
  );
  const rows = gates.map((g): Inline[] => {
    const worst = worstDrift(g);
    const maxDrift = worst
      ? `${signedPercent(worst.percent)} (${worst.metric})${g.drift.some((d) => d.breach) ? ' ❌' : ''}`
      : '—';
    return [
      String(g.phase),
      String(g.iteration),
      dateTimeOf(g.at),
      pctOrNa(passRate(g.totals)),
      pctOrNa(g.coverage_lines),
      maxDrift,
      OUTCOME_SHORT[g.outcome],
    ];
  });
  const blocks: Block[] = [
    { kind: 'chart', points },
    { kind: 'table', headers: ['Phase', 'Iteration', 'Date', 'Pass rate', 'Coverage', 'Max drift', 'Outcome'], rows },
  ];
  if (s.gates.length > gates.length)
    blocks.push({ kind: 'note', text: `Showing the last ${gates.length} of ${s.gates.length} gates.` });
  return blocks;
}

/** The gate's `report` field sometimes holds only the report's own file name, which is not a note. */
function gateNotes(gate: GateRecord): string | null {
  const text = normaliseNewlines(gate.report).trimEnd();
  return text.trim() === '' || /^[\w./-]+\.(md|html)$/i.test(text.trim()) ? null : text;
}

/** The report's sections for the latest gate, in the order both renderings show them. */
export function gateSections(s: ProjectSnapshot, gate: GateRecord): Section[] {
  const sections: Section[] = [];
  if (gate.outcome === 'promotion_candidate')
    sections.push({
      id: 'promotion',
      title: 'Promotion Candidate',
      blocks: [{ kind: 'pre', text: promotionSummary(s, gate).join('\n') }],
    });
  sections.push(
    { id: 'decision', title: 'Decision', blocks: decision(s, gate) },
    { id: 'conditions', title: 'Conditions', blocks: conditions(gate) },
    { id: 'tests', title: 'Tests', blocks: tests(s, gate) },
    {
      id: 'coverage',
      title: 'Coverage',
      blocks: [
        {
          kind: 'table',
          headers: ['Lines', 'Branches'],
          rows: [[pctOrNa(gate.coverage_lines), pctOrNa(gate.coverage_branches)]],
        },
      ],
    },
    { id: 'drift', title: 'Drift', blocks: drift(s, gate) },
    { id: 'reproducibility', title: 'Reproducibility', blocks: reproducibility(gate) },
    { id: 'compliance', title: 'Compliance', blocks: compliance(gate) },
    { id: 'concerns', title: 'Concerns', blocks: concerns(s) },
    { id: 'manifest', title: 'Manifest', blocks: manifestSection(gate) },
    { id: 'trend', title: 'Trend', blocks: trend(s) },
  );
  const notes = gateNotes(gate);
  if (notes !== null) sections.push({ id: 'notes', title: 'Gate Notes', blocks: [{ kind: 'raw', text: notes }] });
  sections.push({
    id: 'evidence',
    title: 'Evidence',
    blocks: [
      {
        kind: 'list',
        items: [
          { link: 'tests/TEST_RESULTS.md' },
          { link: 'tests/TEST_RESULTS_DETAIL.md' },
          { link: 'QA_REPORT.html' },
        ],
      },
    ],
  });
  // The human's decisions on this gate's evidence (test completion, gate failure, promotion), as they are made.
  const signOffs = signOffItems(s, 'QA_REPORT.md', gate.phase, gate.at);
  const signOffBlock: Block =
    signOffs.length > 0
      ? { kind: 'list', items: signOffs.map((o) => [`${o.text} (${o.kind} `, { code: o.reviewId }, ')']) }
      : { kind: 'note', text: 'No human review of this report yet.' };
  sections.push({ id: 'signoff', title: 'Sign-off', blocks: [signOffBlock] });
  return sections;
}
