/** One metric against its last-known-good baseline. */
export interface DriftRow {
  metric: string;
  baseline: number | null;
  value: number;
  /** (value - baseline) / |baseline| × 100; null when there is no baseline or it is zero. */
  percent: number | null;
  breach: boolean;
}

/**
 * Regression drift: each watched metric the tests emitted, compared with the baseline. A metric the
 * tests did not emit is reported by the caller as a problem, not silently skipped.
 */
export function computeDrift(
  metrics: Record<string, number>,
  baseline: Record<string, number> | null,
  watched: readonly string[],
  maxPercent: number,
): DriftRow[] {
  const rows: DriftRow[] = [];
  for (const metric of watched) {
    const value = metrics[metric];
    if (value === undefined) continue;
    const base = baseline?.[metric] ?? null;
    const percent =
      base === null ? null : base === 0 ? (value === 0 ? 0 : null) : ((value - base) / Math.abs(base)) * 100;
    const rounded = percent === null ? null : Math.round(percent * 100) / 100;
    rows.push({
      metric,
      baseline: base,
      value,
      percent: rounded,
      breach: rounded !== null ? Math.abs(rounded) > maxPercent : base === 0 && value !== 0,
    });
  }
  return rows;
}

/** Parse a metrics JSON the tests wrote: a flat object of finite numbers; anything else is named. */
export function parseMetrics(text: string, label: string): { metrics: Record<string, number> } | { problem: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return { problem: `${label} is not valid JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    return { problem: `${label} must be a JSON object of numbers, like {"sharpe": 1.2}` };
  const metrics: Record<string, number> = {};
  for (const [k, v] of Object.entries(data)) if (typeof v === 'number' && Number.isFinite(v)) metrics[k] = v;
  return { metrics };
}
