import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { findChromium, launchChromium, watchedPage } from '../../e2e/support/chromium.ts';
import type { TransportName } from '../../e2e/targets/target.ts';
import { sampleHost } from '../../e2e/targets/web.ts';
import { initProject } from '../../electron/core/project.ts';
import { governorAsync } from './cli.ts';
import { openUiPage } from './hosted-page.ts';
import { tempDir } from './tmp.ts';

/**
 * What the whole-loop e2e drives: a demo project in the UI over one transport — behind the real host in
 * real Chromium (the page's WebSocket relayed, so pushed events can be held back), or in the desktop app
 * (the real shell on the Electron stand-in, or real Electron) — the real CLI in a second process, and the
 * moves a human makes in the UI (switch views, open a review, decide it).
 */

/** The loop runs the sample's real tests; a slow CI machine needs room. Never a claim about speed. */
export const LOOP = { timeout: 240_000 };
export const UI = { timeout: 20_000 };

export interface Session {
  transport: TransportName;
  page: Page;
  dir: string;
  errors(): string[];
  /**
   * Hold back the events pushed to the page, as a backgrounded tab on a slow link would miss them; absent
   * where the test cannot reach between the engine and the page (real Electron).
   */
  holdPushes?(on: boolean): void;
  /**
   * A second window on the same host, as a human with the QA view open on another screen; absent in the
   * desktop app, which has one window.
   */
  openWindow?(hash: string): Promise<Page>;
  close(): Promise<void>;
}

/** A fresh demo project behind the real headless host, in real Chromium. */
async function openWebSession(chromiumPath: string): Promise<Session> {
  const { host, dispose } = await sampleHost();
  let browser: Browser | null = null;
  try {
    browser = await launchChromium(chromiumPath);
    const b = browser;
    const errors: string[] = [];
    const newPage = () => watchedPage(b, errors, { width: 1280, height: 900 });
    const page = await newPage();
    let held = false;
    // The page's real WebSocket to the host, relayed as is; only pushed events can be held back on request.
    await page.routeWebSocket(/\/ws\?/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((m) => server.send(m));
      server.onMessage((m) => {
        if (!(held && typeof m === 'string' && m.startsWith('{"event"'))) ws.send(m);
      });
    });
    const res = await page.goto(host.url);
    if (res?.status() !== 200) throw new Error(`the host answered ${res?.status()} for its own URL`);
    await page.locator('[data-testid=connection][data-state=connected]').waitFor(UI);
    return {
      transport: 'web',
      page,
      dir: host.project.dir,
      errors: () => [...errors],
      holdPushes: (on) => {
        held = on;
      },
      async openWindow(hash) {
        const p = await newPage();
        await p.goto(`${host.url}${hash}`);
        await p.locator('[data-testid=connection][data-state=connected]').waitFor(UI);
        return p;
      },
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
}

/** A fresh demo project in the desktop app (the shell on the Electron stand-in, or real Electron). */
async function openDesktopSession(transport: 'ipc' | 'electron'): Promise<Session> {
  const root = tempDir('governor-e2e-loop-');
  const dir = join(root, 'backtester');
  await initProject(dir, { sample: true });
  const s = await openUiPage(transport, dir, { viewport: { width: 1280, height: 900 } }).catch((err: unknown) => {
    rmSync(root, { recursive: true, force: true });
    throw err;
  });
  await s.page.locator('[data-testid=connection][data-state=connected]').waitFor(UI);
  const standIn = s.desktop?.standIn;
  return {
    transport,
    page: s.page,
    dir,
    errors: s.errors,
    ...(standIn ? { holdPushes: (on: boolean) => standIn.holdPushes(on) } : {}),
    async close() {
      await s.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A fresh demo project in the UI over `transport`. */
export function openSession(transport: TransportName): Promise<Session> {
  if (transport === 'web') {
    const found = findChromium();
    if (found.skip !== null) throw new Error(found.skip);
    return openWebSession(found.path);
  }
  return openDesktopSession(transport);
}

export const git = (dir: string, ...args: string[]) =>
  execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });

/** The real `governor` CLI in a second process; with the host running, it goes through the host. */
export function cli(args: string[]): Promise<{ code: number | null; out: string }> {
  const child = governorAsync(args);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += String(d)));
  child.stderr?.on('data', (d: Buffer) => (out += String(d)));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out }));
  });
}

/** The test id of the element that has the keyboard focus. */
export const focused = (page: Page) =>
  page.evaluate('document.activeElement && document.activeElement.getAttribute("data-testid")');

/** What the user drives: the number keys, the inbox, the decision buttons. */
export function driver(page: Page) {
  const key = async (k: string) => {
    await page.locator('body').press(k);
  };
  /** Switch views as a mouse user does (the number keys are the keyboard test's business). */
  const view = async (label: string) => {
    await page.locator('.app-nav a', { hasText: label }).click();
    await page.locator('.app-nav [aria-current=page]', { hasText: label }).waitFor(UI);
  };
  const stage = (s: string, opts = LOOP) => page.locator(`[data-testid=stage][data-stage=${s}]`).waitFor(opts);
  /** Reviews decided in this session: the inbox may list one as pending for a moment, until it refreshes. */
  const decided = new Set<string>();
  let open = '';
  const pendingItem = (kind: string): Locator =>
    page.locator(
      `.rv-inbox [data-testid=review-item][data-kind=${kind}][data-status=pending]` +
        [...decided].map((id) => `:not([data-review-id="${id}"])`).join(''),
    );

  /** Reviews view, wait for a pending review of this kind, open it and wait for its document in Monaco. */
  const openReview = async (kind: string): Promise<string> => {
    await view('Reviews');
    const item = pendingItem(kind);
    await item.first().waitFor(LOOP);
    const id = String(await item.first().getAttribute('data-review-id'));
    open = id;
    await item.first().click();
    await page.locator('.rv-detail-head', { hasText: id }).waitFor(UI);
    await page.locator('[data-testid=review-editor] .monaco-editor, [data-testid=revision-diff]').first().waitFor(UI);
    return id;
  };

  /** Write the comment, press the decision's button, confirm, and wait for the editor to show it decided. */
  const decide = async (testid: string, label: string, comment: string) => {
    if (comment) await page.getByTestId('comment-input').fill(comment);
    await page.getByTestId(testid).click();
    const box = page.getByTestId('decide-confirm-box');
    await box.waitFor(UI);
    expect(await box.textContent()).toContain(label);
    await page.getByTestId('decide-confirm').click();
    await page.locator('.rv-decide', { hasText: `Decided: ${label} by Human` }).waitFor(UI);
    decided.add(open);
    if (comment) expect(await page.locator('.rv-decided-comment').textContent()).toContain(comment);
  };
  return { key, view, stage, openReview, decide, decided };
}
