import { Suspense, lazy } from 'react';
import type { QaTrendPoint } from './useQa.ts';

// chart.js is a fifth of the first-paint bundle and only these two cards draw with it: load it with them.
const TrendChart = lazy(() => import('./TrendChart.tsx').then((m) => ({ default: m.TrendChart })));

/** The QA trend chart, fetched on first use; the same box is held while it loads, so nothing jumps. */
export function LazyTrendChart({ points }: { points: QaTrendPoint[] }) {
  return (
    <Suspense fallback={<div className="qa-chart" aria-busy="true" />}>
      <TrendChart points={points} />
    </Suspense>
  );
}
