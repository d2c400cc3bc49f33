import type { PoliciesFile, QaGate } from '../../../shared/index.ts';
import type { DriftRow } from './drift.ts';

/** Everything the gate measured, in the form the policy talks about. */
export interface Evidence {
  totals: QaGate['totals'];
  /** Reasons the runs themselves cannot be trusted: non-zero exits, missing or malformed results, timeouts. */
  runProblems: string[];
  testsConfigured: number;
  coverageLines: number | null;
  drift: DriftRow[];
  driftProblems: string[];
  reproducibility: QaGate['reproducibility'];
  criticalConcernsOpen: number;
  /** Pending human reviews or variations of high impact (the seed's `impact: high`). */
  highImpactPending: string[];
  docs: QaGate['compliance']['docs'];
  auditIds: QaGate['compliance']['audit_ids'];
}

export interface Verdict {
  green: boolean;
  outcome: QaGate['outcome'];
  reasons: string[];
  conditions: QaGate['conditions'];
}

const pct = (n: number) => `${Math.round(n * 10) / 10}%`;

/**
 * The seed's policy, evaluated: `merge_policy.auto_merge_if` decides whether the candidate may merge,
 * `require_human_if` when the human must be asked, and `promotion_policy` whether the phase is a promotion
 * candidate. Pure, so every condition is unit-tested; every failing condition becomes a reason in words.
 */
export function evaluatePolicy(policy: PoliciesFile, ev: Evidence): Verdict {
  const conditions: Verdict['conditions'] = [];
  const check = (condition: string, ok: boolean, detail: string) => {
    conditions.push({ condition, ok, detail });
    return ok;
  };
  // The runs must be trustworthy before any threshold means anything.
  const trustworthy = check('test commands ran and reported', ev.runProblems.length === 0 && ev.testsConfigured > 0, ev.testsConfigured === 0 ? 'no test command in .project_policies.yaml' : ev.runProblems.join('; ') || `${ev.totals.tests} tests reported`);

  let mergeOk = trustworthy;
  for (const c of policy.merge_policy.auto_merge_if) {
    if ('all_tests_passed' in c && c.all_tests_passed) {
      mergeOk = check('all_tests_passed', ev.totals.failed === 0 && ev.totals.tests > 0, ev.totals.tests === 0 ? 'no tests were reported' : `${ev.totals.passed}/${ev.totals.tests} passed, ${ev.totals.failed} failed${ev.totals.flaky ? `, ${ev.totals.flaky} flaky` : ''}`) && mergeOk;
    } else if ('coverage_min' in c) {
      mergeOk = check(`coverage_min: ${c.coverage_min}`, ev.coverageLines !== null && ev.coverageLines >= c.coverage_min, ev.coverageLines === null ? 'no coverage was measured (set `coverage:` on a test command)' : `line coverage ${pct(ev.coverageLines)}`) && mergeOk;
    } else if ('drift_max_percent' in c) {
      const worst = ev.drift.filter((d) => d.percent !== null).sort((a, b) => Math.abs(b.percent ?? 0) - Math.abs(a.percent ?? 0))[0];
      const breaches = ev.drift.filter((d) => d.breach);
      const detail = ev.driftProblems.length ? ev.driftProblems.join('; ') : breaches.length ? breaches.map((d) => `${d.metric} ${d.percent === null ? 'moved off a zero baseline' : `${d.percent > 0 ? '+' : ''}${d.percent}%`}`).join(', ') : worst ? `largest drift ${worst.metric} ${worst.percent}%` : 'no baseline yet, or no metrics watched';
      mergeOk = check(`drift_max_percent: ${c.drift_max_percent}`, breaches.length === 0 && ev.driftProblems.length === 0, detail) && mergeOk;
    } else if ('reproducibility_min' in c) {
      mergeOk = check(`reproducibility_min: ${c.reproducibility_min}`, ev.reproducibility.score === null || ev.reproducibility.score >= c.reproducibility_min, ev.reproducibility.score === null ? 'not measured (reproducibility_runs: 1)' : `${ev.reproducibility.identical}/${ev.reproducibility.runs} runs identical (${pct(ev.reproducibility.score)})`) && mergeOk;
    } else if ('no_critical_concerns' in c && c.no_critical_concerns) {
      mergeOk = check('no_critical_concerns', ev.criticalConcernsOpen === 0, `${ev.criticalConcernsOpen} critical concern(s) open`) && mergeOk;
    }
  }

  const human: string[] = [];
  let promotion = false;
  for (const c of policy.merge_policy.require_human_if) {
    if ('gate_fail' in c && c.gate_fail && !mergeOk) human.push('gate_fail: the gate did not pass');
    if ('impact' in c && ev.highImpactPending.length > 0) human.push(`impact: ${c.impact}: ${ev.highImpactPending.join('; ')}`);
    if ('drift_breach' in c && c.drift_breach && ev.drift.some((d) => d.breach)) human.push('drift_breach: a watched metric drifted beyond the limit');
    if ('phase_promotion' in c && c.phase_promotion) promotion = true;
  }

  // Promotion readiness (the seed's promotion_policy): only asked when the merge itself is fine.
  const promo = policy.promotion_policy;
  const promoReasons: string[] = [];
  if (promo.e2e_tests_required && !(ev.totals.tests > 0 && trustworthy)) promoReasons.push('e2e_tests_required: no end-to-end results');
  if (ev.reproducibility.score !== null && ev.reproducibility.score < promo.reproducibility_min) promoReasons.push(`reproducibility_min ${promo.reproducibility_min}: measured ${pct(ev.reproducibility.score)}`);
  for (const d of ev.docs) if (!d.updated) promoReasons.push(`docs_required: ${d.path} not updated since the last tag (${d.note})`);
  if (!ev.auditIds.ok) promoReasons.push(`Audit-IDs missing on ${ev.auditIds.missing.join(', ')}`);
  check('promotion_policy', promoReasons.length === 0, promoReasons.join('; ') || 'e2e results, reproducibility, required docs and Audit-IDs in order');

  const failed = conditions.filter((c) => !c.ok && c.condition !== 'promotion_policy').map((c) => `${c.condition}: ${c.detail}`);
  if (!mergeOk) return { green: false, outcome: 'escalate', reasons: [...failed, ...human], conditions };
  // Merge conditions hold but the policy wants the human first: no automatic merge.
  if (human.length > 0) return { green: false, outcome: 'escalate', reasons: human, conditions };
  if (promotion && promoReasons.length === 0) return { green: true, outcome: 'promotion_candidate', reasons: [`all merge conditions hold; phase is a promotion candidate`], conditions };
  return { green: true, outcome: 'auto_merge', reasons: ['all merge conditions hold', ...promoReasons.map((r) => `not yet a promotion candidate: ${r}`)], conditions };
}
