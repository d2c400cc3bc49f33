import type { Browser, Page } from 'playwright-core';
import { DESKTOP_ARGS, findChromium, launchChromium, watchedPage } from '../../e2e/support/chromium.ts';
import { ensureRendererBuilt } from '../../e2e/support/renderer-build.ts';
import { electronUnavailable, launchElectron } from '../../e2e/targets/electron.ts';
import { type DesktopSession, openDesktop } from '../../e2e/targets/ipc.ts';
import type { TransportName } from '../../e2e/targets/target.ts';
import { type OpenedProject, openProject } from '../../electron/core/host.ts';
import { type RunningHost, startHost } from '../../electron/server/host/server.ts';

/** An existing project folder shown by the UI over one transport, for the e2e tests and the benches. */
export interface UiPage {
  transport: TransportName;
  page: Page;
  /**
   * The project the UI shows, open in the engine behind it: the host's or the desktop shell's own (same
   * process), or, for the real Electron app, a second connection opened here.
   */
  readonly project: OpenedProject;
  /** Console errors and uncaught page errors seen so far. */
  errors(): string[];
  /** The desktop shell's session on the Electron stand-in (ipc only): its recorded calls, its window. */
  desktop?: DesktopSession;
  close(): Promise<void>;
}

export interface HostedPage extends UiPage {
  host: RunningHost;
}

export interface UiPageOptions {
  viewport?: { width: number; height: number };
  /** For the headless host: where its recent.json lives, and whether this project goes on it (as `governor serve`). */
  host?: { home?: string; rememberProject?: boolean };
  /** For the desktop app: where it keeps its data (userData, recent.json unless GOVERNOR_HOME is set). */
  appData?: string;
}

/** Why a UI page cannot run here on this transport, or null when it can. */
export function uiPageUnavailable(transport: TransportName): string | null {
  if (transport === 'electron') return electronUnavailable();
  const skip = findChromium().skip;
  return skip && transport === 'ipc' ? skip.replace('web e2e', 'desktop (ipc) e2e') : skip;
}

/** Why a hosted page cannot run here (no Chromium), or null when it can. */
export const hostedPageUnavailable = (): string | null => uiPageUnavailable('web');

/**
 * An existing project folder behind a real headless host, open in headless Chromium: for the e2e tests
 * and benches that need a project the sample target does not make (a huge ledger, files to read back).
 */
export async function openHostedPage(
  dir: string,
  viewport = { width: 1280, height: 820 },
  hostOptions: UiPageOptions['host'] = {},
): Promise<HostedPage> {
  const found = findChromium();
  if (found.skip !== null) throw new Error(found.skip);
  const host = await startHost({ dir, rendererDir: ensureRendererBuilt(), ...hostOptions });
  let browser: Browser | null = null;
  try {
    browser = await launchChromium(found.path);
    const errors: string[] = [];
    const page = await watchedPage(browser, errors, viewport);
    const response = await page.goto(host.url);
    if (response?.status() !== 200) throw new Error(`the host answered ${response?.status()} for its own URL`);
    const b = browser;
    return {
      transport: 'web',
      page,
      host,
      get project() {
        return host.project;
      },
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

/**
 * The desktop app on an existing project folder: the real shell on the Electron stand-in (`ipc`), or the
 * real Electron app where a binary exists (`electron`).
 */
async function openDesktopPage(transport: 'ipc' | 'electron', dir: string, o: UiPageOptions): Promise<UiPage> {
  if (transport === 'electron') {
    const app = await launchElectron(dir, o.appData ? { appData: o.appData } : {});
    // A second connection from this process (SQLite in WAL mode allows it): the tests read what the app wrote.
    const mine = await openProject(dir).catch(async (err: unknown) => {
      await app.close();
      throw err;
    });
    return {
      transport,
      page: app.page,
      project: mine,
      errors: app.errors,
      async close() {
        mine.close();
        await app.close();
      },
    };
  }
  const found = findChromium();
  if (found.skip !== null) throw new Error(found.skip);
  const browser = await launchChromium(found.path, DESKTOP_ARGS);
  try {
    const s = await openDesktop({
      browser,
      dir,
      ...(o.appData ? { appData: o.appData } : {}),
      standIn: { viewport: o.viewport ?? { width: 1280, height: 820 } },
    });
    return {
      transport,
      page: s.page,
      get project() {
        return s.project;
      },
      errors: s.errors,
      desktop: s,
      async close() {
        await s.close();
        await browser.close();
      },
    };
  } catch (err) {
    await browser.close();
    throw err;
  }
}

/** An existing project folder in the UI, over the transport asked for. */
export function openUiPage(transport: TransportName, dir: string, o: UiPageOptions = {}): Promise<UiPage> {
  return transport === 'web' ? openHostedPage(dir, o.viewport, o.host) : openDesktopPage(transport, dir, o);
}
