import { fileURLToPath, pathToFileURL } from 'node:url';
import { createCsvAdapter } from './data/csv-adapter.js';
import { smaCrossover } from './strategy/sma-crossover.js';
import { runBacktest } from './engine/backtest.js';
import { summarize } from './metrics/performance.js';

export { createCsvAdapter, loadCsv, parseCsv, DataError, REQUIRED_COLUMNS } from './data/csv-adapter.js';
export { sma, smaCrossover } from './strategy/sma-crossover.js';
export { runBacktest } from './engine/backtest.js';
export { periodReturns, totalReturn, sharpeRatio, maxDrawdown, summarize } from './metrics/performance.js';

/** Strategies a StrategySpec may name; Phase 2's optimizer enumerates this table. */
export const STRATEGIES = { sma_crossover: smaCrossover };

export const DEFAULT_PRICES = fileURLToPath(new URL('../data/prices.csv', import.meta.url));

/**
 * Runs one StrategySpec against a DataAdapter and returns a BacktestResult
 * (DESIGN_SPEC r2 §4).
 * @param {{strategy: {name: string, params?: object}, initial_capital?: number, fee_bps?: number}} spec
 * @param {{load: () => Promise<object[]>}} adapter
 */
export async function runSpec(spec, adapter) {
  const factory = STRATEGIES[spec.strategy?.name];
  if (!factory) {
    throw new Error(`unknown strategy "${spec.strategy?.name}"; known: ${Object.keys(STRATEGIES).join(', ')}`);
  }
  const bars = await adapter.load();
  const result = runBacktest({
    bars,
    strategy: factory(spec.strategy.params ?? {}),
    initialCapital: spec.initial_capital ?? 10_000,
    feeBps: spec.fee_bps ?? 0,
  });
  return { ...result, metrics: summarize(result) };
}

/**
 * CLI: `node src/index.js [prices.csv] [fast] [slow]` prints the metrics as JSON.
 * Takes its output sink as a parameter so tests can call it in-process.
 */
export async function main(argv = process.argv.slice(2), write = (text) => process.stdout.write(text)) {
  const [path = DEFAULT_PRICES, fast, slow] = argv;
  const params = {};
  if (fast !== undefined) params.fast = Number(fast);
  if (slow !== undefined) params.slow = Number(slow);
  const result = await runSpec({ strategy: { name: 'sma_crossover', params } }, createCsvAdapter(path));
  write(`${JSON.stringify(result.metrics, null, 2)}\n`);
  return result.metrics;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error(error.message);
    process.exitCode = 1;
  });
}
