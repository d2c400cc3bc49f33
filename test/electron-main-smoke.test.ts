import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
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
 * proves is the wiring: the order of startup, the hooks installed, the IPC handler bound to the project.
 */
const FAKE_ELECTRON = String.raw`
import { EventEmitter } from 'node:events';
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
  send(channel, payload) { this.sent.push(payload.event); }
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
export const Menu = { buildFromTemplate: (t) => ({ t }), setApplicationMenu: (m) => log('menu', m.t.map((x) => x.label)) };
export class Notification extends EventEmitter { static isSupported() { return true; } constructor(o) { super(); log('notification', o.title); } show() {} }
export const dialog = {
  showErrorBox: (t, m) => log('errorBox', t + ': ' + m),
  showMessageBox: async (o) => { log('messageBox', o.message); return { response: o.buttons.length - 1 }; },
  showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
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
const ask = (fn, ...args) => new Promise((r) => fn(...args, r));
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
  log('events', [...new Set(win.webContents.sent)]);
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

  beforeAll(async () => {
    const root = tempDir('governor-app-');
    const repo = resolve(import.meta.dirname, '..');
    // The packaged layout: <app>/dist/electron (bundle + addon), <app>/dist/renderer, <app>/resources.
    await bundle(join(root, 'dist', 'electron'));
    const addon = join(dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node');
    mkdirSync(join(root, 'dist', 'electron', 'native'));
    // Under Node the "Electron ABI" is Node's, so the Node build is the right addon here.
    copyFileSync(addon, join(root, 'dist', 'electron', 'native', 'better_sqlite3.node'));
    mkdirSync(join(root, 'dist', 'renderer'));
    writeFileSync(join(root, 'dist', 'renderer', 'index.html'), '<!doctype html><title>Governor</title>');
    symlinkSync(join(repo, 'resources'), join(root, 'resources'));
    symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
    writeFileSync(join(root, 'fake-electron.mjs'), FAKE_ELECTRON);
    writeFileSync(join(root, 'hooks.mjs'), `export async function resolve(s, c, next) { return s === 'electron' ? { url: ${JSON.stringify(pathToFileURL(join(root, 'fake-electron.mjs')).href)}, shortCircuit: true } : next(s, c); }\n`);
    writeFileSync(join(root, 'register.mjs'), "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n");
    const project = join(root, 'project');
    await initProject(project, { sample: true });
    const appData = join(root, 'appdata');
    const r = spawnSync(process.execPath, ['--import', pathToFileURL(join(root, 'register.mjs')).href, join(root, 'dist', 'electron', 'main.mjs'), project], {
      encoding: 'utf8',
      env: { ...process.env, FAKE_APPDATA: appData, GOVERNOR_PROJECT: '' },
      timeout: 60_000,
    });
    lines = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Line);
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
    expect(stderr.split('\n').filter((l) => l.startsWith('governor:') && !l.includes('refused an IPC call'))).toEqual([]);
    expect(get('status')).toBe('plan');
    // The IPC handler is gone by the time the app leaves.
    expect(get('quit')).toBe(0);
  });

  it('opens the window with the secure preferences and the bundled preload', () => {
    expect(get('window')).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, preload: expect.stringMatching(/dist\/electron\/preload\.cjs$/) });
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
    expect(get('trayMenu')).toEqual(['Open Governor', 'No project open', 'separator', 'Pause all agents', 'Resume all agents', 'separator', 'Quit Governor']);
    expect(last('trayMenu')).toEqual(['Open Governor', 'Phase 1 · plan', 'separator', 'Pause all agents', 'Resume all agents', 'separator', 'Quit Governor']);
    expect(String(last('tooltip'))).toMatch(/build base backtester skeleton/);
    expect(get('hidden')).toBe(true);
    expect(get('stillOpen')).toBe(true);
  });
});
