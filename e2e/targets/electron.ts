import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { _electron } from 'playwright-core';
import { openProject } from '../../electron/core/host.ts';
import { initProject } from '../../electron/core/project.ts';
import { raiseConcern } from '../../electron/core/workflow/records.ts';
import { REPO } from '../support/renderer-build.ts';
import type { UiSession, UiTarget } from './target.ts';

/** The Electron binary, if this machine has one: named in GOVERNOR_ELECTRON, installed by npm, or on PATH. */
export function electronBinary(): string | null {
  const named = process.env.GOVERNOR_ELECTRON;
  if (named) return existsSync(named) ? named : null;
  try {
    // The electron package's main export is the path of the binary it downloaded; it throws when it has none.
    const fromNpm: unknown = createRequire(join(REPO, 'package.json'))('electron');
    if (typeof fromNpm === 'string' && existsSync(fromNpm)) return fromNpm;
  } catch {
    // Not installed, or installed without its binary (the download is blocked on our build machines).
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir && existsSync(join(dir, 'electron'))) return join(dir, 'electron');
  return null;
}

/** The shell's entry point: GOVERNOR_ELECTRON_MAIN, else package.json "main". */
function shellEntry(): string | null {
  const named = process.env.GOVERNOR_ELECTRON_MAIN;
  if (named) return resolve(named);
  const main: unknown = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).main;
  return typeof main === 'string' && existsSync(join(REPO, main)) ? join(REPO, main) : null;
}

/**
 * The desktop shell on the same sample project. The shell is told which project to open with
 * `--project=<dir>` (and GOVERNOR_PROJECT_DIR); concerns are appended from this process, the way a CLI
 * or Discord would, so the shell must notice writes it did not make itself.
 */
export function electronTarget(): UiTarget {
  const bin = electronBinary();
  const entry = shellEntry();
  const unavailable = !bin ? 'electron e2e skipped: no Electron binary on this machine' : !entry ? 'electron e2e skipped: the Electron shell has no entry point yet (package.json "main" or GOVERNOR_ELECTRON_MAIN)' : null;
  return {
    name: 'electron',
    unavailable,
    async open(): Promise<UiSession> {
      if (!bin || !entry) throw new Error(unavailable ?? 'electron target unavailable');
      const root = mkdtempSync(join(tmpdir(), 'governor-e2e-electron-'));
      const dir = join(root, 'backtester');
      await initProject(dir, { sample: true });
      const app = await _electron.launch({ executablePath: bin, args: [entry, `--project=${dir}`], env: { ...process.env, GOVERNOR_PROJECT_DIR: dir } });
      const page = await app.firstWindow();
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      // Opened per step and closed again, so this process never holds the database the shell is using.
      const withProject = async <T>(fn: (p: Awaited<ReturnType<typeof openProject>>) => T): Promise<T> => {
        const p = await openProject(dir);
        try {
          return fn(p);
        } finally {
          p.close();
        }
      };
      return {
        page,
        projectName: await withProject((p) => p.read.project()?.name ?? ''),
        raiseConcern: (c) =>
          withProject((p) => {
            const phase = p.read.project()?.phase ?? 1;
            return p.ledger.transact((tx) => raiseConcern(tx, { phase, from: 'Tester', to: 'ProjectManager', severity: c.severity, category: 'test_failure', summary: c.summary, details: c.details ?? '' }, new Date().toISOString()));
          }),
        ledgerCount: () => withProject((p) => p.ledger.count()),
        errors: () => [...errors],
        async close() {
          await app.close();
          rmSync(root, { recursive: true, force: true });
        },
      };
    },
  };
}
