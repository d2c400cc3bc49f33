import type { PoliciesFile, QaGate } from '../../../shared/index.ts';
import type { DriftRow } from './drift.ts';

/** Everything the gate measured, in the form the policy talks about. */
export interface Evidence {
  totals: QaGate['totals'];
  /** Reasons the runs themselves cannot be trusted: non-zero exits, missing or malformed results, timeouts. */
  runProblems: string[];
  testsConfigured: number;
  /** Each test command's own results, by its `name` in the policy (the e2e suite is one of them). */
  suites: Array<{ name: string; tests: number; failed: number; trusted: boolean }>;
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
    conditions.push({ condition, ok, detail, status: ok ? 'met' : 'not_met' });
    return ok;
  };
  /** Nothing to measure it with: it does not block on its own, and it is never reported as met. */
  const unmeasured = (condition: string, detail: string) => {
    conditions.push({ condition, ok: true, detail, status: 'not_measured' });
    return true;
  };
  // The runs must be trustworthy before any threshold means anything.
  const trustworthy = check(
    'test commands ran and reported',
    ev.runProblems.length === 0 && ev.testsConfigured > 0,
    ev.testsConfigured === 0
      ? 'no test command in .project_policies.yaml'
      : ev.runProblems.join('; ') || `${ev.totals.tests} tests reported`,
  );

  let mergeOk = trustworthy;
  for (const c of policy.merge_policy.auto_merge_if) {
    if ('all_tests_passed' in c && c.all_tests_passed) {
      mergeOk =
        check(
          'all_tests_passed',
          ev.totals.failed === 0 && ev.totals.tests > 0,
          ev.totals.tests === 0
            ? 'no tests were reported'
            : `${ev.totals.passed}/${ev.totals.tests} passed, ${ev.totals.failed} ` +
                `failed${ev.totals.flaky ? `, ${ev.totals.flaky} flaky` : ''}`,
        ) && mergeOk;
    } else if ('coverage_min' in c) {
      mergeOk =
        check(
          `coverage_min: ${c.coverage_min}`,
          ev.coverageLines !== null && ev.coverageLines >= c.coverage_min,
          ev.coverageLines === null
            ? 'no coverage was measured (set `coverage:` on a test command)'
            : `line coverage ${pct(ev.coverageLines)}`,
        ) && mergeOk;
    } else if ('drift_max_percent' in c) {
      const worst = ev.drift
        .filter((d) => d.percent !== null)
        .sort((a, b) => Math.abs(b.percent ?? 0) - Math.abs(a.percent ?? 0))[0];
      const breaches = ev.drift.filter((d) => d.breach);
      const name = `drift_max_percent: ${c.drift_max_percent}`;
      if (!ev.driftProblems.length && !breaches.length && !worst) {
        // No baseline to compare with (the first green gate sets it), or no metric watched: no drift was measured.
        unmeasured(
          name,
          ev.drift.length > 0
            ? 'no baseline yet: this run sets it'
            : 'no metrics watched (drift.metrics in the policy)',
        );
        continue;
      }
      const detail = ev.driftProblems.length
        ? ev.driftProblems.join('; ')
        : breaches.length
          ? breaches
              .map(
                (d) =>
                  `${d.metric} ` +
                  `${d.percent === null ? 'moved off a zero baseline' : `${d.percent > 0 ? '+' : ''}${d.percent}%`}`,
              )
              .join(', ')
          : `largest drift ${worst?.metric} ${worst?.percent}%`;
      mergeOk = check(name, breaches.length === 0 && ev.driftProblems.length === 0, detail) && mergeOk;
    } else if ('reproducibility_min' in c) {
      const name = `reproducibility_min: ${c.reproducibility_min}`;
      if (ev.reproducibility.score === null)
        unmeasured(name, 'not measured: set reproducibility_runs to 2 or more to measure it');
      else
        mergeOk =
          check(
            name,
            ev.reproducibility.score >= c.reproducibility_min,
            `${ev.reproducibility.identical}/${ev.reproducibility.runs} runs identical ` +
              `(${pct(ev.reproducibility.score)})`,
          ) && mergeOk;
    } else if ('no_critical_concerns' in c && c.no_critical_concerns) {
      mergeOk =
        check(
          'no_critical_concerns',
          ev.criticalConcernsOpen === 0,
          `${ev.criticalConcernsOpen} critical concern(s) open`,
        ) && mergeOk;
    }
  }

  const human: string[] = [];
  let promotion = false;
  for (const c of policy.merge_policy.require_human_if) {
    if ('gate_fail' in c && c.gate_fail && !mergeOk) human.push('gate_fail: the gate did not pass');
    if ('impact' in c && ev.highImpactPending.length > 0)
      human.push(`impact: ${c.impact}: ${ev.highImpactPending.join('; ')}`);
    if ('drift_breach' in c && c.drift_breach && ev.drift.some((d) => d.breach))
      human.push('drift_breach: a watched metric drifted beyond the limit');
    if ('phase_promotion' in c && c.phase_promotion) promotion = true;
  }

  // Promotion readiness (the seed's promotion_policy): only asked when the merge itself is fine.
  const promo = policy.promotion_policy;
  const promoReasons: string[] = [];
  const promoUnmeasured: string[] = [];
  if (promo.e2e_tests_required) {
    // Only the suite the policy names as end-to-end counts: unit tests are not end-to-end results.
    const e2e = ev.suites.find((x) => x.name === promo.e2e_suite);
    if (!e2e)
      promoReasons.push(
        `e2e_tests_required: no test command named "${promo.e2e_suite}" under tests: (add the end-to-end ` +
          `suite, or name it in promotion_policy.e2e_suite)`,
      );
    else if (e2e.failed > 0)
      promoReasons.push(`e2e_tests_required: ${e2e.failed} of ${e2e.tests} ${e2e.name} tests failed`);
    else if (!e2e.trusted) promoReasons.push(`e2e_tests_required: the ${e2e.name} suite's results cannot be trusted`);
    else if (e2e.tests === 0) promoReasons.push(`e2e_tests_required: the ${e2e.name} suite ran no tests`);
  }
  if (ev.reproducibility.score === null)
    promoUnmeasured.push(
      `reproducibility not measured (reproducibility_min ${promo.reproducibility_min} needs reproducibility_runs ≥ 2)`,
    );
  else if (ev.reproducibility.score < promo.reproducibility_min)
    promoReasons.push(`reproducibility_min ${promo.reproducibility_min}: measured ${pct(ev.reproducibility.score)}`);
  for (const d of ev.docs)
    if (!d.updated) promoReasons.push(`docs_required: ${d.path} not updated since the last tag (${d.note})`);
  if (!ev.auditIds.ok) promoReasons.push(`Audit-IDs missing on ${ev.auditIds.missing.join(', ')}`);
  if (promoReasons.length === 0 && promoUnmeasured.length > 0)
    unmeasured('promotion_policy', `in order, except: ${promoUnmeasured.join('; ')}`);
  else
    check(
      'promotion_policy',
      promoReasons.length === 0,
      promoReasons.join('; ') || 'e2e results, reproducibility, required docs and Audit-IDs in order',
    );

  const failed = conditions
    .filter((c) => !c.ok && c.condition !== 'promotion_policy')
    .map((c) => `${c.condition}: ${c.detail}`);
  if (!mergeOk) return { green: false, outcome: 'escalate', reasons: [...failed, ...human], conditions };
  // Merge conditions hold but the policy wants the human first: no automatic merge.
  if (human.length > 0) return { green: false, outcome: 'escalate', reasons: human, conditions };
  const notMeasured = conditions
    .filter((c) => c.status === 'not_measured' && c.condition !== 'promotion_policy')
    .map((c) => `not measured: ${c.condition} (${c.detail})`);
  const held = notMeasured.length ? 'all measured merge conditions hold' : 'all merge conditions hold';
  if (promotion && promoReasons.length === 0)
    return {
      green: true,
      outcome: 'promotion_candidate',
      reasons: [`${held}; phase is a promotion candidate`, ...notMeasured],
      conditions,
    };
  return {
    green: true,
    outcome: 'auto_merge',
    reasons: [held, ...notMeasured, ...promoReasons.map((r) => `not yet a promotion candidate: ${r}`)],
    conditions,
  };
}
