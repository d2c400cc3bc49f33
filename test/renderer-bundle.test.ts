import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureRendererBuilt } from '../e2e/support/renderer-build.ts';

/**
 * The built UI, read as files: the first paint loads one script and one stylesheet, Monaco is only ever
 * fetched by a dynamic import (lazily, from our own origin), and nothing in the bundle points at a CDN,
 * so the app works offline and under the strict CSP.
 */
describe('the renderer bundle', () => {
  let dist: string;
  let assets: string[];
  const read = (name: string) => readFileSync(join(dist, 'assets', name), 'utf8');

  beforeAll(() => {
    dist = ensureRendererBuilt();
    assets = readdirSync(join(dist, 'assets'));
  }, 180_000);

  it('first paints from one script and one stylesheet, with no static import of anything else', () => {
    const html = readFileSync(join(dist, 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/<script[^>]*src="\.\/assets\/([^"]+)"/g)].map((m) => m[1]);
    const styles = [...html.matchAll(/<link rel="stylesheet"[^>]*href="\.\/assets\/([^"]+)"/g)].map((m) => m[1]);
    expect(scripts).toHaveLength(1);
    expect(styles).toHaveLength(1);
    const entry = read(scripts[0] ?? '');
    // Static imports would be fetched before the first paint; the entry has none.
    expect(entry.match(/(?:^|[;}\n])import\s*["{*\w]/g) ?? []).toEqual([]);
    expect(html).not.toMatch(/modulepreload/);
  });

  it('loads Monaco only through dynamic imports, with its worker and icon font bundled', () => {
    const entry = read(assets.find((a) => /^index-.*\.js$/.test(a)) ?? '');
    const dynamic = /__vite__mapDeps=.*?m\.f=\[([^\]]*)\]/.exec(entry)?.[1] ?? '';
    const editorChunk = assets.find((a) => /^editor-.*\.js$/.test(a));
    expect(editorChunk).toBeDefined();
    // The editor chunk is among the entry's dynamic dependencies, never fetched up front.
    expect(dynamic).toContain(`./${editorChunk}`);
    expect(assets.some((a) => /^editor\.worker-.*\.js$/.test(a))).toBe(true);
    const font = assets.find((a) => /^codicon-.*\.ttf$/.test(a));
    expect(font).toBeDefined();
    const css = assets
      .filter((a) => a.endsWith('.css'))
      .map(read)
      .join('\n');
    expect(css).toContain(`url(./${font})`);
  });

  it('refers to no CDN or other origin for code, styles or fonts', () => {
    for (const a of assets.filter((x) => /\.(js|css)$/.test(x))) {
      const text = read(a);
      for (const host of [
        'cdn.jsdelivr.net',
        'unpkg.com',
        'cdnjs.cloudflare.com',
        'fonts.googleapis.com',
        'fonts.gstatic.com',
      ])
        expect(text.includes(host), `${a} mentions ${host}`).toBe(false);
      // A url() in a stylesheet that leaves the origin (http:, https: or protocol-relative).
      if (a.endsWith('.css')) expect(text.match(/url\((["']?)(?:https?:)?\/\//g) ?? [], a).toEqual([]);
    }
  });
});
