import { parseCoverageFile } from '../electron/core/qa/coverage.ts';
import { parseJUnitFiles } from '../electron/core/qa/junit.ts';
import type { ChildReport } from './qa.bench.ts';
import { digestCoverage, digestJUnit } from './qa-reports.ts';

/**
 * Parses one report once and prints its memory figures as JSON: spawned by bench/qa.bench.ts so the
 * parse runs in a process with nothing else in it. The parsers are imported statically, so the
 * baseline already includes their modules (and tsx's compile of them), as the brief of the figure says.
 * Usage: node --expose-gc bin/run-ts.mjs bench/qa-parse-child.ts junit|lcov <file>
 */
const [kind, file] = process.argv.slice(2);
if ((kind !== 'junit' && kind !== 'lcov') || file === undefined) {
  console.error('usage: qa-parse-child.ts junit|lcov <file>');
  process.exit(2);
}

// Collect the import garbage first, so the baseline is what the process really holds.
globalThis.gc?.();
const rssBeforeKb = process.memoryUsage().rss / 1024;
const maxRssBeforeKb = process.resourceUsage().maxRSS;
const heapUsedBefore = process.memoryUsage().heapUsed;

const result = kind === 'junit' ? await parseJUnitFiles([file]) : await parseCoverageFile(file);

const maxRssAfterKb = process.resourceUsage().maxRSS;
// Garbage from the parse is collected, the result is not (it is still referenced below): the heap
// figure is what a caller keeps holding, not the transient peak (that is in maxRSS).
globalThis.gc?.();
const heapUsedAfter = process.memoryUsage().heapUsed;

const digest = 'cases' in result ? digestJUnit(result) : digestCoverage(result);
const report: ChildReport = {
  maxRssBeforeKb,
  maxRssAfterKb,
  rssBeforeKb,
  heapUsedBefore,
  heapUsedAfter,
  digest: { ...digest },
};
console.log(JSON.stringify(report));
