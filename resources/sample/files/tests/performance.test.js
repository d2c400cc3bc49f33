import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { maxDrawdown, periodReturns, sharpeRatio, summarize, totalReturn } from '../src/metrics/performance.js';

const curve = (values) => values.map((equity, i) => ({ date: `d${i}`, equity }));
const close = (actual, expected, eps = 1e-9) => assert.ok(Math.abs(actual - expected) < eps, `${actual} != ${expected}`);

describe('performance metrics', () => {
  it('total return is last over first equity, minus one', () => {
    close(totalReturn(curve([100, 80, 125])), 0.25);
    assert.throws(() => totalReturn([]), RangeError);
  });

  it('period returns are simple returns between consecutive points', () => {
    const r = periodReturns(curve([100, 110, 99]));
    close(r[0], 0.1);
    close(r[1], -0.1);
  });

  it('max drawdown is the worst peak-to-trough fall as a positive fraction', () => {
    close(maxDrawdown(curve([100, 120, 90, 130, 65, 140])), 0.5);
    assert.equal(maxDrawdown(curve([1, 2, 3])), 0);
  });

  it('sharpe annualises mean over sample standard deviation', () => {
    // mean 0.005; sample variance 4 * 0.005² / 3 = 0.0001 / 3
    close(sharpeRatio([0, 0.01, 0, 0.01]), (0.005 / Math.sqrt(0.0001 / 3)) * Math.sqrt(252));
    close(sharpeRatio([0.01, -0.01], { periodsPerYear: 1 }), 0);
  });

  it('sharpe subtracts the risk-free rate per period', () => {
    const returns = [0.002, 0.004, 0.001, 0.003];
    assert.ok(sharpeRatio(returns, { riskFreeRate: 0.05 }) < sharpeRatio(returns));
  });

  it('sharpe is 0, not NaN, for flat or too-short series', () => {
    assert.equal(sharpeRatio([0, 0, 0]), 0);
    assert.equal(sharpeRatio([0.01]), 0);
  });

  it('summarize produces the metrics.json shape, rounded for stable reports', () => {
    const m = summarize({ equity_curve: curve([100, 110, 99, 120]), trades: [{}, {}] });
    assert.deepEqual(Object.keys(m).sort(), ['max_drawdown', 'sharpe', 'total_return', 'trades']);
    assert.equal(m.total_return, 0.2);
    assert.equal(m.max_drawdown, 0.1);
    assert.equal(m.trades, 2);
    assert.equal(m.sharpe, Number(m.sharpe.toFixed(6)));
  });
});
