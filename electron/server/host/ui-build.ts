import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { resourcesRoot } from '../../core/config/templates.ts';
import { GovernorError } from '../../core/errors.ts';
import { processAlive } from '../../core/process-alive.ts';

/**
 * The built UI that `governor serve` hands to browsers (dist/renderer, made by vite). The host must never
 * print a URL to a page that cannot load, so before it starts: a missing UI is built, with progress; a UI
 * older than its sources (a pull, an edit) is rebuilt; and where it cannot be built, serve refuses and
 * says exactly what to run.
 */

export const BUILD_UI_COMMAND = 'npm run build:renderer';

/** The package root: where package.json, resources/ and dist/ are, for the sources and for the built CLI. */
const packageRoot = () => resourcesRoot();

export const defaultUiDir = (root = packageRoot()) => join(root, 'dist', 'renderer');

/** What the bundle is made of: if any of it is newer than the built page, the build is stale. */
const UI_SOURCES = ['renderer', 'shared', 'vite.renderer.config.ts', 'package-lock.json'];

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = 0;
  for (const e of readdirSync(path)) if (e !== 'node_modules') max = Math.max(max, newest(join(path, e)));
  return max;
}

export type UiState = { ready: true } | { ready: false; reason: string };

/** Can `dir` be served as it is? Sources are compared only where they exist (a checkout, not an install). */
export function uiState(root = packageRoot()): UiState {
  const dir = defaultUiDir(root);
  const index = join(dir, 'index.html');
  if (!existsSync(index)) return { ready: false, reason: `the UI has not been built yet (${index} is missing)` };
  const sources = Math.max(...UI_SOURCES.map((p) => newest(join(root, p))));
  if (statSync(index).mtimeMs < sources) return { ready: false, reason: 'the UI is older than its sources' };
  return { ready: true };
}

/** The refusal when the UI cannot be built here: what to run, and where. */
export function uiMissingError(reason: string, root = packageRoot()): GovernorError {
  const build = `Build it with \`${BUILD_UI_COMMAND}\` in ${root} (after \`npm install\`)`;
  const fix = `${build}, then run \`governor serve\` again.`;
  return new GovernorError('ui_not_built', `${reason}. ${fix}`);
}

const viteBin = (root: string) => join(root, 'node_modules', 'vite', 'bin', 'vite.js');

/**
 * One build at a time per checkout: a second `governor serve` started meanwhile waits for the first one's
 * build instead of writing dist/renderer at the same time. The lock names its owner, so a lock left by a
 * killed build is taken over.
 */
async function withBuildLock<T>(root: string, fn: () => Promise<T>, onWait: () => void): Promise<T> {
  const lock = join(root, 'dist', '.ui-build.lock');
  mkdirSync(join(root, 'dist'), { recursive: true });
  for (let waited = false; ; ) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(lock, 'utf8').trim());
      if (!Number.isInteger(owner) || owner <= 0 || !processAlive(owner)) {
        rmSync(lock, { force: true });
        continue;
      }
      if (!waited) onWait();
      waited = true;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

/** vite's lines worth showing while it works (it prints every asset otherwise: Monaco has hundreds). */
const PROGRESS = /modules transformed|rendering chunks|computing gzip|built in|error|failed/i;

/**
 * Build the UI into dist/renderer with vite, reporting progress through `say`; resolves once index.html
 * is there. Throws `ui_not_built` with the command to run when vite is not installed or the build fails.
 */
export async function buildUi(say: (line: string) => void, root = packageRoot()): Promise<void> {
  if (!existsSync(viteBin(root))) {
    const why = 'the UI has not been built, and it cannot be built here: vite (a dev dependency) is not installed';
    throw uiMissingError(why, root);
  }
  await withBuildLock(
    root,
    async () => {
      // Another serve may have built it while we waited for the lock.
      if (uiState(root).ready) return;
      const started = Date.now();
      say('building the UI with vite (about a minute the first time; later starts reuse it)…');
      const tail: string[] = [];
      const code = await new Promise<number | null>((resolve, reject) => {
        // NODE_ENV=production: React's production build, whatever the caller's environment says.
        const child = spawn(process.execPath, [viteBin(root), 'build', '--config', 'vite.renderer.config.ts'], {
          cwd: root,
          env: { ...process.env, NODE_ENV: 'production', FORCE_COLOR: '0' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const onData = (chunk: Buffer) => {
          for (const line of chunk.toString('utf8').split('\n')) {
            const text = line.trim();
            if (!text) continue;
            tail.push(text);
            if (tail.length > 20) tail.shift();
            if (PROGRESS.test(text)) say(text);
          }
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.once('error', reject);
        child.once('close', resolve);
      });
      if (code !== 0 || !existsSync(join(defaultUiDir(root), 'index.html'))) {
        throw uiMissingError(`the UI build failed (vite exited with ${code}):\n${tail.join('\n')}\n`, root);
      }
      say(`UI built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    },
    () => say('another governor is building the UI; waiting for it…'),
  );
}

/** The UI `governor serve` can serve: built now if it is missing or stale, else a refusal saying what to run. */
export async function ensureUi(say: (line: string) => void, root = packageRoot()): Promise<string> {
  const state = uiState(root);
  if (state.ready) return defaultUiDir(root);
  say(state.reason);
  await buildUi(say, root);
  return defaultUiDir(root);
}
