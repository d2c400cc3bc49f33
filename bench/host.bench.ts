import { readdirSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findChromium, launchChromium } from '../e2e/support/chromium.ts';
import { RENDERER_DIST, ensureRendererBuilt } from '../e2e/support/renderer-build.ts';
import { initProject } from '../electron/core/project.ts';
import { startHost } from '../electron/server/host/server.ts';
import { bigProject } from './big-ledger.ts';
import { type Figure, tempDir } from './util.ts';

/** Bytes of the files the first paint loads (index.html and the script and stylesheet it names), and of all the rest. */
function bundle(): { first: { raw: number; gz: number }; lazy: { raw: number; gz: number } } {
  const html = readFileSync(join(RENDERER_DIST, 'index.html'), 'utf8');
  const firstPaint = new Set(['index.html', ...[...html.matchAll(/(?:src|href)="\.\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1] ?? '')]);
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

const rssMb = () => process.memoryUsage().rss / 1e6;

/**
 * Host start → first dashboard render in Chromium (the browser is already running, as it would be for a
 * user), the renderer bundle, and the host's memory idle and on a 1M-event ledger.
 */
export async function benchHost(bigEvents: number): Promise<Figure[]> {
  ensureRendererBuilt();
  const chromium = findChromium();
  const figures: Figure[] = [];
  const b = bundle();
  figures.push(
    { name: 'renderer, first paint (html + entry js + css)', value: b.first.raw / 1e3, unit: 'kB' },
    { name: 'renderer, first paint, gzipped', value: b.first.gz / 1e3, unit: 'kB' },
    { name: 'renderer, loaded later (Monaco, its worker and font, languages)', value: b.lazy.raw / 1e3, unit: 'kB' },
    { name: 'renderer, loaded later, gzipped', value: b.lazy.gz / 1e3, unit: 'kB' },
  );

  const dir = join(tempDir(), 'hosted');
  await initProject(dir, { sample: true });
  if (chromium.path) {
    const browser = await launchChromium(chromium.path);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const page = await browser.newPage();
      const t0 = performance.now();
      const host = await startHost({ dir, port: 0, rendererDir: RENDERER_DIST });
      await page.goto(host.url);
      await page.getByTestId('stage').waitFor();
      times.push(performance.now() - t0);
      await page.close();
      await host.close();
    }
    await browser.close();
    const median = times.sort((a, b2) => a - b2)[2] ?? 0;
    figures.push({ name: 'host start → first dashboard render (Chromium), median of 5', value: median, unit: 'ms', budget: '≤ 1 s', ok: median <= 1000 });
  } else figures.push({ name: `first render skipped: ${chromium.skip}`, value: 0, unit: '' });


  const idle = await startHost({ dir, port: 0, rendererDir: RENDERER_DIST });
  await new Promise((r) => setTimeout(r, 300));
  figures.push({ name: 'host RSS, idle (sample project)', value: rssMb(), unit: 'MB' });
  await idle.close();

  // A 1M-event ledger: appended directly (the ledger bench measures append speed), then hosted.
  const bigDir = join(tempDir(), 'big');
  await bigProject(bigDir, bigEvents);
  const big = await startHost({ dir: bigDir, port: 0, rendererDir: RENDERER_DIST });
  await new Promise((r) => setTimeout(r, 300));
  figures.push({ name: `host RSS with a ${bigEvents.toLocaleString('en')}-event ledger`, value: rssMb(), unit: 'MB' });
  await big.close();
  return figures;
}
