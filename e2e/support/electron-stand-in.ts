import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type {
  BrowserWindowConstructorOptions,
  MenuItemConstructorOptions,
  MessageBoxOptions,
  NotificationConstructorOptions,
  OpenDialogOptions,
} from 'electron';
import type { Browser, BrowserContext, Frame, Page, Route } from 'playwright-core';
import type { FrameLike, InvokeEventLike } from '../../electron/main/ipc.ts';
import type {
  AppSurface,
  ElectronSurface,
  NotificationSurface,
  Preventable,
  SafeStorageSurface,
  SessionSurface,
  TraySurface,
  WebContentsSurface,
  WindowSurface,
} from '../../electron/main/surface.ts';
import type { Rect } from '../../electron/main/window-state.ts';
import { IPC_CHANNELS } from '../../shared/ipc.ts';
import { type BridgeNames, preloadInitScript } from './preload-in-page.ts';
import { type RendererLink, linkRenderer } from './renderer-link.ts';

/**
 * An in-process stand-in for Electron's main-process module surface, for machines where no Electron binary
 * can run. The desktop shell (`startDesktop` in electron/main/desktop.ts) is handed this instead of the
 * real module and runs unchanged. Every call it makes is recorded (`calls`) for tests to assert on, and a
 * BrowserWindow renders in a real Chromium page: `loadFile` opens the renderer from disk as Electron does,
 * the real preload bundle named in its webPreferences runs in the page (preload-in-page.ts), and the
 * page's IPC reaches the shell's real `ipcMain` handlers with the calling frame as `senderFrame`. Pushed
 * events go the other way through the preload's own listeners. The session's request and header hooks,
 * the window-open handler and `will-navigate` are applied to what the page really does.
 *
 * Only Electron is stood in. The engine, the shell, the preload and the renderer are the real ones.
 */

export interface RecordedCall {
  api: string;
  args: unknown[];
}

/** Two launches of the app share this, as two processes share Electron's single-instance lock. */
export type InstanceLocks = Map<string, StandIn>;

export interface StandInOptions {
  /** Electron's appData folder (the shell puts userData under it). */
  appData: string;
  /** Chromium to render windows in; without it windows only record what they are asked to do. */
  browser?: Browser;
  viewport?: { width: number; height: number };
  /** Work areas of the displays, the primary first. */
  displays?: Rect[];
  /** Folders the Open dialog answers with, in order; cancelled once they run out. */
  picks?: string[];
  /** Button indexes message boxes answer with, in order; then their cancel button. */
  answers?: number[];
  /** Run the preload in subframes too (Electron's nodeIntegrationInSubFrames), so a test can see main refuse them. */
  preloadInSubframes?: boolean;
  /** Rewrite each reply between main and the preload: a test's way to break the envelope on purpose. */
  tamperReply?: (reply: unknown) => unknown;
  /** Shared with another stand-in to play a second launch of the app. */
  locks?: InstanceLocks;
  /** Console errors and uncaught exceptions of every page. */
  errors?: string[];
}

export interface StandInWindow extends WindowSurface {
  readonly options: BrowserWindowConstructorOptions;
  readonly webContents: StandInWebContents;
  readonly visible: boolean;
  readonly focused: boolean;
  /** The Chromium page showing this window (after its first loadFile, when a browser was given). */
  page(): Page | null;
  /** The human moves or resizes the window. */
  setBounds(r: Rect): void;
  close(): void;
}

export interface StandInWebContents extends WebContentsSurface {
  /** The answer the last window-open request got. */
  readonly opened: Array<{ url: string; action: string }>;
  readonly navigations: Array<{ url: string; prevented: boolean }>;
}

export interface StandInNotification extends NotificationSurface {
  readonly options: NotificationConstructorOptions;
  readonly shown: boolean;
  /** The human clicks it. */
  click(): void;
}

export interface StandInTray extends TraySurface<StandInImage> {
  readonly image: StandInImage | null;
  readonly tooltip: string;
  readonly menu: MenuItemConstructorOptions[];
  readonly destroyed: boolean;
  /** The human picks the context-menu item whose label matches. */
  choose(label: string | RegExp): void;
}

export interface StandInImage {
  path: string;
}

export interface StandInMenu {
  template: MenuItemConstructorOptions[];
}

