import { chmod, readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../core/artifacts/atomic.ts';

/**
 * Where things are, and which project to open: pure decisions for `main.ts`. The bundle sits at
 * `<app>/dist/electron/main.mjs` both in a checkout and inside the packaged app.asar, so every path is
 * relative to it.
 */

export interface AppPaths {
  rendererDir: string;
  rendererIndex: string;
  preload: string;
  /** The better-sqlite3 addon built for Electron's ABI (see sqlite-binding.ts). */
  sqliteBinding: string;
  iconsDir: string;
}

export function appPaths(bundleDir: string): AppPaths {
  const root = resolve(bundleDir, '..', '..');
  const rendererDir = join(root, 'dist', 'renderer');
  return {
    rendererDir,
    rendererIndex: join(rendererDir, 'index.html'),
    preload: join(bundleDir, 'preload.cjs'),
    sqliteBinding: join(bundleDir, 'native', 'better_sqlite3.node'),
    iconsDir: join(root, 'resources', 'icons'),
  };
}

/**
 * The project named on the command line: the first argument that is not a flag, after the app itself
 * (`electron main.mjs <dir>` in development, `Governor <dir>` when packaged). Chromium's own switches
 * start with `-` and are skipped.
 */
export function projectFromArgv(argv: readonly string[], opts: { defaultApp: boolean; cwd: string }): string | null {
  const args = argv.slice(opts.defaultApp ? 2 : 1);
  const dir = args.find((a) => a.length > 0 && !a.startsWith('-'));
  if (!dir) return null;
  return isAbsolute(dir) ? dir : resolve(opts.cwd, dir);
}

const Settings = z.object({ lastProject: z.string().min(1).optional() });
export type Settings = z.infer<typeof Settings>;

export async function loadSettings(file: string): Promise<Settings> {
  try {
    const parsed = Settings.safeParse(JSON.parse(await readFile(file, 'utf8')));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

export async function saveSettings(file: string, s: Settings): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(Settings.parse(s), null, 2)}\n`);
  await chmod(file, 0o600);
}

/** Command line first, then the environment, then the project opened last time. */
export function chooseProject(o: {
  argv: string | null;
  env: string | undefined;
  last: string | undefined;
}): { dir: string; from: 'argv' | 'env' | 'last' } | null {
  if (o.argv) return { dir: o.argv, from: 'argv' };
  if (o.env?.trim()) return { dir: resolve(o.env.trim()), from: 'env' };
  if (o.last) return { dir: o.last, from: 'last' };
  return null;
}
