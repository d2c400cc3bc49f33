import { existsSync } from 'node:fs';
import { type Browser, type Page, chromium } from 'playwright-core';

/** Quiet, offline Chromium: no sandbox (containers and CI run as root), no GPU, nothing phoning home. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export type ChromiumFound = { path: string; skip: null } | { path: null; skip: string };

/**
 * Debian's Chromium first (Playwright's own download does not work on our build machines), then
 * Playwright's browser if someone installed it, else a one-line reason to skip.
 */
export function findChromium(): ChromiumFound {
  const wanted = process.env.GOVERNOR_CHROMIUM;
  if (wanted) {
    // Asked for by name: a wrong path is a setup error to fix, not something to quietly work around.
    if (!existsSync(wanted)) throw new Error(`GOVERNOR_CHROMIUM=${wanted} does not exist`);
    return { path: wanted, skip: null };
  }
  if (existsSync('/usr/bin/chromium')) return { path: '/usr/bin/chromium', skip: null };
  let bundled = '';
  try {
    bundled = chromium.executablePath();
  } catch {
    // playwright-core throws when it has no browser of its own registered; that is the common case.
  }
  if (bundled && existsSync(bundled)) return { path: bundled, skip: null };
  return {
    path: null,
    skip: 'web e2e skipped: no Chromium on this machine (apt-get install chromium, or set GOVERNOR_CHROMIUM)',
  };
}

/**
 * What the desktop app's window may do that a browser tab may not: load the renderer's ES modules from
 * file:// (Electron grants file:// pages this; electron-builder.yml keeps its grantFileProtocolExtraPrivileges
 * fuse on for exactly this), so the Electron stand-in's windows open the renderer from disk as the app does.
 */
export const DESKTOP_ARGS = ['--allow-file-access-from-files'];

export function launchChromium(path: string, extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: path, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** A new page whose console errors and uncaught exceptions land in `errors`, for tests to assert none. */
export async function watchedPage(
  browser: Browser,
  errors: string[],
  viewport = { width: 1280, height: 820 },
): Promise<Page> {
  const page = await browser.newPage({ viewport });
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${m.text()} (${m.location().url || 'page'})`);
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return page;
}