export interface StandIn {
  electron: ElectronSurface<StandInImage>;
  calls: RecordedCall[];
  windows: StandInWindow[];
  trays: StandInTray[];
  notifications: StandInNotification[];
  /** The application menu last set. */
  appMenu(): MenuItemConstructorOptions[];
  /** The human picks a menu item by its path of labels, e.g. ['File', 'Open Recent', /demo/]. */
  chooseMenu(path: Array<string | RegExp>): void;
  /** Hold back pushed events, as a window that misses them would; false delivers what comes next again. */
  holdPushes(on: boolean): void;
  /** Whether the app has quit (or exited), and with what code. */
  readonly exited: { code: number } | null;
  /** Resolves once the app has quit. */
  whenQuit(): Promise<{ code: number }>;
  /** Let the main process's handler answer a raw IPC invoke, as a page without the preload would send it. */
  invokeRaw(channel: string, event: InvokeEventLike, ...args: unknown[]): Promise<unknown>;
  /** The shell's permission handlers, as Chromium would consult them. */
  askPermission(permission: string): Promise<boolean>;
  checkPermission(): boolean;
  dispose(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
};

const preventable = (): Preventable & { defaultPrevented: boolean } => ({
  defaultPrevented: false,
  preventDefault() {
    this.defaultPrevented = true;
  },
});

const matches = (label: string | undefined, want: string | RegExp) =>
  typeof want === 'string' ? label === want : want.test(label ?? '');

function submenuOf(item: MenuItemConstructorOptions): MenuItemConstructorOptions[] {
  const sub = item.submenu;
  if (!sub) return [];
  if (Array.isArray(sub))
    return sub.filter(
      (x): x is MenuItemConstructorOptions => typeof x === 'object' && x !== null && !('commandId' in x),
    );
  throw new Error(`the stand-in only reads menus built from templates (${item.label ?? 'a menu'})`);
}

/** Press a menu item as Electron does: its click handler, with the menu item, window and event it expects. */
function press(item: MenuItemConstructorOptions | undefined, what: string): void {
  if (!item) throw new Error(`no menu item ${what}`);
  if (item.enabled === false) throw new Error(`the menu item ${what} is disabled`);
  if (!item.click) throw new Error(`the menu item ${what} does nothing (role: ${item.role ?? 'none'})`);
  // Electron passes (menuItem, window, event); the shell's handlers take none of them.
  (item.click as () => void)();
}

export function createStandIn(o: StandInOptions): StandIn {
  const calls: RecordedCall[] = [];
  const record = (api: string, ...args: unknown[]) => void calls.push({ api, args });
  const paths: Record<string, string> = { appData: o.appData };
  const handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>>();
  const windows: StandInWindow[] = [];
  const trays: StandInTray[] = [];
  const notifications: StandInNotification[] = [];
  const picks = [...(o.picks ?? [])];
  const answers = [...(o.answers ?? [])];
  const locks = o.locks ?? new Map<string, StandIn>();
  const hooks: {
    permission?: (contents: unknown, permission: string, callback: (granted: boolean) => void) => void;
    check?: () => boolean;
    request?: (details: { url: string }, callback: (response: { cancel: boolean }) => void) => void;
    headers?: (
      details: { responseHeaders?: Record<string, string[]> },
      callback: (response: { responseHeaders: Record<string, string[]> }) => void,
    ) => void;
  } = {};
  let appMenu: MenuItemConstructorOptions[] = [];
  let held = false;
  let exited: { code: number } | null = null;
  let quitWaiters: Array<(r: { code: number }) => void> = [];
  const contexts = new Set<BrowserContext>();
  // The OS keychain's secret: safeStorage really encrypts, so a test can tell ciphertext from the key.
  const keychain = randomBytes(32);

  const finish = (code: number) => {
    if (exited) return;
    exited = { code };
    record('app.exited', code);
    for (const [key, holder] of locks) if (holder === standIn) locks.delete(key);
    for (const w of quitWaiters) w(exited);
    quitWaiters = [];
  };

  class App extends EventEmitter implements AppSurface {
    readonly isPackaged = false;
    setName(name: string) {
      record('app.setName', name);
    }
    getPath(name: 'appData' | 'userData') {
      const p = paths[name];
      if (!p) throw new Error(`app.getPath('${name}') before it was set`);
      return p;
    }
    setPath(name: 'userData', path: string) {
      record('app.setPath', name, path);
      paths[name] = path;
    }
    requestSingleInstanceLock() {
      const key = this.getPath('userData');
      // Electron keeps the lock in userData, creating the folder; the shell counts on it being there.
      mkdirSync(key, { recursive: true });
      const holder = locks.get(key);
      record('app.requestSingleInstanceLock', key, !holder);
      if (holder && holder !== standIn && !holder.exited) {
        // Electron tells the first instance, which is expected to show itself.
        (holder.electron.app as App).emit('second-instance', {}, [], '');
        return false;
      }
      locks.set(key, standIn);
      return true;
    }
    whenReady() {
      return Promise.resolve();
    }
    quit() {
      record('app.quit');
      if (exited) return;
      const event = preventable();
      this.emit('before-quit', event);
      if (event.defaultPrevented) return;
      for (const w of [...windows]) if (!w.isDestroyed()) w.close();
      if (windows.some((w) => !w.isDestroyed())) return; // a window refused to close: Electron cancels the quit
      this.emit('will-quit', preventable());
      finish(0);
    }
    exit(code = 0) {
      record('app.exit', code);
      for (const w of windows) if (!w.isDestroyed()) (w as Win).destroy();
      finish(code);
    }
  }
  const app = new App();

  class WebContents extends EventEmitter implements StandInWebContents {
    readonly opened: Array<{ url: string; action: string }> = [];
    readonly navigations: Array<{ url: string; prevented: boolean }> = [];
    openHandler: ((details: { url: string }) => { action: 'deny' } | { action: 'allow' }) | null = null;
    page: Page | null = null;
    link: RendererLink | null = null;
    names: BridgeNames = {
      invoke: `__gvInvoke_${randomBytes(6).toString('hex')}`,
      receive: `__gvReceive_${randomBytes(6).toString('hex')}`,
    };
    private queue: unknown[] = [];
    private flushing: Promise<void> | null = null;
    private readonly detached: FrameLike = { url: 'about:blank', parent: null, processId: 1, routingId: 0 };

    get mainFrame(): FrameLike {
      return this.link ? this.link.mainFrame() : this.detached;
    }
    send(channel: string, payload: unknown) {
      record('webContents.send', channel, payload);
      if (channel !== IPC_CHANNELS.event) throw new Error(`the shell pushed on an unexpected channel: ${channel}`);
      if (held || !this.page) return;
      this.queue.push(payload);
      this.flushing ??= this.flush();
    }
    /** One delivery per batch, in order: what Electron's IPC guarantees for one sender. */
    private async flush(): Promise<void> {
      while (this.queue.length > 0 && this.link) await this.link.push(IPC_CHANNELS.event, this.queue.splice(0));
      this.flushing = null;
    }
    async executeJavaScript(code: string) {
      record('webContents.executeJavaScript', code);
      if (!this.page) throw new Error('the window has no page yet');
      return this.page.evaluate(code);
    }
    setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' } | { action: 'allow' }) {
      record('webContents.setWindowOpenHandler');
      this.openHandler = handler;
    }
  }

