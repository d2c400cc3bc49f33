import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { OpenedProject } from '../../electron/core/host.ts';
import { initProject } from '../../electron/core/project.ts';
import { type Desktop, startDesktop } from '../../electron/main/desktop.ts';
import { bundlePreload } from '../../scripts/prepare-electron.ts';
import { DESKTOP_ARGS, findChromium, launchChromium } from '../support/chromium.ts';
import { createStandIn } from '../support/electron-stand-in.ts';
import type { StandIn, StandInOptions, StandInWindow } from '../support/electron-stand-in-types.ts';
import { REPO, ensureRendererBuilt } from '../support/renderer-build.ts';
import { type UiSession, type UiTarget, raiseTestConcern } from './target.ts';

/**
 * The desktop path without an Electron binary: the real shell (`startDesktop`, what `npm start` runs) on an
 * in-process Electron stand-in, its window a real Chromium page running the real preload bundle over the
 * built renderer loaded from disk. Calls go page → preload → (stand-in IPC) → the shell's ipcMain handler
 * → the engine, and events come back main → preload → page, as in the app.
 */

let preloadBuild: Promise<string> | null = null;

/** The preload, bundled once per test process by the same function `npm start` uses. */
export function desktopPreload(): Promise<string> {
  preloadBuild ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'governor-preload-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return bundlePreload(dir);
  })();
  return preloadBuild;
}

export interface DesktopSession {
  standIn: StandIn;
  desktop: Desktop;
  window: StandInWindow;
  page: Page;
  /** The project the app has open now (it may switch). */
  readonly project: OpenedProject;
  /** Electron's appData for this app (userData is its Governor folder). */
  appData: string;
  errors(): string[];
  /** Quit as the human does: the shell closes the project and the window. */
  quit(): Promise<void>;
  /** Quit, then remove this session's appData. */
  close(): Promise<void>;
}

export interface DesktopOptions {
  browser: Browser;
  /** The project named on the command line, or none (the app then opens the last one or asks). */
  dir: string | null;
  /** Kept between launches to see what the app remembers; a fresh folder by default. */
  appData?: string;
  env?: NodeJS.ProcessEnv;
  standIn?: Omit<StandInOptions, 'appData' | 'browser' | 'errors'>;
}

/** Start the desktop app on the stand-in and wait for its window to show the renderer. */
export async function openDesktop(o: DesktopOptions): Promise<DesktopSession> {
  const ownAppData = !o.appData;
  const appData = o.appData ?? mkdtempSync(join(tmpdir(), 'governor-appdata-'));
  const errors: string[] = [];
  const [preload, rendererDir] = await Promise.all([desktopPreload(), Promise.resolve(ensureRendererBuilt())]);
  const standIn = createStandIn({
    viewport: { width: 1280, height: 900 },
    ...tamperFromEnv(),
    ...o.standIn,
    appData,
    browser: o.browser,
    errors,
  });
  const desktop = startDesktop(standIn.electron, {
    paths: {
      rendererDir,
      rendererIndex: join(rendererDir, 'index.html'),
      preload,
      sqliteBinding: join(appData, 'unused.node'),
      iconsDir: join(REPO, 'resources', 'icons'),
    },
    argv: o.dir ? ['electron', 'dist/electron/main.mjs', o.dir] : ['electron', 'dist/electron/main.mjs'],
    defaultApp: true,
    cwd: REPO,
    env: { ...process.env, GOVERNOR_PROJECT: '', ...o.env },
    platform: 'linux',
    startupProblem: null,
  });
  const dispose = async () => {
    await standIn.dispose();
    if (ownAppData) rmSync(appData, { recursive: true, force: true });
  };
  await desktop.started;
  const window = standIn.windows.find((w) => !w.isDestroyed());
  const page = window?.page();
  if (!window || !page) {
    const said = standIn.calls
      .filter((c) => c.api.startsWith('dialog.'))
      .map((c) => `${c.api}: ${c.args.map(String).join(' — ')}`);
    await dispose();
    throw new Error(`the desktop app did not open a window${said.length ? `; it said:\n${said.join('\n')}` : ''}`);
  }
  let quitting: Promise<void> | null = null;
  const quit = () =>
    (quitting ??= (async () => {
      standIn.electron.app.quit();
      await standIn.whenQuit();
    })());
  return {
    standIn,
    desktop,
    window,
    page,
    get project() {
      const p = desktop.projects()?.current().p;
      if (!p) throw new Error('the desktop app has no project open');
      return p;
    },
    appData,
    errors: () => [...errors],
    quit,
    async close() {
      await quit();
      await dispose();
    },
  };
}

/**
 * The old mismatch between main and the page, on purpose: each successful reply stripped to its bare
 * result, as the preload once handed it on. `GOVERNOR_IPC_TAMPER=unwrap` applies it to every desktop
 * session, to watch the UI suite fail on it (the README says how).
 */
export function unwrapped(reply: unknown): unknown {
  return typeof reply === 'object' && reply !== null && 'ok' in reply && reply.ok === true && 'result' in reply
    ? reply.result
    : reply;
}

const tamperFromEnv = (): Pick<StandInOptions, 'tamperReply'> =>
  process.env.GOVERNOR_IPC_TAMPER === 'unwrap' ? { tamperReply: unwrapped } : {};

/** The sample project in the desktop app, for the suite in e2e/suite.ts. */
export function ipcTarget(): UiTarget {
  const found = findChromium();
  return {
    name: 'ipc',
    unavailable: found.skip === null ? null : found.skip.replace('web e2e', 'desktop (ipc) e2e'),
    async open(): Promise<UiSession> {
      if (found.skip !== null) throw new Error(found.skip);
      const root = mkdtempSync(join(tmpdir(), 'governor-e2e-ipc-'));
      const dir = join(root, 'backtester');
      let browser: Browser | null = null;
      try {
        await initProject(dir, { sample: true });
        browser = await launchChromium(found.path, DESKTOP_ARGS);
        const s = await openDesktop({ browser, dir, env: { GOVERNOR_HOME: join(root, 'home') } });
        const b = browser;
        return {
          page: s.page,
          projectName: s.project.read.project()?.name ?? '',
          raiseConcern: async (c) => raiseTestConcern(s.project, c),
          ledgerCount: async () => s.project.ledger.count(),
          errors: s.errors,
          async close() {
            await s.close();
            await b.close();
            rmSync(root, { recursive: true, force: true });
          },
        };
      } catch (err) {
        await browser?.close();
        rmSync(root, { recursive: true, force: true });
        throw err;
      }
    },
  };
}
