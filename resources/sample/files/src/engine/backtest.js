const POSITIONS = new Set([-1, 0, 1]);

/**
 * Runs a strategy over bars that a DataAdapter has already loaded; the engine
 * never reads files itself (DESIGN_SPEC r2).
 *
 * Timing rule: the position decided at the close of bar t-1 earns the
 * close-to-close return of bar t, so a signal can never profit from the bar that
 * produced it.
 *
 * @param {{
 *   bars: {date: string, close: number}[],
 *   strategy: {name: string, params: object, generate: (bars: object[]) => {date: string, position: number}[]},
 *   initialCapital?: number,
 *   feeBps?: number,
 * }} options
 */
export function runBacktest({ bars, strategy, initialCapital = 10_000, feeBps = 0 }) {
  if (!Array.isArray(bars) || bars.length < 2) {
    throw new RangeError('a backtest needs at least two bars');
  }
  if (!(initialCapital > 0) || !(feeBps >= 0)) {
    throw new RangeError('initialCapital must be > 0 and feeBps >= 0');
  }
  const signals = strategy.generate(bars);
  if (signals.length !== bars.length) {
    throw new Error(`strategy ${strategy.name} returned ${signals.length} signals for ${bars.length} bars`);
  }
  signals.forEach((signal, i) => {
    if (!POSITIONS.has(signal.position) || signal.date !== bars[i].date) {
      throw new Error(`invalid signal at ${bars[i].date}: ${JSON.stringify(signal)}`);
    }
  });

  let equity = initialCapital;
  let held = 0;
  let open = null;
  const trades = [];
  const equityCurve = [{ date: bars[0].date, equity }];

  const closeTrade = (bar) => {
    trades.push({
      ...open,
      exit_date: bar.date,
      exit_price: bar.close,
      return: open.side * (bar.close / open.entry_price - 1),
    });
    open = null;
  };

  for (let t = 1; t < bars.length; t++) {
    const decisionBar = bars[t - 1];
    const target = signals[t - 1].position;
    if (target !== held) {
      // Fees scale with turnover: flipping long to short costs twice a plain entry.
      equity -= (equity * Math.abs(target - held) * feeBps) / 10_000;
      if (open) closeTrade(decisionBar);
      if (target !== 0) {
        open = { side: target, entry_date: decisionBar.date, entry_price: decisionBar.close };
      }
      held = target;
    }
    equity *= 1 + held * (bars[t].close / decisionBar.close - 1);
    equityCurve.push({ date: bars[t].date, equity });
  }
  // Marked to the last close so the trade count and the equity curve agree.
  if (open) closeTrade(bars[bars.length - 1]);

  return {
    strategy: { name: strategy.name, params: strategy.params },
    initial_capital: initialCapital,
    fee_bps: feeBps,
    bars: bars.length,
    period: { start: bars[0].date, end: bars[bars.length - 1].date },
    equity_curve: equityCurve,
    trades,
  };
}
