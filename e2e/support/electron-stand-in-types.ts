/**
 * The surface tests see of the Electron stand-in (electron-stand-in.ts): what it records, what it lets the
 * "human" do (move windows, click notifications, pick tray and menu items) and its options.
 */
import type {
  BrowserWindowConstructorOptions,
  MenuItemConstructorOptions,
  NotificationConstructorOptions,
} from 'electron';
import type { Browser, Page } from 'playwright-core';
import type { InvokeEventLike } from '../../electron/main/ipc.ts';
import type {
  ElectronSurface,
  NotificationSurface,
  TraySurface,
  WebContentsSurface,
  WindowSurface,
} from '../../electron/main/surface.ts';
import type { Rect } from '../../electron/main/window-state.ts';

/** How every part of the stand-in records a call the shell made. */
export type RecordCall = (api: string, ...args: unknown[]) => void;

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
