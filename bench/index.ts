import { benchGit } from './git.bench.ts';
import { benchAppend } from './ledger.bench.ts';
import { benchScale } from './scale.bench.ts';
import { benchLoop } from './loop.bench.ts';
import { benchPhases } from './phases.bench.ts';
import { benchQa } from './qa.bench.ts';
import { benchHost } from './host.bench.ts';
import { benchDiscord } from './discord.bench.ts';
import { benchUi } from './ui.bench.ts';
import { benchStartup } from './startup.bench.ts';
import { benchWindow } from './window.bench.ts';
import { benchAgents } from './agents.bench.ts';
import { benchWorkers } from './workers.bench.ts';
import { benchSecurity } from './security.bench.ts';
import { printFigures, removeTempDirs, sweepStaleTempDirs, tempDir } from './util.ts';

/**
 * `npm run bench`: prints figures against the goals of DESIGN.md §12 and issue 17. Figures are printed,
 * never asserted, so a slow machine does not fail the build. GOVERNOR_BENCH_EVENTS shrinks the biggest
 * history (1M by default). `npm run bench -- ui discord` runs only the named sections (the keys below).
 * `startup` and `window` run first: they time whole processes, before the big ledgers fill the disk cache.
 */
const big = Number(process.env.GOVERNOR_BENCH_EVENTS ?? 1_000_000);
/** History sizes for the scale figures (10k → 1M) and the loop step and promotion (100 → 100k, issue 17). */
const sizes = [10_000, 100_000, big].filter((n, i, all) => n <= big && all.indexOf(n) === i);
const loopSizes = [100, ...[10_000, 100_000].filter((n) => n <= big), ...(big < 10_000 ? [big] : [])];
const only = process.argv.slice(2);
const want = (section: string) => only.length === 0 || only.includes(section);
console.log(`Governor bench — node ${process.version}, ${new Date().toISOString()}`);
const swept = sweepStaleTempDirs();
if (swept > 0) console.log(`(removed ${swept} temp folders that killed bench runs left behind)`);
// Agents' workspaces and QA checkouts go to the cache folder (~/.cache/governor): into this run's temp
// folder instead, so the projects the benches make leave nothing there either.
process.env.GOVERNOR_CACHE ??= tempDir();
try {
  if (want('startup')) printFigures('Start-up of the shipped CLI and host', await benchStartup());
  if (want('window'))
    printFigures(`The window never freezes (${big.toLocaleString('en')}-event ledger)`, await benchWindow(big));
  if (want('ledger')) printFigures('Ledger append (vs raw inserts, interleaved)', benchAppend(200_000));
  if (want('scale'))
    printFigures(
      'A long history: /status, the audit view and every UI call, at 10k → 1M events',
      await benchScale(sizes),
    );
  if (want('loop')) printFigures('Loop step and promotion, by history', await benchLoop(loopSizes));
  if (want('phases')) printFigures('Three phases on a model runtime (fake model on loopback)', await benchPhases());
  if (want('git')) printFigures('Git (10,000-file repo, vs git CLI)', await benchGit());
  if (want('qa')) printFigures('QA parsers', await benchQa());
  if (want('host')) printFigures('Headless host (`governor serve` as a process)', await benchHost(big));
  if (want('discord')) printFigures('Discord link (fake Discord on loopback)', await benchDiscord());
  if (want('security')) printFigures('Security: sandbox and redactor', await benchSecurity());
  if (want('ui')) printFigures(`UI in Chromium (${big.toLocaleString('en')}-event ledger)`, await benchUi(big));
  if (want('agents'))
    printFigures('Coding agents (real Claude Code, fake Anthropic API on loopback)', await benchAgents());
  if (want('workers'))
    printFigures('Workers side by side: Claude Code, Codex, ACP, AI SDK (fakes on loopback)', await benchWorkers());
} finally {
  removeTempDirs();
}
