/**
 * Simple moving average; `null` until the window is full so callers cannot
 * mistake a partial average for a real one.
 * @param {number[]} values
 * @param {number} window
 * @returns {(number | null)[]}
 */
export function sma(values, window) {
  if (!Number.isInteger(window) || window < 1) {
    throw new RangeError(`window must be a positive integer, got ${window}`);
  }
  const out = new Array(values.length).fill(null);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    if (i >= window) sum -= values[i - window];
    if (i >= window - 1) out[i] = sum / window;
  }
  return out;
}

/**
 * Long-only SMA crossover. Emits position 0 (flat) during warm-up and whenever the
 * fast average is not above the slow one. The design's Signal names long (1) and
 * short (-1) but is silent on flat; 0 was chosen and raised with the Designer in T5
 * so Phase 2's short-enabled strategies do not read it as "sell".
 * @param {{fast?: number, slow?: number}} [params]
 */
export function smaCrossover({ fast = 10, slow = 30 } = {}) {
  if (!Number.isInteger(fast) || !Number.isInteger(slow) || fast < 1 || slow <= fast) {
    throw new RangeError(`need integers 1 <= fast < slow, got fast=${fast} slow=${slow}`);
  }
  return {
    name: 'sma_crossover',
    params: { fast, slow },
    /** @param {{date: string, close: number}[]} bars */
    generate(bars) {
      const closes = bars.map((bar) => bar.close);
      const fastMa = sma(closes, fast);
      const slowMa = sma(closes, slow);
      return bars.map((bar, i) => ({
        date: bar.date,
        position: fastMa[i] !== null && slowMa[i] !== null && fastMa[i] > slowMa[i] ? 1 : 0,
      }));
    },
  };
}
