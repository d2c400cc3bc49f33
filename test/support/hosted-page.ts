import type { Browser, Page } from 'playwright-core';
import { findChromium, launchChromium, watchedPage } from '../../e2e/support/chromium.ts';
import { ensureRendererBuilt } from '../../e2e/support/renderer-build.ts';
import { type RunningHost, startHost } from '../../electron/server/host/server.ts';

export interface HostedPage {
  page: Page;
  host: RunningHost;
  /** Console errors and uncaught page errors seen so far. */
  errors(): string[];
  close(): Promise<void>;
}

/** Why a hosted page cannot run here (no Chromium), or null when it can. */
export const hostedPageUnavailable = (): string | null => findChromium().skip;

/**
 * An existing project folder behind a real headless host, open in headless Chromium: for the e2e tests
 * and benches that need a project the sample target does not make (a huge ledger, files to read back).
 */
export async function openHostedPage(dir: string, viewport = { width: 1280, height: 820 }): Promise<HostedPage> {
  const found = findChromium();
  if (found.skip !== null) throw new Error(found.skip);
  const host = await startHost({ dir, rendererDir: ensureRendererBuilt() });
  let browser: Browser | null = null;
  try {
    browser = await launchChromium(found.path);
    const errors: string[] = [];
    const page = await watchedPage(browser, errors, viewport);
    const response = await page.goto(host.url);
    if (response?.status() !== 200) throw new Error(`the host answered ${response?.status()} for its own URL`);
    const b = browser;
    return {
      page,
      host,
      errors: () => [...errors],
      async close() {
        await b.close();
        await host.close();
      },
    };
  } catch (err) {
    await browser?.close();
    await host.close();
    throw err;
  }
}
