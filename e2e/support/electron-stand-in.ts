import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import type { MenuItemConstructorOptions, MessageBoxOptions, OpenDialogOptions } from 'electron';
import type { BrowserContext } from 'playwright-core';
import type { AppSurface, ElectronSurface } from '../../electron/main/surface.ts';
import type {
  RecordedCall,
  StandIn,
  StandInImage,
  StandInMenu,
  StandInNotification,
  StandInOptions,
  StandInTray,
} from './electron-stand-in-types.ts';
import { matches, notificationClass, press, safeStorageOf, submenuOf, trayClass } from './stand-in-os.ts';
import {
  type IpcHandler,
  type OwnedWindow,
  type SessionHooks,
  preventable,
  sessionOf,
  windowClass,
} from './stand-in-window.ts';

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

export function createStandIn(o: StandInOptions): StandIn {
  const calls: RecordedCall[] = [];
  const record = (api: string, ...args: unknown[]) => void calls.push({ api, args });
  const paths: Record<string, string> = { appData: o.appData };
  const handlers = new Map<string, IpcHandler>();
  const windows: OwnedWindow[] = [];
  const trays: StandInTray[] = [];
  const notifications: StandInNotification[] = [];
  const picks = [...(o.picks ?? [])];
  const answers = [...(o.answers ?? [])];
  const locks = o.locks ?? new Map<string, StandIn>();
  const hooks: SessionHooks = {};
  let appMenu: MenuItemConstructorOptions[] = [];
  let held = false;
  let exited: { code: number } | null = null;
  let quitWaiters: Array<(r: { code: number }) => void> = [];
  const contexts = new Set<BrowserContext>();

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
      for (const w of windows) if (!w.isDestroyed()) w.destroy();
      finish(code);
    }
  }
  const app = new App();

  const Win = windowClass({
    options: o,
    record,
    handlers,
    windows,
    contexts,
    hooks,
    app,
    held: () => held,
  });
  const Notification = notificationClass(record, notifications);
  const Tray = trayClass(record, trays);
  const session = sessionOf(record, hooks);
  const safeStorage = safeStorageOf(record);

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
