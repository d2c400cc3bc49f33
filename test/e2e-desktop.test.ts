import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP_ARGS, findChromium, launchChromium } from '../e2e/support/chromium.ts';
import { RENDERER_DIST } from '../e2e/support/renderer-build.ts';
import { createStandIn } from '../e2e/support/electron-stand-in.ts';
import type { InstanceLocks, StandIn } from '../e2e/support/electron-stand-in-types.ts';
import { type DesktopSession, desktopPreload, openDesktop, unwrapped } from '../e2e/targets/ipc.ts';
import { uiTransports } from '../e2e/targets/target.ts';
import { initProject } from '../electron/core/project.ts';
import { startDesktop } from '../electron/main/desktop.ts';
import { secureWebPreferences } from '../electron/main/security.ts';
import { IPC_CHANNELS } from '../shared/ipc.ts';
import { cli } from './support/loop-session.ts';
import { tempDir } from './support/tmp.ts';

/**
 * The desktop shell itself, as `npm start` runs it (electron/main/desktop.ts), on the Electron stand-in with
 * its window in real Chromium: the IPC boundary probed the way an attacker would (calls and events outside
 * the contract, malformed envelopes, a foreign frame), then the shell's own behaviour, judged by what it
 * asked of Electron (the stand-in's recorded calls) and by what the page shows: the window's security,
 * the tray, native notifications, the File menu's project switching, a second launch, the window's place.
 */
const UI = { timeout: 20_000 };
const LOOP = { timeout: 90_000 };
const found = findChromium();
// The ipc transport's own tests: they run wherever it does (not in `npm run e2e:electron`, which asks for electron).
const skip = uiTransports().includes('ipc')
  ? (found.skip?.replace('web e2e', 'desktop e2e') ?? null)
  : 'ipc not asked for';
if (found.skip !== null) console.log(skip);

/** Ask the page's bridge something and bring back what it answered (or threw), as data. */
const inPage = <T>(page: Page, fn: string): Promise<T> =>
  page.evaluate(`(async () => { const g = window.governor; ${fn} })()`) as Promise<T>;

