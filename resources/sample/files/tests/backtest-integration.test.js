import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createCsvAdapter, DEFAULT_PRICES, main, runSpec } from '../src/index.js';

const REPORTS = fileURLToPath(new URL('../reports/', import.meta.url));
const SPEC = { strategy: { name: 'sma_crossover', params: { fast: 10, slow: 30 } }, initial_capital: 10_000, fee_bps: 0 };

describe('end to end on data/prices.csv', () => {
  it('runs the reference StrategySpec and writes reports/metrics.json for the QA gate', async () => {
    const result = await runSpec(SPEC, createCsvAdapter(DEFAULT_PRICES));
    assert.equal(result.bars, 120);
    assert.equal(result.equity_curve.length, 120);
    assert.ok(result.metrics.trades >= 1, 'the reference data must exercise at least one trade');
    for (const key of ['sharpe', 'max_drawdown', 'total_return']) {
      assert.ok(Number.isFinite(result.metrics[key]), `${key} is finite`);
    }
    assert.ok(result.metrics.max_drawdown >= 0 && result.metrics.max_drawdown < 1);

    await mkdir(REPORTS, { recursive: true });
    const { sharpe, max_drawdown, total_return, trades } = result.metrics;
    await writeFile(`${REPORTS}metrics.json`, `${JSON.stringify({ sharpe, max_drawdown, total_return, trades }, null, 2)}\n`);
  });

  it('is reproducible: two runs give identical results', async () => {
    const a = await runSpec(SPEC, createCsvAdapter(DEFAULT_PRICES));
    const b = await runSpec(SPEC, createCsvAdapter(DEFAULT_PRICES));
    assert.deepEqual(a, b);
  });

  it('the CLI prints the same metrics as runSpec', async () => {
    let printed = '';
    const metrics = await main([DEFAULT_PRICES, '10', '30'], (text) => { printed += text; });
    assert.deepEqual(JSON.parse(printed), metrics);
    const direct = await runSpec(SPEC, createCsvAdapter(DEFAULT_PRICES));
    assert.deepEqual(metrics, direct.metrics);
  });

  it('the CLI defaults to the reference data and default parameters', async () => {
    const metrics = await main([], () => {});
    const direct = await runSpec(SPEC, createCsvAdapter(DEFAULT_PRICES));
    assert.deepEqual(metrics, direct.metrics);
  });

  it('refuses a spec naming an unknown strategy', async () => {
    await assert.rejects(runSpec({ strategy: { name: 'momentum' } }, createCsvAdapter(DEFAULT_PRICES)), /unknown strategy "momentum"/);
  });
});
