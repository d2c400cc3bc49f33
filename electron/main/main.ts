import { existsSync, readFileSync } from 'node:fs';
import {
  BrowserWindow,
  Menu,
  Notification,
  Tray,
  app,
  dialog,
  ipcMain,
  nativeImage,
  safeStorage,
  screen,
  session,
} from 'electron';
import { startDesktop } from './desktop.ts';
import { appPaths } from './launch.ts';
import { addonProblem } from './native-abi.ts';
import { setNativeBinding } from './sqlite-binding.ts';

/**
 * The desktop app's entry point (package.json "main" is its bundle): the real Electron module handed to
 * the shell, and nothing else. The shell itself (`desktop.ts`) takes Electron as a parameter, so the tests
 * run the same code on an in-process stand-in where no Electron binary can run.
 */

const paths = appPaths(import.meta.dirname);
// The ledger's SQLite addon, built for this Electron by `npm start` / `npm run dist` (see sqlite-binding.ts).
const sqliteAddon = existsSync(paths.sqliteBinding) ? readFileSync(paths.sqliteBinding) : null;
const sqliteProblem = addonProblem(sqliteAddon, process.versions.modules, paths.sqliteBinding);
setNativeBinding(sqliteProblem ? null : paths.sqliteBinding);

startDesktop(
  { app, ipcMain, BrowserWindow, Menu, Notification, Tray, nativeImage, dialog, screen, session, safeStorage },
  {
    paths,
    argv: process.argv,
    defaultApp: Boolean(process.defaultApp),
    cwd: process.cwd(),
    env: process.env,
    platform: process.platform,
    startupProblem: sqliteProblem,
  },
);
