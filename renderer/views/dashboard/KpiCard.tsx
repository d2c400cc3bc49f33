import { LazyTrendChart as TrendChart } from '../qa/LazyTrendChart.tsx';
import type { Loaded, TrendPoints } from './useDashboardData.ts';

const pct = (n: number | null | undefined) => (n === null || n === undefined ? '—' : `${Math.round(n * 10) / 10}%`);

/** Coverage, pass rate and drift across the QA gates so far: the same chart as the QA view, at a glance. */
export function KpiCard({ trends }: { trends: Loaded<TrendPoints> }) {
  const points = trends.data ?? [];
  const last = points.at(-1);
  return (
    <section className="card card-wide" aria-labelledby="kpi-title" data-testid="kpi-card" data-points={points.length}>
      <h2 id="kpi-title">
        Quality across iterations{' '}
        {trends.data && (
          <span className="count">
            {points.length} gate{points.length === 1 ? '' : 's'}
          </span>
        )}
      </h2>
      {trends.error && <p className="card-error">Could not load the QA trend: {trends.error}</p>}
      {trends.data === null && !trends.error ? (
        <p className="muted">Loading…</p>
      ) : points.length === 0 ? (
        <div className="empty" data-testid="kpi-empty">
          <p className="empty-lead">No QA gate has run yet.</p>
          <p>
            This chart fills after the first QA gate: coverage, pass rate and drift against the baseline, one point per
            iteration. The gate runs when the build is done; press Run to move the project on.
          </p>
        </div>
      ) : (
        <>
          {last && (
            <dl className="kpi-latest" data-testid="kpi-latest">
              <div>
                <dt>Coverage</dt>
                <dd data-testid="kpi-coverage">{pct(last.coverage)}</dd>
              </div>
              <div>
                <dt>Pass rate</dt>
                <dd data-testid="kpi-pass-rate">{pct(last.pass_rate)}</dd>
              </div>
              <div>
                <dt>Max drift</dt>
                <dd data-testid="kpi-drift">
                  {last.drift === 'measured' ? pct(last.max_drift) : last.drift === 'no_baseline' ? 'no baseline' : '—'}
                </dd>
              </div>
              <div>
                <dt>Last gate</dt>
                <dd className={last.green ? 'text-ok' : 'text-bad'}>
                  {last.green ? 'green' : 'not green'} · P{last.phase}·i{last.iteration}
                </dd>
              </div>
            </dl>
          )}
          <div className="kpi-chart">
            <TrendChart points={points} />
          </div>
        </>
      )}
    </section>
  );
}