describe.skipIf(skip !== null)('the desktop shell on the Electron stand-in', () => {
  let root: string;
  let dir: string;
  let other: string;
  let appData: string;
  let home: string;
  let browser: Browser;
  let s: DesktopSession;
  const locks: InstanceLocks = new Map();
  let page: Page;
  const calls = (api: string) => s.standIn.calls.filter((c) => c.api === api);

  beforeAll(async () => {
    root = tempDir('governor-e2e-desktop-');
    dir = join(root, 'backtester');
    other = join(root, 'ledger-tools');
    appData = join(root, 'appdata');
    home = join(root, 'home');
    await initProject(dir, { sample: true });
    await initProject(other, { name: 'Ledger tools' });
    browser = await launchChromium(found.path ?? '', DESKTOP_ARGS);
    // File › Open Project… is answered with the second project; subframes get the preload, so one can try to call in.
    s = await openDesktop({
      browser,
      dir,
      appData,
      env: { GOVERNOR_HOME: home },
      standIn: { picks: [other], preloadInSubframes: true, locks },
    });
    page = s.page;
    await page.locator('[data-testid=stage][data-stage=plan]').waitFor(UI);
  }, 120_000);

  afterAll(async () => {
    await s?.close();
    await browser?.close();
  });

  it('opens one isolated, sandboxed window with the bundled preload; the page gets window.governor only', async () => {
    const opened = calls('BrowserWindow');
    expect(opened).toHaveLength(1);
    expect(opened[0]?.args[0]).toMatchObject({
      show: false,
      webPreferences: {
        preload: await desktopPreload(),
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        webviewTag: false,
      },
    });
    // These preferences and no others: exactly what security.ts builds (devTools follows app.isPackaged).
    const prefs = (opened[0]!.args[0] as { webPreferences: { devTools?: boolean } }).webPreferences;
    expect(prefs).toEqual(secureWebPreferences(await desktopPreload(), { devTools: prefs.devTools ?? false }));
    // The renderer from disk, as loadFile opens it; the app routes by hash from there.
    expect(page.url().replace(/#.*$/, '')).toBe(pathToFileURL(join(RENDERER_DIST, 'index.html')).href);
    expect(await inPage(page, 'return Object.keys(g).sort();')).toEqual(['call', 'on']);
    expect(
      await inPage(
        page,
        'return [typeof window.require, typeof window.process, typeof window.ipcRenderer, Object.isFrozen(g)];',
      ),
    ).toEqual(['undefined', 'undefined', 'undefined', true]);
    expect(await page.getByTestId('project-name').textContent()).toBe('build base backtester skeleton');
    expect(s.window.visible).toBe(true);
  });

  it('holds the project: `governor run` in a terminal is refused, naming the app, rather than run a second engine', async () => {
    const count = s.project.ledger.count();
    const r = await cli(['run', '--no-prompt', '--dir', dir]);
    expect(r.code, r.out).toBe(1);
    expect(r.out).toContain(`is already driven by the Governor desktop app (pid ${process.pid})`);
    expect(s.project.ledger.count()).toBe(count);
  });

  it('answers calls and events outside the contract with typed errors, and changes nothing', async () => {
    const p = s.project;
    const count = p.ledger.count();
    // Through the page's bridge, as a compromised page would try.
    expect(await inPage(page, "return g.call('ledger.drop', {});")).toMatchObject({
      ok: false,
      error: { code: 'unknown_call' },
    });
    expect(
      await inPage(
        page,
        "return g.call('reviews.decide', { reviewId: 'review_0001', decision: 'approve_quietly', comment: '' });",
      ),
    ).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringMatching(/decision/) } });
    expect(
      await inPage(
        page,
        "return g.call('concerns.act', { concernId: 'concern_0001', action: 'resolve', sudo: true });",
      ),
    ).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(
      await inPage(
        page,
        "try { g.on('will-navigate', () => {}); return 'subscribed'; } catch (e) { return e.message; }",
      ),
    ).toMatch(/^\[unknown_event\] /);
    expect(
      await inPage(
        page,
        "try { g.on('progress', 'not a function'); return 'subscribed'; } catch (e) { return e.message; }",
      ),
    ).toMatch(/^\[bad_listener\] /);
    // Straight at main's handler, past the preload: envelopes that are not one contract call.
    const event = { sender: s.window.webContents, senderFrame: s.window.webContents.mainFrame };
    for (const args of [
      [{ name: 'project.status', params: {}, sudo: true }],
      [{ name: 'shell.openExternal', params: {} }],
      ['project.status'],
      [],
      [{ name: 'project.status', params: {} }, 'second'],
    ]) {
      expect(await s.standIn.invokeRaw(IPC_CHANNELS.call, event, ...args)).toMatchObject({
        ok: false,
        error: { code: 'bad_request' },
      });
    }
    // Pushed to the page outside the envelope: the preload drops it, and the page carries on.
    const warnings: string[] = [];
    page.on('console', (m) => void (m.type() === 'warning' && warnings.push(m.text())));
    s.window.webContents.send(IPC_CHANNELS.event, { event: 'made.up', data: {} });
    s.window.webContents.send(IPC_CHANNELS.event, 'garbage');
    await expect.poll(() => warnings.filter((w) => w.includes('outside the IPC envelope')).length, UI).toBe(2);
    // An honest call still works, and nothing moved.
    expect(await inPage(page, "return g.call('project.status', {});")).toMatchObject({
      ok: true,
      result: { last_seq: count },
    });
    expect(p.ledger.count()).toBe(count);
    expect(p.read.concerns()).toEqual([]);
  });

  it('refuses a call from a frame that is not the window main frame, and changes nothing', async () => {
    const count = s.project.ledger.count();
    // A subframe with the bridge (as nodeIntegrationInSubFrames would give it) asks for a command.
    await page.evaluate(
      `new Promise((resolve) => {
        const f = document.createElement('iframe');
        f.srcdoc = '<p>embedded</p>';
        f.onload = resolve;
        document.body.appendChild(f);
      })`,
    );
    const frame = page.frames().find((f) => f !== page.mainFrame());
    if (!frame) throw new Error('the subframe did not load');
    const answer = await frame.evaluate(`window.governor.call('commands.run', { text: '/pause all' })`);
    expect(answer).toMatchObject({
      ok: false,
      error: { code: 'forbidden', message: expect.stringContaining('main frame') },
    });
    await page.evaluate(`document.querySelector('iframe').remove()`);
    expect(s.project.ledger.count()).toBe(count);
    expect(s.project.read.agents().every((a) => a.status !== 'paused')).toBe(true);
  });

  it('denies navigation, new windows and every permission, and serves the page under its CSP', async () => {
    await page.evaluate(`location.href = 'https://example.com/'`);
    await expect.poll(() => s.window.webContents.navigations.length, UI).toBe(1);
    expect(s.window.webContents.navigations[0]).toEqual({ url: 'https://example.com/', prevented: true });
    expect(page.url()).toMatch(/^file:\/\/.*\/index\.html(#.*)?$/);
    await page.evaluate(`window.open('https://example.com/popup')`);
    await expect
      .poll(() => s.window.webContents.opened, UI)
      .toEqual([{ url: 'https://example.com/popup', action: 'deny' }]);
    await expect.poll(() => page.context().pages().length, UI).toBe(1);
    expect(await s.standIn.askPermission('media')).toBe(false);
    expect(await s.standIn.askPermission('notifications')).toBe(false);
    expect(s.standIn.checkPermission()).toBe(false);
    // The policy main sets on every response: an inline script does not run, a remote image is not fetched.
    const blocked = await page.evaluate(`new Promise((resolve) => {
      const seen = [];
      document.addEventListener('securitypolicyviolation', (e) => seen.push(e.violatedDirective));
      const sc = document.createElement('script');
      sc.textContent = 'window.__inline = 1';
      document.body.appendChild(sc);
      const img = document.createElement('img'); img.src = 'https://example.com/x.png'; document.body.appendChild(img);
      setTimeout(() => resolve({ inline: window.__inline ?? null, seen }), 300);
    })`);
    expect(blocked).toMatchObject({ inline: null, seen: expect.arrayContaining(['script-src-elem', 'img-src']) });
    const csp = calls('webRequest.onHeadersReceived');
    expect(csp).toHaveLength(1);
    // A file outside the renderer is cancelled by the session, whatever the page's policy says of file: URLs.
    await page.evaluate(`fetch('file:///etc/hostname').catch(() => null)`);
    await expect.poll(() => calls('webRequest.cancelled').map((c) => c.args[0]), UI).toContain('file:///etc/hostname');
    expect(await page.getByTestId('project-name').textContent()).toBe('build base backtester skeleton');
  });

  it('notifies a review request natively, counts it on the tray, and a click opens that review', async () => {
    await page.getByTestId('run').click();
    await page.locator('[data-testid=stage][data-stage=plan_review]').waitFor(LOOP);
    const review = s.project.read.pendingReviews()[0];
    if (!review) throw new Error('no review after Run');
    await expect.poll(() => s.standIn.notifications.filter((n) => n.shown).length, UI).toBeGreaterThan(0);
    const notice = s.standIn.notifications.find((n) => n.shown && String(n.options.title).length > 0);
    expect(notice?.options).toMatchObject({ urgency: 'normal' });
    const tray = s.standIn.trays[0];
    if (!tray) throw new Error('no tray');
    await expect.poll(() => tray.tooltip, UI).toMatch(/1 review waiting/);
    expect(tray.image?.path).toMatch(/tray-attention\.png$/);
    // The menu is rebuilt on the same change as the tooltip, but may land a tick later on a busy machine.
    await expect
      .poll(() => tray.menu.map((i) => i.label ?? i.type), UI)
      .toEqual([
        'Open Governor',
        expect.stringMatching(/^Base backtester skeleton · plan_review · 1 review waiting$/),
        'separator',
        'Pause all agents',
        'Resume all agents',
        'separator',
        'Quit Governor',
      ]);
    // The human is elsewhere; the click brings the window up on that review.
    await page.locator('body').press('1');
    notice?.click();
    await page.waitForURL(new RegExp(`#/reviews/${review.id}$`), UI);
    await page.locator('.rv-detail-head', { hasText: review.id }).waitFor(UI);
    expect(calls('BrowserWindow.focus').length).toBeGreaterThan(0);
  });

  it('pauses and resumes every agent from the tray menu, and its status line opens the dashboard', async () => {
    const tray = s.standIn.trays[0];
    if (!tray) throw new Error('no tray');
    tray.choose(/^Base backtester skeleton · /);
    await page.waitForURL(/#\/dashboard$/, UI);
    await page.getByTestId('pipeline').waitFor(UI);
    tray.choose('Pause all agents');
    await expect.poll(() => s.project.ledger.readTypes(['agent.paused']).length, UI).toBeGreaterThan(0);
    await expect.poll(() => s.standIn.notifications.at(-1)?.options.title, UI).toBe('Governor');
    expect(String(s.standIn.notifications.at(-1)?.options.body)).toMatch(/paus/i);
    await page.locator('[data-testid=team-agent][data-status=paused]').first().waitFor(UI);
    tray.choose('Resume all agents');
    await expect.poll(() => s.project.ledger.readTypes(['agent.resumed']).length, UI).toBeGreaterThan(0);
    await page
      .locator('[data-testid=team-agent][data-status=paused]')
      .first()
      .waitFor({ state: 'detached', ...UI });
  });

  it('closing the window keeps Governor in the tray, and Open Governor shows it again', async () => {
    s.window.close();
    expect(s.window.isDestroyed()).toBe(false);
    expect(s.window.visible).toBe(false);
    s.standIn.trays[0]?.choose('Open Governor');
    await expect.poll(() => s.window.visible, UI).toBe(true);
    expect(s.standIn.exited).toBeNull();
  });

  it('File › Open Project… asks for a folder and switches through the switcher; Open Recent goes back', async () => {
    await page.evaluate('window.__sameDocument = true');
    s.standIn.chooseMenu(['File', 'Open Project…']);
    await page.locator('[data-testid=project-name]:text-is("Ledger tools")').waitFor(UI);
    expect(calls('dialog.showOpenDialog').map((c) => c.args[1])).toEqual([other]);
    // The first project was closed cleanly: its loop lock released, its ledger closed (SQLite drops the -wal file).
    expect(existsSync(join(dir, '.governor', 'loop.lock'))).toBe(false);
    expect(existsSync(join(dir, '.governor', 'governor.db-wal'))).toBe(false);
    // The one driver of the project now shown, named as the app so a terminal's refusal can say so.
    expect(JSON.parse(readFileSync(join(other, '.governor', 'loop.lock'), 'utf8'))).toMatchObject({
      pid: process.pid,
      kind: 'desktop',
    });
    await expect
      .poll(() => s.standIn.appMenu().find((m) => m.label === 'File')?.submenu, UI)
      .toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            label: 'Open Recent',
            submenu: [
              expect.objectContaining({ label: `Ledger tools — ${other}` }),
              expect.objectContaining({ label: `build base backtester skeleton — ${dir}` }),
            ],
          }),
        ]),
      );
    s.standIn.chooseMenu(['File', 'Open Recent', /^build base backtester skeleton/]);
    await page.locator('[data-testid=project-name]:text-is("build base backtester skeleton")').waitFor(UI);
    await page.locator('[data-testid=stage][data-stage=plan_review]').waitFor(UI);
    // No reload: the window moved to each project through pushed events.
    expect(await page.evaluate('window.__sameDocument === true')).toBe(true);
    const recent = () =>
      (
        JSON.parse(readFileSync(join(home, 'recent.json'), 'utf8')) as { projects: Array<{ dir: string }> }
      ).projects.map((r) => r.dir);
    await expect.poll(recent, UI).toEqual([dir, other]);
  });

  it('a second launch focuses the first window and leaves; the next puts the window back where it was', async () => {
    const stateFile = join(appData, 'Governor', 'window-state.json');
    s.window.setBounds({ x: 140, y: 90, width: 1100, height: 720 });
    const focusedBefore = calls('BrowserWindow.focus').length;
    // Launched again (a second process, as far as Electron's lock is concerned).
    const second: StandIn = createStandIn({ appData, locks });
    const launch = startDesktop(second.electron, {
      paths: {
        rendererDir: join(root, 'nowhere'),
        rendererIndex: join(root, 'nowhere', 'index.html'),
        preload: join(root, 'nowhere.cjs'),
        sqliteBinding: '',
        iconsDir: '',
      },
      argv: ['electron', 'main.mjs', dir],
      defaultApp: true,
      cwd: root,
      env: { GOVERNOR_HOME: home },
      platform: 'linux',
      startupProblem: null,
    });
    await launch.started;
    expect(second.exited).toEqual({ code: 0 });
    expect(second.calls.filter((c) => c.api === 'BrowserWindow')).toEqual([]);
    await expect.poll(() => calls('BrowserWindow.focus').length, UI).toBeGreaterThan(focusedBefore);

    await s.quit();
    expect(s.standIn.exited).toEqual({ code: 0 });
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toMatchObject({ x: 140, y: 90, width: 1100, height: 720 });
    // Quitting closed the project: no lock left for the next one to trip over.
    expect(existsSync(join(dir, '.governor', 'loop.lock'))).toBe(false);

    // No project named this time: the app opens the one it had last, in the window's last place.
    const again = await openDesktop({ browser, dir: null, appData, env: { GOVERNOR_HOME: home }, standIn: { locks } });
    try {
      expect(again.standIn.calls.find((c) => c.api === 'BrowserWindow')?.args[0]).toMatchObject({
        x: 140,
        y: 90,
        width: 1100,
        height: 720,
      });
      await again.page.locator('[data-testid=project-name]:text-is("build base backtester skeleton")').waitFor(UI);
      expect(again.errors()).toEqual([]);
    } finally {
      await again.close();
    }
  });

  it('logged no page errors but those the probes above provoked', () => {
    const provoked = /example\.com|Executing inline script|\/etc\/hostname/;
    expect(s.errors().filter((e) => !provoked.test(e))).toEqual([]);
  });
});

