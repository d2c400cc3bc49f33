import { readFile } from 'node:fs/promises';

/**
 * Columns every price file must carry. Extra columns are ignored so that vendor
 * exports load without a preprocessing step.
 */
export const REQUIRED_COLUMNS = ['date', 'open', 'high', 'low', 'close', 'volume'];

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Raised for any defect in the input, with the 1-based line so the file can be fixed by hand. */
export class DataError extends Error {
  constructor(message, line = null) {
    super(line === null ? message : `line ${line}: ${message}`);
    this.name = 'DataError';
    this.line = line;
  }
}

/**
 * Parses daily OHLCV bars. Rejects rather than repairs: a silently skipped or
 * reordered row would change every downstream metric without anyone noticing.
 * @param {string} text
 * @returns {{date: string, open: number, high: number, low: number, close: number, volume: number}[]}
 */
export function parseCsv(text) {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((cell) => cell.trim().toLowerCase());
  const missing = REQUIRED_COLUMNS.filter((column) => !header.includes(column));
  if (missing.length > 0) {
    throw new DataError(`missing column(s): ${missing.join(', ')}`, 1);
  }
  const index = Object.fromEntries(REQUIRED_COLUMNS.map((column) => [column, header.indexOf(column)]));

  const bars = [];
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw === '') continue;
    const line = i + 1;
    const cells = raw.split(',').map((cell) => cell.trim());
    if (cells.length !== header.length) {
      throw new DataError(`expected ${header.length} fields, found ${cells.length}`, line);
    }
    const date = cells[index.date];
    if (!ISO_DATE.test(date)) {
      throw new DataError(`date "${date}" is not YYYY-MM-DD`, line);
    }
    const bar = { date };
    for (const column of REQUIRED_COLUMNS.slice(1)) {
      const value = Number(cells[index[column]]);
      if (cells[index[column]] === '' || !Number.isFinite(value)) {
        throw new DataError(`${column} "${cells[index[column]]}" is not a number`, line);
      }
      bar[column] = value;
    }
    if (bar.high < Math.max(bar.open, bar.close) || bar.low > Math.min(bar.open, bar.close) || bar.low <= 0) {
      throw new DataError('inconsistent OHLC values', line);
    }
    const previous = bars[bars.length - 1];
    // ISO dates sort lexicographically, so a string compare is enough.
    if (previous && date <= previous.date) {
      throw new DataError(`date ${date} is not after ${previous.date}`, line);
    }
    bars.push(bar);
  }
  if (bars.length === 0) {
    throw new DataError('no price rows');
  }
  return bars;
}

/** @param {string | URL} path */
export async function loadCsv(path) {
  return parseCsv(await readFile(path, 'utf8'));
}

/**
 * The DataAdapter contract (DESIGN_SPEC r2): the engine only ever calls `load()`,
 * so a columnar source can replace this one without touching the engine.
 * @param {string | URL} path
 */
export function createCsvAdapter(path) {
  return {
    name: 'csv',
    source: String(path),
    load: () => loadCsv(path),
  };
}
