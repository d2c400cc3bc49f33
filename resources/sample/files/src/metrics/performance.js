/** Daily bars: the annualisation factor for Sharpe. */
export const TRADING_DAYS = 252;

/** Six decimals keeps reports byte-stable across runs while staying far below any drift threshold. */
const round = (x) => Number(x.toFixed(6));

/** @param {{equity: number}[]} equityCurve */
export function periodReturns(equityCurve) {
  const out = [];
  for (let i = 1; i < equityCurve.length; i++) {
    out.push(equityCurve[i].equity / equityCurve[i - 1].equity - 1);
  }
  return out;
}

/** @param {{equity: number}[]} equityCurve */
export function totalReturn(equityCurve) {
  if (equityCurve.length === 0) throw new RangeError('empty equity curve');
  return equityCurve[equityCurve.length - 1].equity / equityCurve[0].equity - 1;
}

/**
 * Annualised Sharpe ratio from per-period returns (sample standard deviation).
 * A flat series has no risk to reward, so it scores 0 instead of NaN/Infinity,
 * which would poison the drift comparison.
 * @param {number[]} returns
 */
export function sharpeRatio(returns, { periodsPerYear = TRADING_DAYS, riskFreeRate = 0 } = {}) {
  if (returns.length < 2) return 0;
  const rf = riskFreeRate / periodsPerYear;
  const excess = returns.map((r) => r - rf);
  const mean = excess.reduce((a, b) => a + b, 0) / excess.length;
  const variance = excess.reduce((a, r) => a + (r - mean) ** 2, 0) / (excess.length - 1);
  const sd = Math.sqrt(variance);
  if (sd < 1e-12) return 0;
  return (mean / sd) * Math.sqrt(periodsPerYear);
}

/**
 * Largest peak-to-trough fall, as a positive fraction of the peak (0.25 = 25%).
 * @param {{equity: number}[]} equityCurve
 */
export function maxDrawdown(equityCurve) {
  let peak = -Infinity;
  let worst = 0;
  for (const { equity } of equityCurve) {
    peak = Math.max(peak, equity);
    worst = Math.max(worst, (peak - equity) / peak);
  }
  return worst;
}

/**
 * The metrics block of a BacktestResult, in the shape the QA gate reads from
 * reports/metrics.json.
 */
export function summarize(result, options = {}) {
  return {
    total_return: round(totalReturn(result.equity_curve)),
    sharpe: round(sharpeRatio(periodReturns(result.equity_curve), options)),
    max_drawdown: round(maxDrawdown(result.equity_curve)),
    trades: result.trades.length,
  };
}
