import { join } from 'node:path';
import type { MenuItemConstructorOptions } from 'electron';
import type { StatusSnapshot } from '../../shared/index.ts';
import type { ElectronSurface } from './surface.ts';
import { type TrayAction, type TrayIcon, trayIconFile, trayMenu, trayView } from './tray-logic.ts';

/** The tray icon and its menu, redrawn from each status push. Decisions live in tray-logic.ts. */
export interface GovernorTray {
  update(s: StatusSnapshot | null): void;
  destroy(): void;
}

export interface TrayOptions<Image> {
  electron: Pick<ElectronSurface<Image>, 'Tray' | 'Menu' | 'nativeImage'>;
  platform: NodeJS.Platform;
  iconsDir: string;
  onAction: (a: TrayAction) => void;
  onClick: () => void;
}

export function createGovernorTray<Image>(o: TrayOptions<Image>): GovernorTray {
  const { Tray, Menu, nativeImage } = o.electron;
  const images = new Map<TrayIcon, Image>();
  const image = (icon: TrayIcon) => {
    let img = images.get(icon);
    if (!img) {
      // nativeImage picks up the `@2x` file beside each icon by itself on high-density screens.
      img = nativeImage.createFromPath(join(o.iconsDir, trayIconFile(icon)));
      images.set(icon, img);
    }
    return img;
  };
  const tray = new Tray(image('tray'));
  tray.on('click', () => o.onClick());
  let lastMenu = '';
  let lastIcon: TrayIcon | null = null;

  const update = (s: StatusSnapshot | null) => {
    const view = trayView(s);
    if (view.icon !== lastIcon) tray.setImage(image(view.icon));
    lastIcon = view.icon;
    tray.setToolTip(view.tooltip);
    if (o.platform === 'darwin') tray.setTitle(view.title);
    const model = trayMenu(s);
    // Status arrives many times a second while agents work; rebuild the native menu only when it changed.
    const key = JSON.stringify(model);
    if (key === lastMenu) return;
    lastMenu = key;
    const template: MenuItemConstructorOptions[] = model.map((item) =>
      item.kind === 'separator'
        ? { type: 'separator' }
        : { label: item.label, enabled: item.enabled, click: () => o.onAction(item.id) },
    );
    tray.setContextMenu(Menu.buildFromTemplate(template));
  };
  update(null);
  return { update, destroy: () => tray.destroy() };
}
