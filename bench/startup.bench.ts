import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { ensureRendererBuilt } from '../e2e/support/renderer-build.ts';
import { buildCli, builtEntry } from '../scripts/build-cli.mjs';
import { type Figure, GOVERNOR_BIN, startServe, tempDir } from './util.ts';

/**
 * How fast `governor` starts, as users run it: the built CLI through its bin (what `npx governor` and an
 * installed `governor` run, less npx's own start), in one run beside bare `node -e ''` and `git --version`,
 * interleaved round by round so a busy machine weighs on all of them alike. `status` runs on a demo
 * project taken to its first human gate; `serve` is timed from spawn to the printed URL, and to that
 * page answering.
 */

const ROUNDS = 11;
const SERVE_ROUNDS = 5;

function timed(cmd: string, args: string[]): number {
  const t = performance.now();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}: ${r.stderr.toString()}`);
  return ms;
}

/** Spawn → URL printed, and → the page at that URL answered 200; then the host is stopped. */
async function serveOnce(dir: string, home: string): Promise<{ url: number; page: number }> {
  const t = performance.now();
  const { child, url: served } = startServe(dir, home);
  try {
    const url = await served;
    const urlMs = performance.now() - t;
    const page = await fetch(url);
    if (page.status !== 200) throw new Error(`the served page answered ${page.status}`);
    await page.text();
    return { url: urlMs, page: performance.now() - t };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

const within = (ratio: number, max: number) => ({ budget: `≤ ${max}×`, ok: ratio <= max });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

export async function benchStartup(): Promise<Figure[]> {
  // Measured as installed: the build current (npm install made it), the UI built (serve would build it).
  if (builtEntry().stale) await buildCli({ quiet: true });
  ensureRendererBuilt();
  const root = tempDir();
  const dir = join(root, 'backtester');
  const home = join(root, 'home');
  try {
    timed(process.execPath, [GOVERNOR_BIN, 'demo', '--dir', dir]);
    spawnSync(process.execPath, [GOVERNOR_BIN, 'run', '--dir', dir, '--no-prompt'], { stdio: 'ignore' });

    const runs: Record<'node' | 'git' | 'help' | 'status', number[]> = { node: [], git: [], help: [], status: [] };
    // One round first to warm the file cache (and Node's compile cache where there is one), not counted.
    for (let round = 0; round <= ROUNDS; round++) {
      const r = {
        node: timed(process.execPath, ['-e', '']),
        git: timed('git', ['--version']),
        help: timed(process.execPath, [GOVERNOR_BIN, '--help']),
        status: timed(process.execPath, [GOVERNOR_BIN, 'status', '--dir', dir]),
      };
      if (round > 0) for (const k of Object.keys(runs) as Array<keyof typeof runs>) runs[k].push(r[k]);
    }
    const serve: Array<{ url: number; page: number }> = [];
    await serveOnce(dir, home);
    for (let i = 0; i < SERVE_ROUNDS; i++) serve.push(await serveOnce(dir, home));

    const node = median(runs.node);
    const help = median(runs.help);
    const status = median(runs.status);
    const toUrl = median(serve.map((s) => s.url));
    const toPage = median(serve.map((s) => s.page));
    return [
      { name: `machine load (1-minute average) when the bench started`, value: loadavg()[0] ?? 0, unit: '' },
      { name: `node -e '' (bare Node start), median of ${ROUNDS}`, value: node, unit: 'ms' },
      { name: 'git --version', value: median(runs.git), unit: 'ms' },
      { name: 'governor --help', value: help, unit: 'ms' },
      { name: '  governor --help vs bare Node', value: help / node, unit: '×', ...within(help / node, 2) },
      { name: 'governor status (demo project at its first gate)', value: status, unit: 'ms' },
      { name: '  governor status vs bare Node', value: status / node, unit: '×', ...within(status / node, 4) },
      { name: `governor serve: spawn → URL printed, median of ${SERVE_ROUNDS}`, value: toUrl, unit: 'ms' },
      {
        name: '  governor serve: spawn → page answered',
        value: toPage,
        unit: 'ms',
        budget: '≤ 1 s',
        ok: toPage <= 1e3,
      },
      { name: '  governor serve vs bare Node', value: toPage / node, unit: '×' },
    ];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
