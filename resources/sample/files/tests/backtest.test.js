import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runBacktest } from '../src/engine/backtest.js';

const barsFrom = (closes) => closes.map((close, i) => ({ date: `2024-02-${String(i + 1).padStart(2, '0')}`, close }));

/** A strategy that replays fixed positions, so expected equity can be worked out by hand. */
const scripted = (positions) => ({
  name: 'fixed',
  params: {},
  generate: (bars) => positions.map((position, i) => ({ date: bars[i].date, position })),
});

describe('runBacktest', () => {
  it('compounds the close-to-close return of the position held', () => {
    const result = runBacktest({ bars: barsFrom([100, 110, 121, 110]), strategy: scripted([1, 1, 0, 0]), initialCapital: 1000 });
    const equity = result.equity_curve.map((p) => Math.round(p.equity * 100) / 100);
    assert.deepEqual(equity, [1000, 1100, 1210, 1210]);
    assert.equal(result.trades.length, 1);
    assert.deepEqual(result.period, { start: '2024-02-01', end: '2024-02-04' });
  });

  it('does not let a signal profit from the bar that produced it', () => {
    // Long only on the last bar: there is no later bar to earn a return on.
    const result = runBacktest({ bars: barsFrom([100, 200, 400]), strategy: scripted([0, 0, 1]) });
    assert.equal(result.equity_curve.at(-1).equity, 10_000);
    assert.equal(result.trades.length, 0);
  });

  it('records round trips with entry, exit and return', () => {
    const result = runBacktest({ bars: barsFrom([100, 110, 99, 90, 95]), strategy: scripted([1, 0, 0, 1, 1]) });
    assert.equal(result.trades.length, 2);
    assert.deepEqual(result.trades[0], {
      side: 1, entry_date: '2024-02-01', entry_price: 100, exit_date: '2024-02-02', exit_price: 110, return: 0.10000000000000009,
    });
    // The trade still open at the end is marked to the last close.
    assert.equal(result.trades[1].exit_date, '2024-02-05');
    assert.ok(Math.abs(result.trades[1].return - (95 / 90 - 1)) < 1e-12);
  });

  it('profits from a falling market when short', () => {
    const result = runBacktest({ bars: barsFrom([100, 90]), strategy: scripted([-1, -1]), initialCapital: 1000 });
    assert.ok(Math.abs(result.equity_curve[1].equity - 1100) < 1e-9);
    assert.equal(result.trades[0].side, -1);
  });

  it('charges fees in basis points of equity per unit of turnover', () => {
    const flat = runBacktest({ bars: barsFrom([100, 100, 100]), strategy: scripted([1, -1, -1]), initialCapital: 10_000, feeBps: 10 });
    // Entry (turnover 1) then a flip long→short (turnover 2): 10 bps, then 20 bps.
    const expected = 10_000 * (1 - 0.001) * (1 - 0.002);
    assert.ok(Math.abs(flat.equity_curve.at(-1).equity - expected) < 1e-9);
  });

  it('rejects malformed input instead of guessing', () => {
    const bars = barsFrom([1, 2, 3]);
    assert.throws(() => runBacktest({ bars: barsFrom([1]), strategy: scripted([0]) }), RangeError);
    assert.throws(() => runBacktest({ bars, strategy: scripted([0, 0, 0]), initialCapital: 0 }), RangeError);
    assert.throws(() => runBacktest({ bars, strategy: scripted([0, 0]) }), /returned 2 signals for 3 bars/);
    assert.throws(() => runBacktest({ bars, strategy: scripted([0, 2, 0]) }), /invalid signal at 2024-02-02/);
  });
});
