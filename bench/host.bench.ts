import type { ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { findChromium, launchChromium } from '../e2e/support/chromium.ts';
import { RENDERER_DIST, ensureRendererBuilt } from '../e2e/support/renderer-build.ts';
import { initProject } from '../electron/core/project.ts';
import { historyProject } from './history-project.ts';
import { type Figure, median, startServe, tempDir } from './util.ts';

/** Bytes of the files the first paint loads (index.html and the script and stylesheet it names), and of all the rest. */
function bundle(): { first: { raw: number; gz: number }; lazy: { raw: number; gz: number } } {
  const html = readFileSync(join(RENDERER_DIST, 'index.html'), 'utf8');
  const firstPaint = new Set([
    'index.html',
    ...[...html.matchAll(/(?:src|href)="\.\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1] ?? ''),
  ]);
  const first = { raw: 0, gz: 0 };
  const lazy = { raw: 0, gz: 0 };
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(p).isDirectory()) walk(p, r);
      else if (/\.(js|css|html|ttf)$/.test(name)) {
        const data = readFileSync(p);
        const into = firstPaint.has(r) ? first : lazy;
        into.raw += data.byteLength;
        into.gz += gzipSync(data).byteLength;
      }
    }
  };
  walk(RENDERER_DIST, '');
  return { first, lazy };
}

/** Resident memory of a process, from the kernel (MB). */
function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1000 : 0;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  await exited;
}

interface Served {
  firstRender: number;
  rssIdle: number;
  rssAfterAudit: number;
}

/** Start → first dashboard render in Chromium, then the host's own memory, idle and after the audit view. */
async function serveOnce(browser: Browser, dir: string, home: string): Promise<Served> {
  const page = await browser.newPage();
  const t0 = performance.now();
  const s = startServe(dir, home);
  try {
    await page.goto(await s.url);
    await page.getByTestId('stage').waitFor({ timeout: 60_000 });
    const firstRender = performance.now() - t0;
    const pid = s.child.pid ?? 0;
    await new Promise((r) => setTimeout(r, 300));
    const rssIdle = rssOf(pid);
    await page.locator('body').press('5');
    await page.locator('[data-testid=timeline-row]').first().waitFor({ timeout: 60_000 });
    return { firstRender, rssIdle, rssAfterAudit: rssOf(pid) };
  } finally {
    await page.close();
    await stop(s.child);
  }
}

/**
 * `governor serve` started as a process, as a user starts it (the browser already running), until the
 * dashboard has rendered, on the sample and on a project with a long history, interleaved; and the
 * serving process's own memory (not the bench's). Also the renderer bundle's sizes.
 */
export async function benchHost(bigEvents: number): Promise<Figure[]> {
  ensureRendererBuilt();
  const figures: Figure[] = [];
  const b = bundle();
  figures.push(
    { name: 'renderer, first paint (html + entry js + css)', value: b.first.raw / 1e3, unit: 'kB' },
    { name: 'renderer, first paint, gzipped', value: b.first.gz / 1e3, unit: 'kB' },
    { name: 'renderer, loaded later (Monaco, its worker and font, languages)', value: b.lazy.raw / 1e3, unit: 'kB' },
    { name: 'renderer, loaded later, gzipped', value: b.lazy.gz / 1e3, unit: 'kB' },
  );
  const chromium = findChromium();
  if (!chromium.path) return [...figures, { name: `serve bench skipped: ${chromium.skip}`, value: 0, unit: '' }];

  const home = tempDir();
  const sample = join(tempDir(), 'sample');
  await initProject(sample, { sample: true });
  const big = await historyProject(bigEvents);
  const browser = await launchChromium(chromium.path);
  const runs: { sample: Served[]; big: Served[] } = { sample: [], big: [] };
  try {
    for (let i = 0; i < 5; i++) {
      runs.sample.push(await serveOnce(browser, sample, home));
      runs.big.push(await serveOnce(browser, big, home));
    }
  } finally {
    await browser.close();
  }
  const m = (list: Served[], k: keyof Served) => median(list.map((r) => r[k]));
  const n = bigEvents.toLocaleString('en');
  const small = m(runs.sample, 'firstRender');
  const large = m(runs.big, 'firstRender');
  figures.push(
    {
      name: '`governor serve` start → first dashboard render, sample project (median of 5)',
      value: small,
      unit: 'ms',
      budget: '≤ 1 s',
      ok: small <= 1000,
    },
    {
      name: `\`governor serve\` start → first dashboard render, ${n} events of history`,
      value: large,
      unit: 'ms',
      budget: '≤ 1 s',
      ok: large <= 1000,
    },
    {
      name: `  ${n} events vs the sample, interleaved`,
      value: large / small,
      unit: '×',
      budget: '≤ 1.2×',
      ok: large / small <= 1.2,
    },
    {
      name: 'host process RSS, sample project, idle after the first render',
      value: m(runs.sample, 'rssIdle'),
      unit: 'MB',
    },
    {
      name: `host process RSS, ${n} events of history, idle after the first render`,
      value: m(runs.big, 'rssIdle'),
      unit: 'MB',
    },
    {
      name: `host process RSS, ${n} events of history, after the audit view`,
      value: m(runs.big, 'rssAfterAudit'),
      unit: 'MB',
    },
    {
      name: `  ${n} events vs the sample (after the audit view)`,
      value: m(runs.big, 'rssAfterAudit') / m(runs.sample, 'rssAfterAudit'),
      unit: '×',
      budget: '≤ 1.2×',
      ok: m(runs.big, 'rssAfterAudit') / m(runs.sample, 'rssAfterAudit') <= 1.2,
    },
  );
  return figures;
}
