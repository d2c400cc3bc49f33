import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { initProject } from '../electron/core/project.ts';
import { bundle } from '../scripts/prepare-electron.ts';
import { tempDir } from './support/tmp.ts';

/**
 * The real bundled main process, started under plain Node with a stand-in for the 'electron' module (the
 * binary cannot run here). The stand-in records what main.ts asks of Electron and plays a short session:
 * the page calls in, a frame that is not ours calls in, the window is closed, the app quits. What this
 * proves is the wiring: the order of startup, the hooks installed, the IPC handler bound to the project,
 * and switching projects (the Projects view's calls and File › Open Project…) through the same switcher
 * as the headless host.
 */
const FAKE_ELECTRON = String.raw`
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
const log = (kind, data) => process.stdout.write(JSON.stringify({ kind, data }) + '\n');
process.defaultApp = true;
const paths = { appData: process.env.FAKE_APPDATA };
const handlers = new Map();
const hooks = {};
const prevented = () => ({ defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } });
export const ipcMain = { handle: (c, fn) => handlers.set(c, fn), removeHandler: (c) => handlers.delete(c) };
class WebContents extends EventEmitter {
  mainFrame = { url: '', parent: null, processId: 3, routingId: 1 };
  sent = [];
  send(channel, payload) { this.sent.push(payload); }
  setWindowOpenHandler(fn) { this.openHandler = fn; }
  executeJavaScript(code) { log('exec', code); return Promise.resolve(); }
  reload() {}
}
class App extends EventEmitter {
  isPackaged = false;
  setName(n) { log('name', n); }
  setPath(k, v) { paths[k] = v; }
  getPath(k) { return paths[k]; }
  requestSingleInstanceLock() { log('lock', paths.userData); return true; }
  whenReady() { return Promise.resolve(); }
  quit() { const e = prevented(); this.emit('before-quit', e); if (!e.defaultPrevented) { log('quit', handlers.size); process.exit(0); } }
  exit(code) { log('exit', code); process.exit(code); }
}
export const app = new App();
export class BrowserWindow extends EventEmitter {
  constructor(opts) {
    super();
    this.webContents = new WebContents();
    log('window', opts.webPreferences);
    app.emit('web-contents-created', {}, this.webContents);
  }
  async loadFile(file, o) {
    this.webContents.mainFrame.url = pathToFileURL(file).href + (o?.hash ? '#' + o.hash : '');
    setTimeout(() => { this.emit('ready-to-show'); this.webContents.emit('did-finish-load'); setTimeout(() => play(this), 50); }, 0);
  }
  maximize() {} setFullScreen() {} restore() {} show() {} focus() {} hide() { log('hidden', true); }
  getNormalBounds() { return { x: 10, y: 10, width: 1200, height: 800 }; }
  isMaximized() { return false; } isFullScreen() { return false; } isMinimized() { return false; }
  isDestroyed() { return this.destroyed === true; }
  close() { const e = prevented(); this.emit('close', e); if (!e.defaultPrevented) { this.destroyed = true; this.emit('closed'); } }
}
let appMenu = [];
const fileMenu = () => appMenu.find((m) => m.label === 'File').submenu;
const recentLabels = () => fileMenu().find((i) => i.label === 'Open Recent').submenu.map((i) => i.label);
export const Menu = { buildFromTemplate: (t) => ({ t }), setApplicationMenu: (m) => { appMenu = m.t; log('menu', m.t.map((x) => x.label)); } };
export class Notification extends EventEmitter { static isSupported() { return true; } constructor(o) { super(); log('notification', o.title); } show() {} }
export const dialog = {
  showErrorBox: (t, m) => log('errorBox', t + ': ' + m),
  showMessageBox: async (o) => { log('messageBox', o.message); return { response: o.buttons.length - 1 }; },
  // The folders the human picks, in order (FAKE_PICKS); cancelled once they run out.
  showOpenDialog: async () => { const dir = picks.shift(); log('openDialog', dir ?? null); return dir ? { canceled: false, filePaths: [dir] } : { canceled: true, filePaths: [] }; },
};
const display = { id: 1, workArea: { x: 0, y: 0, width: 1920, height: 1080 } };
export const screen = { getPrimaryDisplay: () => display, getAllDisplays: () => [display] };
export const session = { defaultSession: {
  setPermissionRequestHandler: (fn) => (hooks.permission = fn),
  setPermissionCheckHandler: (fn) => (hooks.check = fn),
  webRequest: { onBeforeRequest: (fn) => (hooks.request = fn), onHeadersReceived: (fn) => (hooks.headers = fn) },
} };
export class Tray extends EventEmitter { setImage() {} setToolTip(t) { log('tooltip', t); } setTitle() {} setContextMenu(m) { log('trayMenu', m.t.map((i) => i.label ?? i.type)); } destroy() {} }
export const nativeImage = { createFromPath: (p) => ({ p }), createEmpty: () => ({}) };
export const safeStorage = {};
const picks = JSON.parse(process.env.FAKE_PICKS || '[]');
const ask = (fn, ...args) => new Promise((r) => fn(...args, r));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const waitFor = async (ok) => { for (let i = 0; i < 1500 && !ok(); i++) await sleep(20); return ok(); };
// SQLite removes a WAL database's -wal file when its last connection closes: the ledger was closed.
const walOf = (dir) => existsSync(join(dir, '.governor', 'governor.db-wal'));

/** The Projects view's calls, then File › Open Project…, each switching the engine the window talks to. */
async function playProjects(win, call) {
  const env = process.env;
  const rpc = (name, params) => call({ sender: win.webContents, senderFrame: win.webContents.mainFrame }, { name, params });
  const sent = win.webContents.sent;
  log('p.first', (await rpc('projects.current', {})).result);
  log('p.firstWalBefore', walOf(env.FAKE_FIRST));
  log('p.bad', await rpc('projects.open', { dir: env.FAKE_BAD }));
  log('p.afterBad', { current: (await rpc('projects.current', {})).result, status: (await rpc('project.status', {})).result?.name, walOpen: walOf(env.FAKE_FIRST) });
  let mark = sent.length;
  log('p.created', await rpc('projects.create', { dir: env.FAKE_SECOND, name: 'Second project', template: 'blank' }));
  log('p.createdEvents', sent.slice(mark));
  log('p.createdStatus', (await rpc('project.status', {})).result?.name);
  log('p.firstWalAfter', walOf(env.FAKE_FIRST));
  log('p.demo', await rpc('projects.demo', { dir: env.FAKE_DEMO }));
  log('p.secondWalAfter', walOf(env.FAKE_SECOND));
  // The new project's own events reach the window: a command lands on its ledger, its status follows.
  mark = sent.length;
  log('p.command', (await rpc('commands.run', { text: '/pause all' })).ok);
  await waitFor(() => sent.slice(mark).some((e) => e.event === 'status.changed'));
  log('p.demoEvents', sent.slice(mark));
  await waitFor(() => recentLabels().some((l) => l.includes(env.FAKE_DEMO)));
  log('p.recentMenu', recentLabels());
  mark = sent.length;
  fileMenu().find((i) => i.label === 'Open Project…').click();
  await waitFor(() => sent.slice(mark).some((e) => e.event === 'project.switched'));
  log('p.menuEvents', sent.slice(mark).map((e) => e.event));
  log('p.menuCurrent', (await rpc('projects.current', {})).result);
  log('p.demoAfterMenu', { wal: walOf(env.FAKE_DEMO), loopLock: existsSync(join(env.FAKE_DEMO, '.governor', 'loop.lock')) });
  log('p.recent', (await rpc('projects.recent', {})).result);
}

async function play(win) {
  const call = handlers.get('governor:call');
  const status = await call({ sender: win.webContents, senderFrame: win.webContents.mainFrame }, { name: 'project.status', params: {} });
  log('status', status.ok && status.result.stage);
  const iframe = await call({ sender: win.webContents, senderFrame: { ...win.webContents.mainFrame, parent: {} } }, { name: 'project.status', params: {} });
  log('iframe', iframe.ok ? 'accepted' : iframe.error.code);
  log('permission', await ask(hooks.permission, win.webContents, 'media'));
  log('remoteRequest', await ask(hooks.request, { url: 'https://example.com/x.js' }));
  log('ownRequest', await ask(hooks.request, { url: win.webContents.mainFrame.url.replace('index.html', 'assets/a.js') }));
  log('headers', (await ask(hooks.headers, { responseHeaders: {} })).responseHeaders);
  log('windowOpen', win.webContents.openHandler({ url: 'https://example.com' }));
  const nav = prevented();
  win.webContents.emit('will-navigate', nav, 'https://example.com');
  log('navigationBlocked', nav.defaultPrevented);
  log('events', [...new Set(win.webContents.sent.map((e) => e.event))]);
  await playProjects(win, call);
  win.close();
  log('stillOpen', !win.isDestroyed());
  app.quit();
}
`;

