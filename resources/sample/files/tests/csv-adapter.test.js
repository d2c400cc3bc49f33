import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { createCsvAdapter, DataError, loadCsv, parseCsv } from '../src/data/csv-adapter.js';

const PRICES = fileURLToPath(new URL('../data/prices.csv', import.meta.url));
const MINI = fileURLToPath(new URL('./fixtures/mini.csv', import.meta.url));
const HEADER = 'date,open,high,low,close,volume';

describe('csv-adapter', () => {
  it('parses bars into numbers and ignores extra columns', async () => {
    const bars = await loadCsv(MINI);
    assert.deepEqual(bars[0], { date: '2024-03-01', open: 10, high: 10.6, low: 9.9, close: 10.5, volume: 1200 });
    assert.equal(bars.length, 3);
    assert.equal('adj_close' in bars[0], false);
  });

  it('loads the reference data set: 120 strictly increasing trading days', async () => {
    const bars = await loadCsv(PRICES);
    assert.equal(bars.length, 120);
    assert.equal(bars[0].date, '2024-01-02');
    for (let i = 1; i < bars.length; i++) assert.ok(bars[i].date > bars[i - 1].date);
  });

  it('exposes the DataAdapter contract the engine depends on', async () => {
    const adapter = createCsvAdapter(MINI);
    assert.equal(adapter.name, 'csv');
    assert.equal(typeof adapter.load, 'function');
    assert.equal((await adapter.load()).length, 3);
  });

  it('accepts CRLF line endings and trailing blank lines', () => {
    const bars = parseCsv(`${HEADER}\r\n2024-01-02,1,2,0.5,1.5,10\r\n\r\n`);
    assert.equal(bars.length, 1);
  });

  const rejects = [
    ['a missing column', 'date,open,high,low,close\n2024-01-02,1,2,0.5,1.5', /missing column\(s\): volume/],
    ['a non-numeric price', `${HEADER}\n2024-01-02,1,2,0.5,abc,10`, /line 2: close "abc" is not a number/],
    ['an empty cell', `${HEADER}\n2024-01-02,1,2,0.5,,10`, /line 2: close "" is not a number/],
    ['a malformed date', `${HEADER}\n02/01/2024,1,2,0.5,1.5,10`, /line 2: date "02\/01\/2024"/],
    ['a short row', `${HEADER}\n2024-01-02,1,2,0.5,1.5`, /line 2: expected 6 fields, found 5/],
    ['out-of-order dates', `${HEADER}\n2024-01-03,1,2,0.5,1.5,10\n2024-01-02,1,2,0.5,1.5,10`, /line 3: date 2024-01-02 is not after 2024-01-03/],
    ['a duplicated date', `${HEADER}\n2024-01-02,1,2,0.5,1.5,10\n2024-01-02,1,2,0.5,1.5,10`, /line 3/],
    ['a high below the close', `${HEADER}\n2024-01-02,1,1.2,0.5,1.5,10`, /line 2: inconsistent OHLC/],
    ['a file without rows', `${HEADER}\n`, /no price rows/],
  ];
  for (const [name, text, message] of rejects) {
    it(`rejects ${name}`, () => {
      assert.throws(() => parseCsv(text), (error) => error instanceof DataError && message.test(error.message));
    });
  }

  it('reports the line of the defect on the error', () => {
    try {
      parseCsv(`${HEADER}\n2024-01-02,1,2,0.5,1.5,10\n2024-01-03,x,2,0.5,1.5,10`);
      assert.fail('expected a DataError');
    } catch (error) {
      assert.equal(error.line, 3);
    }
  });
});
