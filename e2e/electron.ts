import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { REPO } from './support/renderer-build.ts';
import { electronBinary } from './targets/electron.ts';

/**
 * `npm run e2e:electron`: the UI suite against the desktop shell, where an Electron binary exists.
 * Our build machines cannot download one, so its absence is one line and a clean exit, not a failure.
 */
if (!electronBinary()) {
  console.log('electron e2e skipped: no Electron binary on this machine');
  process.exit(0);
}

const vitest = [join(REPO, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', 'e2e/vitest.electron.config.ts'];
// Electron needs a display even for tests; on a headless Linux box borrow a virtual one when we can.
const xvfb = (process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'xvfb-run')).find((p) => existsSync(p));
const headless = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
const [cmd, args] = headless && xvfb ? [xvfb, ['-a', process.execPath, ...vitest]] : [process.execPath, vitest];
const run = spawnSync(cmd, args, { cwd: REPO, stdio: 'inherit' });
process.exit(run.status ?? 1);
