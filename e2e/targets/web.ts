import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { initProject } from '../../electron/core/project.ts';
import { type RunningHost, startHost } from '../../electron/server/host/server.ts';
import { findChromium, launchChromium, watchedPage } from '../support/chromium.ts';
import { ensureRendererBuilt } from '../support/renderer-build.ts';
import { type UiSession, type UiTarget, raiseTestConcern } from './target.ts';

/** A fresh sample project behind a real headless host: temp dir, git repo, SQLite ledger, built bundle. */
export async function sampleHost(): Promise<{ host: RunningHost; stop(): Promise<void>; dispose(): Promise<void> }> {
  const root = mkdtempSync(join(tmpdir(), 'governor-e2e-'));
  const dir = join(root, 'backtester');
  await initProject(dir, { sample: true });
  const host = await startHost({ dir, rendererDir: ensureRendererBuilt() });
  let stopping: Promise<void> | null = null;
  const stop = () => (stopping ??= host.close());
  return {
    host,
    stop,
    async dispose() {
      await stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** The headless host in Debian's Chromium: the target every machine that builds Governor can run. */
export function webTarget(): UiTarget {
  const found = findChromium();
  return {
    name: 'web',
    unavailable: found.skip,
    async open(): Promise<UiSession> {
      if (found.skip !== null) throw new Error(found.skip);
      const { host, stop, dispose } = await sampleHost();
      let browser: Browser | null = null;
      try {
        browser = await launchChromium(found.path);
        const errors: string[] = [];
        const page = await watchedPage(browser, errors);
        const response = await page.goto(host.url);
        if (response?.status() !== 200) throw new Error(`the host answered ${response?.status()} for its own URL`);
        const p = host.project;
        const b = browser;
        return {
          page,
          projectName: p.read.project()?.name ?? '',
          raiseConcern: async (c) => raiseTestConcern(p, c),
          ledgerCount: async () => p.ledger.count(),
          errors: () => [...errors],
          stopEngine: stop,
          async close() {
            await b.close();
            await dispose();
          },
        };
      } catch (err) {
        await browser?.close();
        await dispose();
        throw err;
      }
    },
  };
}
