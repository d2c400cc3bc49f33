import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../core/errors.ts';
import type { AppPaths } from './launch.ts';
import { isSafeRoute } from './notification-logic.ts';
import { secureWebPreferences } from './security.ts';
import type { ElectronSurface, WindowSurface } from './surface.ts';
import {
  type WindowState,
  MIN_HEIGHT,
  MIN_WIDTH,
  clampToDisplays,
  loadWindowState,
  saveWindowState,
} from './window-state.ts';

/**
 * The desktop shell's one window: created on demand where it was last left (clamped to the displays there
 * are now), its bounds saved as they settle, and shown at a route. `desktop.ts` owns the lifecycle and says,
 * through the callbacks, whether closing hides to the tray and whether the app is already shut down.
 */

export interface DesktopWindowOptions<Image> {
  electron: Pick<ElectronSurface<Image>, 'BrowserWindow' | 'dialog' | 'screen'>;
  paths: AppPaths;
  platform: NodeJS.Platform;
  dev: boolean;
  stateFile: string;
  /** Closing hides the window instead (Governor stays in the tray) while this holds. */
  hideOnClose: () => boolean;
  /** Once shut down, the state was saved (and awaited) already; a write now would be cut off. */
  shutDown: () => boolean;
  /** The UI has (re)loaded and wants the current status. */
  onLoaded: () => void;
}

export interface DesktopWindow {
  /** The window, or null when there is none (never created, or closed). */
  current(): WindowSurface | null;
  /** Show (creating it if need be), focus, and go to `route` when it is a safe one. */
  show(route?: string): Promise<void>;
  /** Save the window's state now, on the way out (a no-op without a window). */
  saveNow(): void;
  /** The last state write; the app does not quit before it lands (the process would cut it off). */
  saved(): Promise<void>;
}

/** Window moves and resizes come in bursts; the state is written once they settle. */
const SAVE_STATE_AFTER_MS = 500;

export function desktopWindow<Image>(o: DesktopWindowOptions<Image>): DesktopWindow {
  const { BrowserWindow, dialog, screen } = o.electron;
  const { paths, stateFile } = o;
  let win: WindowSurface | null = null;
  let windowSaved: Promise<void> = Promise.resolve();
  let saveWindowNow: (() => void) | null = null;

  function workAreas() {
    const primary = screen.getPrimaryDisplay();
    return [primary, ...screen.getAllDisplays().filter((d) => d.id !== primary.id)].map((d) => d.workArea);
  }

  function currentState(w: WindowSurface): WindowState {
    const b = w.getNormalBounds();
    return {
      x: b.x,
      y: b.y,
      width: Math.max(b.width, MIN_WIDTH),
      height: Math.max(b.height, MIN_HEIGHT),
      maximized: w.isMaximized(),
      fullscreen: w.isFullScreen(),
    };
  }

  async function createWindow(): Promise<WindowSurface> {
    const state = clampToDisplays(await loadWindowState(stateFile), workAreas());
    const w = new BrowserWindow({
      ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}),
      width: state.width,
      height: state.height,
      minWidth: MIN_WIDTH,
      minHeight: MIN_HEIGHT,
      show: false,
      title: 'Governor',
      backgroundColor: '#111318',
      ...(o.platform === 'linux' ? { icon: join(paths.iconsDir, '256x256.png') } : {}),
      webPreferences: secureWebPreferences(paths.preload, { devTools: o.dev }),
    });
    win = w;
    if (state.maximized) w.maximize();
    if (state.fullscreen) w.setFullScreen(true);
    w.once('ready-to-show', () => w.show());
    let saveTimer: NodeJS.Timeout | null = null;
    const save = () => {
      if (saveTimer) clearTimeout(saveTimer);
      saveTimer = null;
      // Read now (a closed window cannot be asked), written in order, and awaited before the app quits.
      const state = currentState(w);
      windowSaved = windowSaved
        .then(() => saveWindowState(stateFile, state))
        .catch((err: unknown) => console.warn(`governor: window state not saved: ${errorMessage(err)}`));
    };
    saveWindowNow = save;
    const saveSoon = () => {
      if (saveTimer) clearTimeout(saveTimer);
      saveTimer = setTimeout(save, SAVE_STATE_AFTER_MS);
    };
    for (const e of ['resize', 'move', 'maximize', 'unmaximize', 'enter-full-screen', 'leave-full-screen'] as const)
      w.on(e, saveSoon);
    w.on('close', (event) => {
      // On the way out the state was saved (and awaited) before the project closed; a write now would be cut off.
      if (!o.shutDown()) save();
      // Closing the window leaves Governor in the tray: agents keep working and notifications keep coming.
      if (o.hideOnClose()) {
        event.preventDefault();
        w.hide();
      }
    });
    w.on('closed', () => {
      if (saveTimer) clearTimeout(saveTimer);
      if (saveWindowNow === save) saveWindowNow = null;
      if (win === w) win = null;
    });
    w.webContents.on('did-finish-load', () => o.onLoaded());
    if (!existsSync(paths.rendererIndex)) {
      dialog.showErrorBox(
        'Governor',
        `The UI is not built (${paths.rendererIndex} is missing). ` +
          'Run `npm run build:renderer`, or start with `npm start`.',
      );
    }
    await w
      .loadFile(paths.rendererIndex)
      .catch((err: unknown) => console.error(`governor: could not load the UI: ${errorMessage(err)}`));
    return w;
  }

  async function showWindow(route?: string): Promise<void> {
    const w = win && !win.isDestroyed() ? win : await createWindow();
    if (w.isMinimized()) w.restore();
    w.show();
    w.focus();
    if (!route || !isSafeRoute(route)) return;
    // A hash change is in-page (no navigation to block); the route was checked against a strict pattern.
    await w.webContents
      .executeJavaScript(`location.hash = ${JSON.stringify(route)}`)
      .catch(() => w.loadFile(paths.rendererIndex, { hash: route.slice(1) }));
  }

  return {
    current: () => win,
    show: showWindow,
    saveNow: () => saveWindowNow?.(),
    saved: () => windowSaved,
  };
}
