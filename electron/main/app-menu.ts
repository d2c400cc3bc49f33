import type { MenuItemConstructorOptions } from 'electron';

/**
 * The application menu as data (Electron's own template type, imported for types only), so the shortcuts
 * people expect are checked by tests: the Edit menu's roles are what make Cmd/Ctrl+C, V, Z and A work in
 * the page's text fields on macOS, and DevTools stay out of a packaged build.
 */
export interface AppMenuOptions {
  platform: NodeJS.Platform;
  /** Development build: adds reload and DevTools. */
  dev: boolean;
  appName: string;
  openProject: () => void;
  showDashboard: () => void;
  /** File › Open Recent: most recent first; a folder that is gone is listed but cannot be chosen. */
  recent?: ReadonlyArray<{ dir: string; name: string; missing: boolean }>;
  openRecent?: (dir: string) => void;
}

/** The Open Recent submenu: one item per project, named and placed, or a single disabled line when empty. */
export function recentSubmenu(
  recent: AppMenuOptions['recent'],
  openRecent: AppMenuOptions['openRecent'],
): MenuItemConstructorOptions[] {
  if (!recent || recent.length === 0) return [{ label: 'No recent projects', enabled: false }];
  return recent.map((r) => ({
    label: `${r.name} — ${r.dir}${r.missing ? ' (missing)' : ''}`,
    enabled: !r.missing && openRecent !== undefined,
    click: () => openRecent?.(r.dir),
  }));
}

export function appMenuTemplate(o: AppMenuOptions): MenuItemConstructorOptions[] {
  const mac = o.platform === 'darwin';
  const menu: MenuItemConstructorOptions[] = [];
  if (mac) {
    menu.push({
      label: o.appName,
      submenu: [
        { role: 'about' },
        { type: 'separator' },
        { role: 'services' },
        { type: 'separator' },
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        { role: 'quit' },
      ],
    });
  }
  menu.push({
    label: 'File',
    submenu: [
      { label: 'Open Project…', accelerator: 'CmdOrCtrl+O', click: () => o.openProject() },
      { label: 'Open Recent', submenu: recentSubmenu(o.recent, o.openRecent) },
      { label: 'Dashboard', accelerator: 'CmdOrCtrl+Shift+D', click: () => o.showDashboard() },
      { type: 'separator' },
      mac ? { role: 'close' } : { role: 'quit', accelerator: 'Ctrl+Q' },
    ],
  });
  menu.push({
    label: 'Edit',
    submenu: [
      { role: 'undo' },
      { role: 'redo' },
      { type: 'separator' },
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      { role: 'delete' },
      { type: 'separator' },
      { role: 'selectAll' },
    ],
  });
  const view: MenuItemConstructorOptions[] = [];
  if (o.dev) view.push({ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, { type: 'separator' });
  view.push(
    { role: 'resetZoom' },
    { role: 'zoomIn' },
    { role: 'zoomOut' },
    { type: 'separator' },
    { role: 'togglefullscreen' },
  );
  menu.push({ label: 'View', submenu: view });
  menu.push({
    label: 'Window',
    submenu: mac
      ? [{ role: 'minimize' }, { role: 'zoom' }, { type: 'separator' }, { role: 'front' }]
      : [{ role: 'minimize' }, { role: 'close' }],
  });
  return menu;
}