describe.skipIf(skip !== null)('a reply outside the IPC envelope', () => {
  let root: string;
  let browser: Browser;
  let s: DesktopSession;

  beforeAll(async () => {
    root = tempDir('governor-e2e-envelope-');
    const dir = join(root, 'backtester');
    await initProject(dir, { sample: true });
    browser = await launchChromium(found.path ?? '', DESKTOP_ARGS);
    // Today's shape of the old mismatch: a bare result where the envelope belongs.
    s = await openDesktop({ browser, dir, standIn: { tamperReply: unwrapped } });
  }, 120_000);
  afterAll(async () => {
    await s?.close();
    await browser?.close();
  });

  it('is a typed error in the page: each view says so, and what the UI suite waits for never comes', async () => {
    expect(await inPage(s.page, "return g.call('project.status', {});")).toEqual({
      ok: false,
      error: { code: 'bad_response', message: 'project.status: the main process answered outside the IPC envelope' },
    });
    // Pushed events still arrive (the stage shows), but every answer the views ask for is refused: what the
    // suite's first story waits for (the empty reviews card and its next step) never comes; the page says why.
    await s.page.locator('[data-testid=stage][data-stage=plan]').waitFor(UI);
    await s.page
      .getByText(/outside the IPC envelope/)
      .first()
      .waitFor(UI);
    expect(await s.page.getByTestId('pending-reviews-empty').count()).toBe(0);
    expect(await s.page.getByTestId('concerns-card').textContent()).toContain(
      'Could not load concerns: concerns.list: the main process answered outside the IPC envelope',
    );
  });
});
