import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '..', '..');
export const RENDERER_DIST = join(REPO, 'dist', 'renderer');
export const SHOTS = join(REPO, 'test-output', 'e2e');

/** What the bundle is made of: if any of it is newer than the built page, the build is stale. */
const INPUTS = ['renderer', 'shared', 'vite.renderer.config.ts', 'package-lock.json'];

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = 0;
  for (const e of readdirSync(path)) if (e !== 'node_modules') max = Math.max(max, newest(join(path, e)));
  return max;
}

/**
 * The e2e tests judge the real bundle, so `npm test` builds it when it is missing or older than its
 * sources; nobody has to remember `npm run build:renderer` first. The build runs in its own process with
 * NODE_ENV=production, because vitest sets NODE_ENV=test and React would then bundle its development build.
 */
export function ensureRendererBuilt(): string {
  const index = join(RENDERER_DIST, 'index.html');
  const sources = Math.max(...INPUTS.map((p) => newest(join(REPO, p))));
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return RENDERER_DIST;
  try {
    execFileSync(process.execPath, [join(REPO, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'vite.renderer.config.ts', '--logLevel', 'warn'], {
      cwd: REPO,
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    const out = err instanceof Error && 'stderr' in err ? String(err.stderr) : String(err);
    throw new Error(`the renderer did not build (npm run build:renderer shows the same):\n${out}`);
  }
  return RENDERER_DIST;
}