  class Win extends EventEmitter implements StandInWindow {
    readonly webContents = new WebContents();
    visible = false;
    focused = false;
    minimized = false;
    maximized = false;
    fullScreen = false;
    destroyed = false;
    bounds: Rect;
    private context: BrowserContext | null = null;
    private expectedNavigation: string | null = null;

    constructor(readonly options: BrowserWindowConstructorOptions) {
      super();
      record('BrowserWindow', options);
      this.bounds = {
        x: options.x ?? 0,
        y: options.y ?? 0,
        width: options.width ?? 800,
        height: options.height ?? 600,
      };
      windows.push(this);
      app.emit('web-contents-created', {}, this.webContents);
    }
    page() {
      return this.webContents.page;
    }
    isDestroyed() {
      return this.destroyed;
    }
    isMinimized() {
      return this.minimized;
    }
    isMaximized() {
      return this.maximized;
    }
    isFullScreen() {
      return this.fullScreen;
    }
    getNormalBounds() {
      return { ...this.bounds };
    }
    setBounds(r: Rect) {
      const moved = r.x !== this.bounds.x || r.y !== this.bounds.y;
      const resized = r.width !== this.bounds.width || r.height !== this.bounds.height;
      this.bounds = { ...r };
      if (moved) this.emit('move');
      if (resized) this.emit('resize');
    }
    maximize() {
      record('BrowserWindow.maximize');
      this.maximized = true;
      this.emit('maximize');
    }
    setFullScreen(flag: boolean) {
      record('BrowserWindow.setFullScreen', flag);
      this.fullScreen = flag;
      this.emit(flag ? 'enter-full-screen' : 'leave-full-screen');
    }
    restore() {
      record('BrowserWindow.restore');
      this.minimized = false;
    }
    show() {
      record('BrowserWindow.show');
      this.visible = true;
    }
    hide() {
      record('BrowserWindow.hide');
      this.visible = false;
    }
    focus() {
      record('BrowserWindow.focus');
      this.focused = true;
    }
    close() {
      record('BrowserWindow.close');
      if (this.destroyed) return;
      const event = preventable();
      this.emit('close', event);
      if (event.defaultPrevented) return;
      this.destroy();
    }
    destroy() {
      if (this.destroyed) return;
      this.destroyed = true;
      this.visible = false;
      const ctx = this.context;
      this.webContents.page = null;
      const link = this.webContents.link;
      this.webContents.link = null;
      void link?.close();
      if (ctx) void ctx.close().catch(() => {});
      this.emit('closed');
      if (windows.every((w) => w.isDestroyed())) app.emit('window-all-closed');
    }

