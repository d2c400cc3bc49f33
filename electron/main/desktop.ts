import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { dispatch } from '../core/api.ts';
import { AGENTS_FILE } from '../core/config/load.ts';
import { errorMessage } from '../core/errors.ts';
import { openProject } from '../core/host.ts';
import type { Notification } from '../core/notify/notifications.ts';
import type { ProjectSwitcher } from '../core/projects.ts';
import { initProject } from '../core/project.ts';
import { readRecent } from '../core/recent.ts';
import { appMenuTemplate } from './app-menu.ts';
import { type DesktopSlot, desktopHome, startDesktopProjects } from './desktop-projects.ts';
import { desktopWindow } from './desktop-window.ts';
import { bindContractIpc } from './ipc.ts';
import { desktopKeyStore } from './keychain.ts';
import { type AppPaths, chooseProject, loadSettings, projectFromArgv, saveSettings } from './launch.ts';
import { nativeNotices } from './notification-logic.ts';
import { isAllowedRequest, rendererIndexUrl, withCsp } from './security.ts';
import type { ElectronSurface, NotificationSurface } from './surface.ts';
import { type GovernorTray, createGovernorTray } from './tray.ts';
import { TRAY_COMMANDS, type TrayAction } from './tray-logic.ts';

/**
 * The desktop shell: lifecycle, one window, tray, notifications, menus and the IPC binding, over whatever
 * Electron module it is given. `main.ts` gives it the real one; the tests give it an in-process stand-in
 * that records every call and drives a real Chromium page (e2e/support/electron-stand-in.ts). Every
 * decision worth testing on its own lives in a pure module beside this one, and the engine is `electron/core`.
 */

export interface DesktopOptions {
  paths: AppPaths;
  argv: readonly string[];
  /** Started as `electron main.mjs <dir>` (development) rather than as the packaged app. */
  defaultApp: boolean;
  cwd: string;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  /** Why no project can open at all (the SQLite addon for this Electron is missing), or null. */
  startupProblem: string | null;
}

export interface Desktop {
  /** Settles once start-up is over: a project is open in the window, or the app is on its way out. */
  readonly started: Promise<void>;
  /** The projects the window talks to: null until the first has opened, and again once quitting. */
  projects(): ProjectSwitcher<DesktopSlot> | null;
}

/** How long a running loop step may take to finish its transaction when the app quits. */
const QUIT_GRACE_MS = 5000;

