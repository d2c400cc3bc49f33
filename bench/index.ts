import { benchGit } from './git.bench.ts';
import { benchAppend, benchLargeLedger } from './ledger.bench.ts';
import { benchLoop } from './loop.bench.ts';
import { benchQa } from './qa.bench.ts';
import { benchHost } from './host.bench.ts';
import { printFigures } from './util.ts';

/**
 * `npm run bench`: prints figures against the budgets of DESIGN.md §12. Figures are printed, never
 * asserted, so a slow machine does not fail the build. GOVERNOR_BENCH_EVENTS shrinks the big ledger.
 */
const big = Number(process.env.GOVERNOR_BENCH_EVENTS ?? 1_000_000);
console.log(`Governor bench — node ${process.version}, ${new Date().toISOString()}`);
printFigures('Ledger append', benchAppend(200_000));
printFigures('Large ledger', benchLargeLedger(big));
printFigures('Orchestration', await benchLoop());
printFigures('Git (10,000-file repo, vs git CLI)', await benchGit());
printFigures('QA parsers', await benchQa());
printFigures('Headless host and UI', await benchHost(big));
