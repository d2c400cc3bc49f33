import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sma, smaCrossover } from '../src/strategy/sma-crossover.js';

const barsFrom = (closes) => closes.map((close, i) => ({ date: `2024-01-${String(i + 1).padStart(2, '0')}`, close }));

describe('sma', () => {
  it('is null until the window is full, then the trailing mean', () => {
    assert.deepEqual(sma([1, 2, 3, 4, 5], 3), [null, null, 2, 3, 4]);
  });

  it('with window 1 returns the input', () => {
    assert.deepEqual(sma([3, 1, 4], 1), [3, 1, 4]);
  });

  it('rejects a window that is not a positive integer', () => {
    assert.throws(() => sma([1, 2], 0), RangeError);
    assert.throws(() => sma([1, 2], 2.5), RangeError);
  });
});

describe('smaCrossover', () => {
  it('defaults to fast 10 / slow 30, as in StrategySpec', () => {
    const strategy = smaCrossover();
    assert.equal(strategy.name, 'sma_crossover');
    assert.deepEqual(strategy.params, { fast: 10, slow: 30 });
  });

  it('rejects fast >= slow and non-integer windows', () => {
    assert.throws(() => smaCrossover({ fast: 5, slow: 5 }), RangeError);
    assert.throws(() => smaCrossover({ fast: 0, slow: 3 }), RangeError);
    assert.throws(() => smaCrossover({ fast: 2, slow: 3.5 }), RangeError);
  });

  it('is flat (0) during warm-up', () => {
    const signals = smaCrossover({ fast: 2, slow: 3 }).generate(barsFrom([1, 2, 3, 4]));
    assert.deepEqual(signals.slice(0, 2).map((s) => s.position), [0, 0]);
  });

  it('goes long after a golden cross and flat after a death cross, never short', () => {
    const closes = [10, 10, 10, 11, 12, 13, 12, 10, 8, 7];
    const signals = smaCrossover({ fast: 2, slow: 3 }).generate(barsFrom(closes));
    assert.deepEqual(signals.map((s) => s.position), [0, 0, 0, 1, 1, 1, 1, 0, 0, 0]);
    assert.ok(signals.every((s) => s.position !== -1));
  });

  it('emits one signal per bar, dated like the bar', () => {
    const bars = barsFrom([5, 6, 7, 8, 9]);
    const signals = smaCrossover({ fast: 1, slow: 2 }).generate(bars);
    assert.deepEqual(signals.map((s) => s.date), bars.map((b) => b.date));
  });
});
