import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { bundle, electronPackage, prepareNative, stageNative } from '../scripts/prepare-electron.ts';
import { REPO, ensureRendererBuilt } from './support/renderer-build.ts';
import { electronBinary } from './targets/electron.ts';

/**
 * `npm run e2e:electron`: the whole UI suite (every test/e2e-*.test.ts) against the real desktop app, where
 * an Electron binary exists. It prepares what `npm start` prepares (the bundle, better-sqlite3 for
 * Electron's ABI, the renderer), then runs the suite with GOVERNOR_E2E_TRANSPORTS=electron. Our build
 * machines cannot download Electron; there this is one line and a clean exit, and `npm test` runs the same
 * suite on the `ipc` transport (the real shell on an Electron stand-in) instead.
 */
if (!electronBinary()) {
  console.log(
    'electron e2e skipped: no Electron binary on this machine (npm test runs the same suite on the ipc stand-in)',
  );
  process.exit(0);
}
const pkg = electronPackage();
if (!pkg) throw new Error('the electron package is not installed (run npm ci)');
await bundle();
stageNative(prepareNative(pkg));
ensureRendererBuilt();

const vitest = [join(REPO, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', 'e2e/vitest.electron.config.ts'];
// Electron needs a display even for tests; on a headless Linux box borrow a virtual one when we can.
const xvfb = (process.env.PATH ?? '')
  .split(delimiter)
  .map((d) => join(d, 'xvfb-run'))
  .find((p) => existsSync(p));
const headless = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
const [cmd, args] = headless && xvfb ? [xvfb, ['-a', process.execPath, ...vitest]] : [process.execPath, vitest];
const run = spawnSync(cmd, args, {
  cwd: REPO,
  stdio: 'inherit',
  env: { ...process.env, GOVERNOR_E2E_TRANSPORTS: 'electron' },
});
process.exit(run.status ?? 1);
