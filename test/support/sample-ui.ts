import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { TransportName } from '../../e2e/targets/target.ts';
import { initProject } from '../../electron/core/project.ts';
import { type UiPage, openUiPage } from './hosted-page.ts';
import { tempDir } from './tmp.ts';

const UI = { timeout: 20_000 };

/** Clicks a view in the app's navigation and waits until it is the current one. */
export async function showView(page: Page, label: string): Promise<void> {
  await page.locator('.app-nav a', { hasText: label }).click();
  await page.locator('.app-nav [aria-current=page]', { hasText: label }).waitFor(UI);
}

/**
 * A fresh copy of the sample, with its own GOVERNOR_HOME, shown over `transport` and connected; registers
 * its own `beforeAll`/`afterAll` (the page closed, the folder removed). Call inside the `describe`.
 */
export function sampleUiPage(transport: TransportName, prefix: string): { readonly ui: UiPage } {
  let root = '';
  let s: UiPage | undefined;
  beforeAll(async () => {
    root = tempDir(prefix);
    process.env.GOVERNOR_HOME = join(root, 'home');
    const dir = join(root, 'backtester');
    await initProject(dir, { sample: true });
    s = await openUiPage(transport, dir);
    await s.page.locator('[data-testid=connection][data-state=connected]').waitFor(UI);
  }, 180_000);
  afterAll(async () => {
    await s?.close();
    delete process.env.GOVERNOR_HOME;
    if (root) rmSync(root, { recursive: true, force: true });
  });
  return {
    get ui() {
      if (!s) throw new Error('sampleUiPage: used before its beforeAll ran');
      return s;
    },
  };
}