export function startDesktop<Image>(electron: ElectronSurface<Image>, o: DesktopOptions): Desktop {
  const { app, Menu, Notification: NativeNotification, dialog, ipcMain, session } = electron;
  const { paths } = o;
  const dev = !app.isPackaged;
  // Fixed before anything reads userData (the single-instance lock lives there), in development too.
  app.setName('Governor');
  app.setPath('userData', join(app.getPath('appData'), 'Governor'));
  const userData = app.getPath('userData');
  const stateFile = join(userData, 'window-state.json');
  const settingsFile = join(userData, 'settings.json');
  // recent.json: the list behind File › Open Recent and the Projects view.
  const home = desktopHome(o.env, userData);
  // Provider keys typed into Settings: encrypted with the OS keychain, consulted after env and keys_file.
  const keyStore = desktopKeyStore(userData, electron.safeStorage, o.platform);

  let projects: ProjectSwitcher<DesktopSlot> | null = null;
  let tray: GovernorTray | null = null;
  let quitting = false;
  let shutDown = false;
  const seenNotices = new Set<string>();
  // Held until closed or clicked: a notification that is garbage-collected loses its click handler.
  const liveNotices = new Set<NotificationSurface>();

  const mainWindow = desktopWindow({
    electron,
    paths,
    platform: o.platform,
    dev,
    stateFile,
    hideOnClose: () => !quitting && tray !== null,
    shutDown: () => shutDown,
    onLoaded: () => projects?.current().pump.pushStatus(),
  });
  const showWindow = mainWindow.show;

  const ipc = bindContractIpc({
    ipcMain,
    window: () => mainWindow.current(),
    rendererIndexUrl: rendererIndexUrl(paths.rendererDir),
    api: () => projects?.current().api ?? null,
    onRefused: (reason, url) =>
      console.warn(`governor: refused an IPC call from ${url || 'an unknown frame'}: ${reason}`),
    onDropped: (reason) => console.warn(`governor: dropped an event for the window: ${reason}`),
  });

  function hardenSessions(): void {
    const ses = session.defaultSession;
    ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
    ses.setPermissionCheckHandler(() => false);
    ses.webRequest.onBeforeRequest((details, callback) =>
      callback({ cancel: !isAllowedRequest(details.url, paths.rendererDir) }),
    );
    ses.webRequest.onHeadersReceived((details, callback) =>
      callback({ responseHeaders: withCsp(details.responseHeaders) }),
    );
    app.on('web-contents-created', (_event, contents) => {
      contents.setWindowOpenHandler(() => ({ action: 'deny' }));
      // The renderer routes by hash (in-page, no navigation); any real navigation is someone else's page.
      contents.on('will-navigate', (event) => event.preventDefault());
      contents.on('will-redirect', (event) => event.preventDefault());
      contents.on('will-attach-webview', (event) => event.preventDefault());
    });
  }

  function notify(batch: Notification[]): void {
    if (!NativeNotification.isSupported()) return;
    for (const notice of nativeNotices(batch, seenNotices)) {
      const n = new NativeNotification({ title: notice.title, body: notice.body, urgency: notice.urgency });
      liveNotices.add(n);
      n.on('click', () => {
        liveNotices.delete(n);
        void showWindow(notice.route);
      });
      n.on('close', () => liveNotices.delete(n));
      n.show();
    }
  }

  /** Open the first project: the window, tray and notifications follow whichever project is current. */
  function startProjects(dir: string): Promise<ProjectSwitcher<DesktopSlot>> {
    return startDesktopProjects(dir, {
      send: (event, data) => ipc.send(event, data),
      // Provider keys: the environment, then agents.yaml's keys_file, then the OS keychain (safeStorage).
      open: (d, progress) => openProject(d, { progress, keyStore }),
      home,
      onStatus: (s) => tray?.update(s),
      onNotifications: notify,
      watchFiles: true,
      onError: (err) => console.warn(`governor: ${errorMessage(err)}`),
      onSwitched: (info) => void remembered(info.dir),
    });
  }

  /** The project just opened is the one to open next launch, and tops File › Open Recent. */
  async function remembered(dir: string): Promise<void> {
    // Remembering the folder is a convenience; failing to is no reason not to open it.
    await saveSettings(settingsFile, { lastProject: dir }).catch(() => {});
    await refreshMenu();
  }

  async function refreshMenu(): Promise<void> {
    const recent = await (projects ? projects.recent() : readRecent(home)).catch(() => []);
    const template = appMenuTemplate({
      platform: o.platform,
      dev,
      appName: 'Governor',
      openProject: () => void openFromMenu(),
      showDashboard: () => void showWindow('#/dashboard'),
      recent,
      openRecent: (dir) => void openFromMenu(dir),
    });
    Menu.setApplicationMenu(Menu.buildFromTemplate(template));
  }

  /** A folder did not open: offer to make it a project (when it is not one), to choose another, or to give up. */
  async function offerInit(
    dir: string,
    problem: string,
    giveUp: 'Quit' | 'Cancel',
  ): Promise<'init' | 'choose' | 'give-up'> {
    const notProject = !existsSync(join(dir, AGENTS_FILE));
    const buttons = notProject
      ? ['Make it a Governor project', 'Choose another folder', giveUp]
      : ['Choose another folder', giveUp];
    const { response } = await dialog.showMessageBox({
      type: notProject ? 'question' : 'error',
      title: 'Governor',
      message: notProject ? `${dir} is not a Governor project yet.` : `Governor could not open ${dir}.`,
      detail: problem,
      buttons,
      defaultId: 0,
      cancelId: buttons.length - 1,
    });
    const choice = buttons[response];
    return choice === 'Make it a Governor project' ? 'init' : choice === 'Choose another folder' ? 'choose' : 'give-up';
  }

  async function pickFolder(): Promise<string | null> {
    const pick = await dialog.showOpenDialog({
      title: 'Open a Governor project',
      buttonLabel: 'Open project',
      properties: ['openDirectory', 'createDirectory'],
    });
    return pick.canceled || !pick.filePaths[0] ? null : pick.filePaths[0];
  }

  /**
   * Open `first` (or ask for a folder) until a project opens or the human gives up: at launch through a new
   * switcher, afterwards through the current one, so File › Open Project… switches exactly as the Projects
   * view does (the current project stays open until the next one has opened).
   */
  async function openSomeProject(first: string | null, giveUp: 'Quit' | 'Cancel'): Promise<boolean> {
    let dir = first;
    let init = false;
    for (let attempt = 0; attempt < 10; attempt++) {
      if (!dir) dir = await pickFolder();
      if (!dir) return false;
      try {
        if (!projects) {
          if (init) await initProject(dir);
          projects = await startProjects(dir);
          await remembered(projects.info().dir);
        } else if (init) {
          await projects.create({ dir, name: basename(dir), template: 'blank' });
        } else {
          await projects.open(dir);
        }
        return true;
      } catch (err) {
        if (init) {
          dialog.showErrorBox('Governor', errorMessage(err));
          init = false;
          dir = null;
          continue;
        }
        const next = await offerInit(dir, errorMessage(err), giveUp);
        if (next === 'give-up') return false;
        init = next === 'init';
        if (!init) dir = null;
      }
    }
    return false;
  }

  /** File › Open Project… (no folder: ask for one) and File › Open Recent (a folder). */
  async function openFromMenu(dir?: string): Promise<void> {
    // Until the first project is open, the launch sequence owns the dialogs.
    if (!projects) return;
    await openSomeProject(dir ?? null, 'Cancel');
    await showWindow();
  }

  async function onTrayAction(action: TrayAction): Promise<void> {
    if (action === 'quit') return app.quit();
    if (action === 'open') return showWindow();
    if (action === 'status') return showWindow('#/dashboard');
    const text = TRAY_COMMANDS[action];
    if (!text || !projects) return;
    const r = await dispatch(projects.current().api, 'commands.run', { text }).catch((err: unknown) => ({
      ok: false,
      response: errorMessage(err),
    }));
    if (NativeNotification.isSupported())
      new NativeNotification({
        title: r.ok ? 'Governor' : 'Governor: command failed',
        body: r.response.slice(0, 300),
      }).show();
  }

  async function start(): Promise<void> {
    if (o.startupProblem) {
      // Without it no project can open; say so plainly instead of failing inside the first open.
      dialog.showErrorBox('Governor cannot open projects', o.startupProblem);
      quitting = true;
      app.exit(1);
      return;
    }
    hardenSessions();
    await refreshMenu();
    try {
      tray = createGovernorTray({
        electron,
        platform: o.platform,
        iconsDir: paths.iconsDir,
        onAction: (a) => void onTrayAction(a),
        onClick: () => void showWindow(),
      });
    } catch (err) {
      console.warn(`governor: no tray on this desktop (${errorMessage(err)}); closing the window will quit`);
    }
    const settings = await loadSettings(settingsFile);
    const argv = projectFromArgv(o.argv, { defaultApp: o.defaultApp, cwd: o.cwd });
    const choice = chooseProject({ argv, env: o.env.GOVERNOR_PROJECT, last: settings.lastProject });
    if (!(await openSomeProject(choice?.dir ?? null, 'Quit')) || !projects) {
      quitting = true;
      app.quit();
      return;
    }
    tray?.update(projects.current().pump.snapshot());
    await showWindow();
  }

  if (!app.requestSingleInstanceLock()) {
    // Another Governor is running: it gets focus (via 'second-instance'), and this one leaves.
    quitting = true;
    shutDown = true;
    app.quit();
    return { started: Promise.resolve(), projects: () => null };
  }
  app.on('second-instance', () => void showWindow());
  app.on('activate', () => void showWindow());
  app.on('window-all-closed', () => {
    if (quitting || !tray) app.quit();
  });
  app.on('before-quit', (event) => {
    quitting = true;
    if (shutDown) return;
    event.preventDefault();
    const open = projects;
    projects = null;
    // Let a running loop step finish its transaction (the switcher stops the loop, then closes the
    // ledger); a step still going after the grace period is recovered at the next open.
    let grace: NodeJS.Timeout | null = null;
    const timeout = new Promise<void>((r) => {
      grace = setTimeout(r, QUIT_GRACE_MS);
    });
    mainWindow.saveNow();
    void (open ? Promise.race([open.close(), timeout]) : Promise.resolve())
      .catch((err: unknown) => console.warn(`governor: ${errorMessage(err)}`))
      .then(() => mainWindow.saved())
      .finally(() => {
        if (grace) clearTimeout(grace);
        ipc.dispose();
        tray?.destroy();
        shutDown = true;
        app.quit();
      });
  });
  const started = app
    .whenReady()
    .then(start)
    .catch((err: unknown) => {
      dialog.showErrorBox('Governor could not start', errorMessage(err));
      app.exit(1);
    });
  return { started, projects: () => projects };
}
