import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { uiState } from '../../electron/server/host/ui-build.ts';

export const REPO = resolve(import.meta.dirname, '..', '..');
export const RENDERER_DIST = join(REPO, 'dist', 'renderer');
export const SHOTS = join(REPO, 'test-output', 'e2e');

/** Sleep without giving up the thread: the build check is synchronous, and its callers expect it to be. */
const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** The build is current: its page is newer than every source it is made of (the host's own check). */
const fresh = (): boolean => uiState(REPO).ready;

/**
 * The e2e tests judge the real bundle, so `npm test` builds it when it is missing or older than its
 * sources; nobody has to remember `npm run build:renderer` first. The build runs in its own process with
 * NODE_ENV=production, because vitest sets NODE_ENV=test and React would then bundle its development build.
 *
 * Test files run in parallel workers that may all find the build stale at once. One builds (holding a lock
 * file), the others wait for it and then find it fresh; the build goes to a folder of its own and is moved
 * into place when whole, so a page being served never loses its files halfway.
 */
export function ensureRendererBuilt(): string {
  if (fresh()) return RENDERER_DIST;
  mkdirSync(dirname(RENDERER_DIST), { recursive: true });
  const lock = join(dirname(RENDERER_DIST), '.renderer-build.lock');
  for (let waited = 0; ; waited += 200) {
    try {
      closeSync(openSync(lock, 'wx'));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A builder that died leaves its lock behind; a build never takes this long.
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (waited > 300_000 || age > 300_000) rmSync(lock, { force: true });
      sleepSync(200);
    }
  }
  try {
    if (fresh()) return RENDERER_DIST;
    const out = `${RENDERER_DIST}.building-${process.pid}`;
    try {
      execFileSync(
        process.execPath,
        [
          join(REPO, 'node_modules', 'vite', 'bin', 'vite.js'),
          'build',
          '--config',
          'vite.renderer.config.ts',
          '--logLevel',
          'warn',
          '--outDir',
          out,
          '--emptyOutDir',
        ],
        {
          cwd: REPO,
          env: { ...process.env, NODE_ENV: 'production' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
    } catch (err) {
      rmSync(out, { recursive: true, force: true });
      const text = err instanceof Error && 'stderr' in err ? String(err.stderr) : String(err);
      throw new Error(`the renderer did not build (npm run build:renderer shows the same):\n${text}`);
    }
    const old = `${RENDERER_DIST}.old-${process.pid}`;
    if (existsSync(RENDERER_DIST)) renameSync(RENDERER_DIST, old);
    renameSync(out, RENDERER_DIST);
    rmSync(old, { recursive: true, force: true });
    return RENDERER_DIST;
  } finally {
    rmSync(lock, { force: true });
  }
}