    async loadFile(file: string, opts?: { hash?: string }) {
      record('BrowserWindow.loadFile', file, opts ?? {});
      const url = `${pathToFileURL(file).href}${opts?.hash ? `#${opts.hash}` : ''}`;
      if (o.browser) {
        const page = this.webContents.page ?? (await this.openPage(o.browser));
        this.expectedNavigation = url.replace(/#.*$/, '');
        await page.goto(url);
      } else {
        setTimeout(() => this.webContents.emit('did-finish-load'), 0);
      }
      this.emit('ready-to-show');
    }

    /** The window's Chromium page: the preload from its webPreferences, its IPC, and its session's rules. */
    private async openPage(browser: Browser): Promise<Page> {
      const prefs = this.options.webPreferences ?? {};
      if (prefs.contextIsolation !== true || prefs.sandbox !== true || prefs.nodeIntegration !== false) {
        throw new Error(
          'the stand-in renders only isolated, sandboxed windows without Node, as the shell must ask for',
        );
      }
      const context = await browser.newContext({
        viewport: o.viewport ?? { width: this.bounds.width, height: this.bounds.height },
      });
      contexts.add(context);
      this.context = context;
      const page = await context.newPage();
      const wc = this.webContents;
      const errors = o.errors;
      if (errors) {
        page.on('console', (m) => {
          if (m.type() === 'error') errors.push(`${m.text()} (${m.location().url || 'page'})`);
        });
        page.on('pageerror', (e) => errors.push(e.message));
      }
      page.on('load', () => wc.emit('did-finish-load'));
      // ipcRenderer.invoke, as main receives it: the calling frame and this window's webContents.
      wc.link = await linkRenderer(
        page,
        wc.names,
        async (frame, channel, args) => {
          const handler = handlers.get(channel);
          if (!handler) throw new Error(`No handler registered for '${channel}'`);
          const reply = await handler({ sender: wc, senderFrame: frame }, ...args);
          return o.tamperReply ? o.tamperReply(reply) : reply;
        },
        (url) => {
          // Electron asks the window-open handler before it creates a window.
          const answer = wc.openHandler?.({ url }) ?? { action: 'allow' };
          wc.opened.push({ url, action: answer.action });
          record('window-open', url, answer.action);
        },
      );
      // Chromium makes the new page at once; a denied one is closed (and its requests refused below).
      context.on('page', (popup) => {
        if (popup !== page && this.denies(popup.url())) void popup.close().catch(() => {});
      });
      if (prefs.preload) {
        const code = await readFile(prefs.preload, 'utf8');
        await page.addInitScript({
          content: preloadInitScript(code, wc.names, { subframes: o.preloadInSubframes === true }),
        });
      }
      await context.route('**/*', (route) => this.onRequest(route, page));
      wc.page = page;
      return page;
    }

    /** What the window-open handler says of a new window (asked again: the decision was recorded on window.open). */
    private denies(url: string): boolean {
      return this.webContents.openHandler?.({ url }).action === 'deny';
    }

    /** Every request the window's session makes: onBeforeRequest, then the file read and onHeadersReceived. */
    private async onRequest(route: Route, page: Page): Promise<void> {
      const request = route.request();
      const url = request.url();
      let frame: Frame | null = null;
      try {
        frame = request.frame();
      } catch {
        // A new window's first request comes before its frame exists.
      }
      if (request.isNavigationRequest()) {
        if (!frame || frame.page() !== page) {
          if (this.denies(url)) return route.abort('blockedbyclient');
        } else if (frame === page.mainFrame() && url.replace(/#.*$/, '') !== this.expectedNavigation) {
          const event = preventable();
          this.webContents.emit('will-navigate', event, url);
          this.webContents.navigations.push({ url, prevented: event.defaultPrevented });
          record('will-navigate', url, event.defaultPrevented);
          if (event.defaultPrevented) return route.abort('aborted');
        }
      }
      const cancel = hooks.request
        ? await new Promise<boolean>((r) => hooks.request?.({ url }, (res) => r(res.cancel)))
        : false;
      if (cancel) {
        record('webRequest.cancelled', url);
        return route.abort('blockedbyclient');
      }
      if (!url.startsWith('file:')) return route.continue();
      let body: Buffer;
      try {
        body = await readFile(fileURLToPath(url));
      } catch {
        return route.abort('filenotfound');
      }
      const base: Record<string, string[]> = {
        'Content-Type': [TYPES[extname(fileURLToPath(url))] ?? 'application/octet-stream'],
      };
      const headers = hooks.headers
        ? await new Promise<Record<string, string[]>>((r) =>
            hooks.headers?.({ responseHeaders: base }, (res) => r(res.responseHeaders)),
          )
        : base;
      await route.fulfill({
        status: 200,
        body,
        headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.join(', ')])),
      });
    }
  }

  class Notification extends EventEmitter implements StandInNotification {
    shown = false;
    static isSupported() {
      return true;
    }
    constructor(readonly options: NotificationConstructorOptions) {
      super();
      record('Notification', options);
      notifications.push(this);
    }
    show() {
      record('Notification.show', this.options.title);
      this.shown = true;
    }
    click() {
      record('Notification.click', this.options.title);
      this.emit('click');
    }
  }

  class Tray extends EventEmitter implements StandInTray {
    image: StandInImage | null;
    tooltip = '';
    title = '';
    menu: MenuItemConstructorOptions[] = [];
    destroyed = false;
    constructor(image: StandInImage) {
      super();
      record('Tray', image);
      this.image = image;
      trays.push(this);
    }
    setImage(image: StandInImage) {
      record('Tray.setImage', image);
      this.image = image;
    }
    setToolTip(text: string) {
      record('Tray.setToolTip', text);
      this.tooltip = text;
    }
    setTitle(title: string) {
      record('Tray.setTitle', title);
      this.title = title;
    }
    setContextMenu(menu: StandInMenu | null) {
      record(
        'Tray.setContextMenu',
        menu?.template.map((i) => i.label ?? i.type),
      );
      this.menu = menu?.template ?? [];
    }
    destroy() {
      record('Tray.destroy');
      this.destroyed = true;
    }
    choose(label: string | RegExp) {
      record('Tray.choose', String(label));
      press(
        this.menu.find((i) => matches(i.label, label)),
        String(label),
      );
    }
  }

  const session: SessionSurface = {
    setPermissionRequestHandler: (fn) => {
      record('session.setPermissionRequestHandler');
      hooks.permission = fn;
    },
    setPermissionCheckHandler: (fn) => {
      record('session.setPermissionCheckHandler');
      hooks.check = fn;
    },
    webRequest: {
      onBeforeRequest: (fn) => {
        record('webRequest.onBeforeRequest');
        hooks.request = fn;
      },
      onHeadersReceived: (fn) => {
        record('webRequest.onHeadersReceived');
        hooks.headers = fn;
      },
    },
  };

  const safeStorage: SafeStorageSurface = {
    isAsyncEncryptionAvailable: async () => true,
    getSelectedStorageBackend: () => 'gnome_libsecret',
    async encryptStringAsync(plain) {
      record('safeStorage.encryptStringAsync', plain.length);
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', keychain, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    async decryptStringAsync(data) {
      record('safeStorage.decryptStringAsync', data.length);
      const d = createDecipheriv('aes-256-gcm', keychain, data.subarray(0, 12));
      d.setAuthTag(data.subarray(12, 28));
      return {
        result: Buffer.concat([d.update(data.subarray(28)), d.final()]).toString('utf8'),
        shouldReEncrypt: false,
      };
    },
  };

  const displays = (o.displays ?? [{ x: 0, y: 0, width: 1920, height: 1080 }]).map((workArea, id) => ({
    id: id + 1,
    workArea,
  }));

  const electron: ElectronSurface<StandInImage> = {
    app,
    ipcMain: {
      handle(channel, listener) {
        record('ipcMain.handle', channel);
        if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
        handlers.set(channel, listener);
      },
      removeHandler(channel) {
        record('ipcMain.removeHandler', channel);
        handlers.delete(channel);
      },
    },
    BrowserWindow: Win,
    Menu: {
      buildFromTemplate: (template): StandInMenu => ({ template }),
      setApplicationMenu: (menu) => {
        const template = menu && 'template' in menu ? (menu as StandInMenu).template : [];
        record(
          'Menu.setApplicationMenu',
          template.map((m) => m.label),
        );
        appMenu = template;
      },
    },
    Notification,
    Tray,
    nativeImage: { createFromPath: (path) => ({ path }) },
    dialog: {
      showErrorBox(title, content) {
        record('dialog.showErrorBox', title, content);
      },
      async showMessageBox(options: MessageBoxOptions) {
        const response = answers.shift() ?? options.cancelId ?? (options.buttons ?? []).length - 1;
        record('dialog.showMessageBox', options.message, options.buttons, response);
        return { response };
      },
      async showOpenDialog(options: OpenDialogOptions) {
        const dir = picks.shift();
        record('dialog.showOpenDialog', options.properties, dir ?? null);
        return dir ? { canceled: false, filePaths: [dir] } : { canceled: true, filePaths: [] };
      },
    },
    screen: {
      getPrimaryDisplay: () => displays[0] ?? { id: 1, workArea: { x: 0, y: 0, width: 1920, height: 1080 } },
      getAllDisplays: () => displays,
    },
    session: { defaultSession: session },
    safeStorage,
  };

  const standIn: StandIn = {
    electron,
    calls,
    windows,
    trays,
    notifications,
    appMenu: () => appMenu,
    chooseMenu(path) {
      let items = appMenu;
      let item: MenuItemConstructorOptions | undefined;
      for (const [i, label] of path.entries()) {
        item = items.find((m) => matches(m.label, label));
        if (!item)
          throw new Error(
            `no menu item ${path
              .slice(0, i + 1)
              .map(String)
              .join(' › ')}; there are ${items.map((m) => m.label ?? m.role ?? m.type).join(', ')}`,
          );
        items = submenuOf(item);
      }
      record('Menu.choose', path.map(String));
      press(item, path.map(String).join(' › '));
    },
    holdPushes(on) {
      held = on;
    },
    get exited() {
      return exited;
    },
    whenQuit() {
      return exited ? Promise.resolve(exited) : new Promise((r) => quitWaiters.push(r));
    },
    async invokeRaw(channel, event, ...args) {
      const handler = handlers.get(channel);
      if (!handler) throw new Error(`No handler registered for '${channel}'`);
      return handler(event, ...args);
    },
    askPermission(permission) {
      return new Promise((r) => {
        if (!hooks.permission) return r(true); // Electron's default grants
        hooks.permission(windows[0]?.webContents ?? null, permission, r);
      });
    },
    checkPermission() {
      return hooks.check ? hooks.check() : true;
    },
    async dispose() {
      if (!exited) app.exit(0);
      await Promise.all([...contexts].map((c) => c.close().catch(() => {})));
    },
  };
  return standIn;
}
