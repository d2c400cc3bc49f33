/**
 * The stand-in's parts of the desktop outside windows (see electron-stand-in.ts): notifications, the tray
 * and its menu, how a menu item is pressed, and the OS keychain behind safeStorage.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { MenuItemConstructorOptions, NotificationConstructorOptions } from 'electron';
import type { SafeStorageSurface } from '../../electron/main/surface.ts';
import type {
  RecordCall,
  StandInImage,
  StandInMenu,
  StandInNotification,
  StandInTray,
} from './electron-stand-in-types.ts';

export const matches = (label: string | undefined, want: string | RegExp) =>
  typeof want === 'string' ? label === want : want.test(label ?? '');

export function submenuOf(item: MenuItemConstructorOptions): MenuItemConstructorOptions[] {
  const sub = item.submenu;
  if (!sub) return [];
  if (Array.isArray(sub))
    return sub.filter(
      (x): x is MenuItemConstructorOptions => typeof x === 'object' && x !== null && !('commandId' in x),
    );
  throw new Error(`the stand-in only reads menus built from templates (${item.label ?? 'a menu'})`);
}

/** Press a menu item as Electron does: its click handler, with the menu item, window and event it expects. */
export function press(item: MenuItemConstructorOptions | undefined, what: string): void {
  if (!item) throw new Error(`no menu item ${what}`);
  if (item.enabled === false) throw new Error(`the menu item ${what} is disabled`);
  if (!item.click) throw new Error(`the menu item ${what} does nothing (role: ${item.role ?? 'none'})`);
  // Electron passes (menuItem, window, event); the shell's handlers take none of them.
  (item.click as () => void)();
}

/** Electron's Notification class, bound to this stand-in. */
export function notificationClass(record: RecordCall, notifications: StandInNotification[]) {
  return class Notification extends EventEmitter implements StandInNotification {
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
  };
}

/** Electron's Tray class, bound to this stand-in. */
export function trayClass(record: RecordCall, trays: StandInTray[]) {
  return class Tray extends EventEmitter implements StandInTray {
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
  };
}

/** safeStorage really encrypts (AES-GCM with a key of its own), so a test can tell ciphertext from the key. */
export function safeStorageOf(record: RecordCall): SafeStorageSurface {
  // The OS keychain's secret.
  const keychain = randomBytes(32);
  return {
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
}
