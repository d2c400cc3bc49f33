import type {
  BrowserWindowConstructorOptions,
  MenuItemConstructorOptions,
  MessageBoxOptions,
  NotificationConstructorOptions,
  OpenDialogOptions,
} from 'electron';
import type { FrameLike, IpcMainLike } from './ipc.ts';
import type { Rect } from './window-state.ts';

/**
 * The part of Electron's main-process API the desktop shell uses, described structurally: the members
 * `desktop.ts` calls and nothing more. `main.ts` hands over the real 'electron' module (the compiler checks
 * that it fits), and tests hand over an in-process stand-in that records every call (e2e/support). So the
 * code `npm start` runs is the code the tests drive; only the module under it differs.
 */

/** An Electron event whose default can be prevented (before-quit, close, will-navigate, …). */
export interface Preventable {
  preventDefault(): void;
}

/** A built native menu; opaque here. */
export type MenuLike = object;

export interface WebContentsSurface {
  readonly mainFrame: FrameLike;
  send(channel: string, payload: unknown): void;
  executeJavaScript(code: string): Promise<unknown>;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
  on(event: 'did-finish-load', listener: () => void): unknown;
  on(event: 'will-navigate' | 'will-redirect' | 'will-attach-webview', listener: (event: Preventable) => void): unknown;
}

export interface WindowSurface {
  readonly webContents: WebContentsSurface;
  isDestroyed(): boolean;
  isMinimized(): boolean;
  isMaximized(): boolean;
  isFullScreen(): boolean;
  getNormalBounds(): Rect;
  maximize(): void;
  setFullScreen(flag: boolean): void;
  restore(): void;
  show(): void;
  hide(): void;
  focus(): void;
  loadFile(file: string, options?: { hash?: string }): Promise<void>;
  once(event: 'ready-to-show', listener: () => void): unknown;
  on(
    event: 'resize' | 'move' | 'maximize' | 'unmaximize' | 'enter-full-screen' | 'leave-full-screen' | 'closed',
    listener: () => void,
  ): unknown;
  on(event: 'close', listener: (event: Preventable) => void): unknown;
}

export interface NotificationSurface {
  on(event: 'click' | 'close', listener: () => void): unknown;
  show(): void;
}

/** `Image` is whatever the module's nativeImage makes (Electron's NativeImage); opaque here. */
export interface TraySurface<Image> {
  on(event: 'click', listener: () => void): unknown;
  setImage(image: Image): void;
  setToolTip(text: string): void;
  setTitle(title: string): void;
  setContextMenu(menu: MenuLike | null): void;
  destroy(): void;
}

export interface AppSurface {
  readonly isPackaged: boolean;
  setName(name: string): void;
  getPath(name: 'appData' | 'userData'): string;
  setPath(name: 'userData', path: string): void;
  requestSingleInstanceLock(): boolean;
  whenReady(): Promise<unknown>;
  quit(): void;
  exit(code?: number): void;
  on(event: 'second-instance' | 'activate' | 'window-all-closed', listener: () => void): unknown;
  on(event: 'before-quit', listener: (event: Preventable) => void): unknown;
  on(event: 'web-contents-created', listener: (event: unknown, contents: WebContentsSurface) => void): unknown;
}

export interface SessionSurface {
  setPermissionRequestHandler(
    handler: (contents: unknown, permission: string, callback: (granted: boolean) => void) => void,
  ): void;
  setPermissionCheckHandler(handler: () => boolean): void;
  readonly webRequest: {
    onBeforeRequest(
      listener: (details: { url: string }, callback: (response: { cancel: boolean }) => void) => void,
    ): void;
    onHeadersReceived(
      listener: (
        details: { responseHeaders?: Record<string, string[]> },
        callback: (response: { responseHeaders: Record<string, string[]> }) => void,
      ) => void,
    ): void;
  };
}

export interface SafeStorageSurface {
  isAsyncEncryptionAvailable(): Promise<boolean>;
  getSelectedStorageBackend(): string;
  encryptStringAsync(plain: string): Promise<Buffer>;
  decryptStringAsync(data: Buffer): Promise<{ result: string; shouldReEncrypt: boolean }>;
}

export interface ElectronSurface<Image = unknown> {
  app: AppSurface;
  ipcMain: IpcMainLike;
  BrowserWindow: new (options: BrowserWindowConstructorOptions) => WindowSurface;
  Menu: {
    buildFromTemplate(template: MenuItemConstructorOptions[]): MenuLike;
    setApplicationMenu(menu: MenuLike | null): void;
  };
  Notification: { new (options: NotificationConstructorOptions): NotificationSurface; isSupported(): boolean };
  Tray: new (image: Image) => TraySurface<Image>;
  nativeImage: { createFromPath(path: string): Image };
  dialog: {
    showErrorBox(title: string, content: string): void;
    showMessageBox(options: MessageBoxOptions): Promise<{ response: number }>;
    showOpenDialog(options: OpenDialogOptions): Promise<{ canceled: boolean; filePaths: string[] }>;
  };
  screen: {
    getPrimaryDisplay(): { id: number; workArea: Rect };
    getAllDisplays(): Array<{ id: number; workArea: Rect }>;
  };
  session: { readonly defaultSession: SessionSurface };
  safeStorage: SafeStorageSurface;
}
