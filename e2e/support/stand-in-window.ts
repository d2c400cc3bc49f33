/**
 * The stand-in's BrowserWindow and webContents (see electron-stand-in.ts): a window renders in a real
 * Chromium page, with the real preload bundle from its webPreferences running in the page, the page's IPC
 * reaching the shell's `ipcMain` handlers, and the session's request and header hooks, the window-open
 * handler and `will-navigate` applied to what the page really does.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BrowserWindowConstructorOptions } from 'electron';
import type { Browser, BrowserContext, Frame, Page, Route } from 'playwright-core';
import type { FrameLike, InvokeEventLike } from '../../electron/main/ipc.ts';
import type { Preventable, SessionSurface } from '../../electron/main/surface.ts';
import type { Rect } from '../../electron/main/window-state.ts';
import { IPC_CHANNELS } from '../../shared/ipc.ts';
import type { RecordCall, StandInOptions, StandInWebContents, StandInWindow } from './electron-stand-in-types.ts';
import { type BridgeNames, preloadInitScript } from './preload-in-page.ts';
import { type RendererLink, linkRenderer } from './renderer-link.ts';

/** The handlers the shell registers on the session, as Chromium would consult them. */
export interface SessionHooks {
  permission?: (contents: unknown, permission: string, callback: (granted: boolean) => void) => void;
  check?: () => boolean;
  request?: (details: { url: string }, callback: (response: { cancel: boolean }) => void) => void;
  headers?: (
    details: { responseHeaders?: Record<string, string[]> },
    callback: (response: { responseHeaders: Record<string, string[]> }) => void,
  ) => void;
}

export type IpcHandler = (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>;

/** A window the stand-in made: what tests see, and `destroy`, which only the app calls. */
export interface OwnedWindow extends StandInWindow {
  destroy(): void;
}

/** What windows share with the rest of the stand-in. */
export interface WindowContext {
  options: StandInOptions;
  record: RecordCall;
  handlers: Map<string, IpcHandler>;
  windows: OwnedWindow[];
  contexts: Set<BrowserContext>;
  hooks: SessionHooks;
  app: EventEmitter;
  /** Whether pushed events are held back (`holdPushes`). */
  held(): boolean;
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

export const preventable = (): Preventable & { defaultPrevented: boolean } => ({
  defaultPrevented: false,
  preventDefault() {
    this.defaultPrevented = true;
  },
});

/** The default session: it keeps the shell's hooks for the windows' requests and permission checks. */
export function sessionOf(record: RecordCall, hooks: SessionHooks): SessionSurface {
  return {
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
}

/** Electron's BrowserWindow class, bound to this stand-in. */
export function windowClass(ctx: WindowContext): new (options: BrowserWindowConstructorOptions) => OwnedWindow {
  const { options: o, record, handlers, windows, contexts, hooks, app } = ctx;

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
      if (ctx.held() || !this.page) return;
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

  return Win;
}