interface Line {
  kind: string;
  data: unknown;
}

describe('main process wiring, under a stand-in Electron', () => {
  let lines: Line[] = [];
  let stderr = '';
  let status: number | null = null;
  let project = '';
  let bad = '';
  let second = '';
  let demo = '';
  let appData = '';

  beforeAll(async () => {
    const root = tempDir('governor-app-');
    const repo = resolve(import.meta.dirname, '..');
    // The packaged layout: <app>/dist/electron (bundle + addon), <app>/dist/renderer, <app>/resources.
    await bundle(join(root, 'dist', 'electron'));
    const addon = join(
      dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json')),
      'build',
      'Release',
      'better_sqlite3.node',
    );
    mkdirSync(join(root, 'dist', 'electron', 'native'));
    // Under Node the "Electron ABI" is Node's, so the Node build is the right addon here.
    copyFileSync(addon, join(root, 'dist', 'electron', 'native', 'better_sqlite3.node'));
    mkdirSync(join(root, 'dist', 'renderer'));
    writeFileSync(join(root, 'dist', 'renderer', 'index.html'), '<!doctype html><title>Governor</title>');
    symlinkSync(join(repo, 'resources'), join(root, 'resources'));
    symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
    writeFileSync(join(root, 'fake-electron.mjs'), FAKE_ELECTRON);
    writeFileSync(
      join(root, 'hooks.mjs'),
      `export async function resolve(s, c, next) { return s === 'electron' ? { url: ${JSON.stringify(pathToFileURL(join(root, 'fake-electron.mjs')).href)}, shortCircuit: true } : next(s, c); }\n`,
    );
    writeFileSync(
      join(root, 'register.mjs'),
      "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n",
    );
    project = join(root, 'project');
    await initProject(project, { sample: true });
    bad = join(root, 'just-a-folder');
    mkdirSync(bad);
    second = join(root, 'second');
    demo = join(root, 'demo');
    appData = join(root, 'appdata');
    const r = spawnSync(
      process.execPath,
      ['--import', pathToFileURL(join(root, 'register.mjs')).href, join(root, 'dist', 'electron', 'main.mjs'), project],
      {
        encoding: 'utf8',
        env: {
          ...process.env,
          FAKE_APPDATA: appData,
          GOVERNOR_PROJECT: '',
          GOVERNOR_HOME: '',
          FAKE_FIRST: project,
          FAKE_BAD: bad,
          FAKE_SECOND: second,
          FAKE_DEMO: demo,
          FAKE_PICKS: JSON.stringify([project]),
        },
        timeout: 110_000,
      },
    );
    lines = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Line);
    stderr = r.stderr;
    status = r.status;
  });

  const get = (kind: string) => lines.find((l) => l.kind === kind)?.data;
  const last = (kind: string) => lines.filter((l) => l.kind === kind).at(-1)?.data;

  it('starts, opens the project from the command line and quits cleanly', () => {
    expect(status, stderr).toBe(0);
    expect(get('name')).toBe('Governor');
    expect(String(get('lock'))).toMatch(/appdata\/Governor$/);
    expect(get('errorBox')).toBeUndefined();
    // No warnings from the shell itself (refused calls are expected: one is played on purpose).
    expect(stderr.split('\n').filter((l) => l.startsWith('governor:') && !l.includes('refused an IPC call'))).toEqual(
      [],
    );
    expect(get('status')).toBe('plan');
    // The IPC handler is gone by the time the app leaves.
    expect(get('quit')).toBe(0);
  });

  it('opens the window with the secure preferences and the bundled preload', () => {
    expect(get('window')).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      preload: expect.stringMatching(/dist\/electron\/preload\.cjs$/),
    });
  });

  it('installs the security hooks: no permissions, no network, CSP, no new windows, no navigation', () => {
    expect(get('iframe')).toBe('forbidden');
    expect(get('permission')).toBe(false);
    expect(get('remoteRequest')).toEqual({ cancel: true });
    expect(get('ownRequest')).toEqual({ cancel: false });
    expect(get('headers')).toEqual({ 'Content-Security-Policy': [expect.stringMatching(/script-src 'self'/)] });
    expect(get('windowOpen')).toEqual({ action: 'deny' });
    expect(get('navigationBlocked')).toBe(true);
  });

  it('pushes status to the page, builds the menus and keeps running in the tray when the window closes', () => {
    expect(get('events')).toContain('status.changed');
    expect(get('menu')).toEqual(expect.arrayContaining(['File', 'Edit', 'View', 'Window']));
    expect(get('trayMenu')).toEqual([
      'Open Governor',
      'No project open',
      'separator',
      'Pause all agents',
      'Resume all agents',
      'separator',
      'Quit Governor',
    ]);
    expect(last('trayMenu')).toEqual([
      'Open Governor',
      'Phase 1 · plan',
      'separator',
      'Pause all agents',
      'Resume all agents',
      'separator',
      'Quit Governor',
    ]);
    expect(String(last('tooltip'))).toMatch(/build base backtester skeleton/);
    expect(get('hidden')).toBe(true);
    expect(get('stillOpen')).toBe(true);
  });
  describe('switching projects, as the Projects view and File › Open Project… do', () => {
    type Pushed = { event: string; data: { name?: string; dir?: string; events?: Array<{ type: string }> } };

    it('refuses a folder that is not a project, in words, and leaves the current project as it was', () => {
      expect(get('p.first')).toEqual({ dir: project, name: 'build base backtester skeleton' });
      expect(get('p.bad')).toEqual({
        ok: false,
        error: { code: 'not_a_project', message: expect.stringContaining(`${bad} is not a Governor project`) },
      });
      expect(get('p.afterBad')).toEqual({
        current: { dir: project, name: 'build base backtester skeleton' },
        status: 'build base backtester skeleton',
        walOpen: true,
      });
    });

    it('projects.create switches the engine behind the IPC handler, closes the old ledger and tells the window', () => {
      expect(get('p.firstWalBefore')).toBe(true);
      expect(get('p.created')).toEqual({ ok: true, result: { dir: second, name: 'Second project' } });
      expect(get('p.createdStatus')).toBe('Second project');
      expect(get('p.firstWalAfter')).toBe(false);
      const pushed = get('p.createdEvents') as Pushed[];
      const switched = pushed.findIndex((e) => e.event === 'project.switched');
      expect(pushed[switched]?.data).toEqual({ dir: second, name: 'Second project' });
      // After the switch the page gets the new project's status, and nothing of the old one's.
      const after = pushed.slice(switched + 1).filter((e) => e.event === 'status.changed');
      expect(after.length).toBeGreaterThan(0);
      expect(after.every((e) => e.data.name === 'Second project')).toBe(true);
      expect(pushed.some((e) => e.event === 'progress' && JSON.stringify(e.data).includes('Creating'))).toBe(true);
    });

    it("projects.demo switches again, and the new project's own events reach the window", () => {
      expect(get('p.demo')).toEqual({ ok: true, result: { dir: demo, name: 'build base backtester skeleton' } });
      expect(get('p.secondWalAfter')).toBe(false);
      expect(get('p.command')).toBe(true);
      const pushed = get('p.demoEvents') as Pushed[];
      expect(pushed.find((e) => e.event === 'ledger.appended')?.data.events?.map((e) => e.type)).toContain(
        'command.received',
      );
      expect(
        pushed
          .filter((e) => e.event === 'status.changed')
          .every((e) => e.data.name === 'build base backtester skeleton'),
      ).toBe(true);
    });

    it('File › Open Project… asks with the native dialog and switches through the same switcher; Open Recent lists the projects', () => {
      const recentMenu = get('p.recentMenu') as string[];
      expect(recentMenu[0]).toBe(`build base backtester skeleton — ${demo}`);
      expect(recentMenu).toEqual(
        expect.arrayContaining([`Second project — ${second}`, `build base backtester skeleton — ${project}`]),
      );
      expect(lines.filter((l) => l.kind === 'openDialog').map((l) => l.data)).toEqual([project]);
      expect(get('p.menuEvents')).toEqual(expect.arrayContaining(['project.switched', 'status.changed']));
      expect(get('p.menuCurrent')).toEqual({ dir: project, name: 'build base backtester skeleton' });
      // The demo's loop (started by the command) was stopped and its ledger closed.
      expect(get('p.demoAfterMenu')).toEqual({ wal: false, loopLock: false });
    });

    it("remembers recent projects in the app's userData folder", () => {
      const recent = get('p.recent') as Array<{ dir: string; missing: boolean }>;
      expect(recent.map((r) => r.dir)).toEqual([project, demo, second]);
      expect(recent.every((r) => !r.missing)).toBe(true);
      const file = JSON.parse(readFileSync(join(appData, 'Governor', 'recent.json'), 'utf8')) as {
        projects: Array<{ dir: string }>;
      };
      expect(file.projects.map((p) => p.dir)).toEqual([project, demo, second]);
    });
  });
});
