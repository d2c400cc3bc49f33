import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ElectronApplication, type Page, _electron } from 'playwright-core';
import { openProject } from '../../electron/core/host.ts';
import { initProject } from '../../electron/core/project.ts';
import { electronBinary as binaryOf, electronPackage } from '../../scripts/prepare-electron.ts';
import { REPO } from '../support/renderer-build.ts';
import { type UiSession, type UiTarget, raiseTestConcern } from './target.ts';

/** The Electron binary, if this machine has one: named in GOVERNOR_ELECTRON, or the one npm downloaded. */
export function electronBinary(): string | null {
  const named = process.env.GOVERNOR_ELECTRON;
  if (named) return existsSync(named) ? named : null;
  // Read from the package's path.txt, as `npm start` does: requiring 'electron' would try to download it.
  const check = binaryOf(electronPackage());
  return check.ok ? check.path : null;
}

/** The app's entry point: package.json "main", bundled by `npm run build:electron` (or `npm start`). */
export function shellEntry(): string | null {
  const main: unknown = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).main;
  return typeof main === 'string' && existsSync(join(REPO, main)) ? join(REPO, main) : null;
}

/** One line saying why the real desktop app cannot run here, or null when it can. */
export function electronUnavailable(): string | null {
  if (!electronBinary())
    return 'electron e2e skipped: no Electron binary on this machine (the ipc transport runs the suite on a stand-in)';
  if (!shellEntry()) return 'electron e2e skipped: the app is not bundled (run npm run build:electron)';
  return null;
}

export interface ElectronApp {
  app: ElectronApplication;
  page: Page;
  errors(): string[];
  close(): Promise<void>;
}

/**
 * The real desktop app on a project, as `npm start -- <dir>` starts it. On Linux its appData (and so its
 * userData, recent.json and single-instance lock) goes to a scratch XDG_CONFIG_HOME, apart from the
 * user's own Governor.
 */
export async function launchElectron(dir: string, o: { appData?: string } = {}): Promise<ElectronApp> {
  const bin = electronBinary();
  const entry = shellEntry();
  if (!bin || !entry) throw new Error(electronUnavailable() ?? 'electron unavailable');
  const scratch = o.appData ? null : mkdtempSync(join(tmpdir(), 'governor-electron-config-'));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'ELECTRON_RUN_AS_NODE') env[k] = v;
  const app = await _electron.launch({
    executablePath: bin,
    args: [entry, dir],
    env: { ...env, XDG_CONFIG_HOME: o.appData ?? scratch ?? '', GOVERNOR_PROJECT: '' },
  });
  const page = await app.firstWindow();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return {
    app,
    page,
    errors: () => [...errors],
    async close() {
      await app.close();
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/**
 * The real desktop app on the sample project. Concerns are appended from this process, the way a CLI or
 * Discord would, so the app must notice writes it did not make itself.
 */
export function electronTarget(): UiTarget {
  return {
    name: 'electron',
    unavailable: electronUnavailable(),
    async open(): Promise<UiSession> {
      const root = mkdtempSync(join(tmpdir(), 'governor-e2e-electron-'));
      const dir = join(root, 'backtester');
      await initProject(dir, { sample: true });
      const e = await launchElectron(dir);
      // Opened per step and closed again, so this process never holds the database longer than it must.
      const withProject = async <T>(fn: (p: Awaited<ReturnType<typeof openProject>>) => T): Promise<T> => {
        const p = await openProject(dir);
        try {
          return fn(p);
        } finally {
          p.close();
        }
      };
      return {
        page: e.page,
        projectName: await withProject((p) => p.read.project()?.name ?? ''),
        raiseConcern: (c) => withProject((p) => raiseTestConcern(p, c)),
        ledgerCount: () => withProject((p) => p.ledger.count()),
        errors: e.errors,
        async close() {
          await e.close();
          rmSync(root, { recursive: true, force: true });
        },
      };
    },
  };
}
