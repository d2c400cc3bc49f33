import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, symlinkSync, utimesSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { initProject } from '../electron/core/project.ts';
import { BUILD_UI_COMMAND, ensureUi, uiState } from '../electron/server/host/ui-build.ts';
import { ensureRendererBuilt } from '../e2e/support/renderer-build.ts';
import { tempDir } from './support/tmp.ts';

const REPO = resolve(import.meta.dirname, '..');
const BIN = join(REPO, 'bin', 'governor.mjs');

/** A checkout of the UI's sources (renderer, shared, vite config) with the real node_modules, unbuilt. */
function checkout(opts: { modules: boolean }): string {
  const root = join(tempDir('governor-ui-'), 'checkout');
  mkdirSync(root, { recursive: true });
  const parts = ['renderer', 'shared', 'vite.renderer.config.ts', 'package.json', 'tsconfig.json'];
  for (const part of parts) cpSync(join(REPO, part), join(root, part), { recursive: true });
  if (opts.modules) symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'), 'dir');
  return root;
}

/**
 * `governor serve` never prints a URL to a page that cannot load: a missing or stale UI is built first
 * (real vite, progress shown), two serves starting together build it once, and where it cannot be built
 * the refusal names the exact command.
 */
describe('governor serve and the built UI', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
  });

  it('a checkout without a built UI builds it once, with progress, even when two serves start together', async () => {
    const root = checkout({ modules: true });
    expect(uiState(root)).toMatchObject({ ready: false, reason: expect.stringMatching(/has not been built yet/) });
    const first: string[] = [];
    const second: string[] = [];
    const [a, b] = await Promise.all([ensureUi((l) => first.push(l), root), ensureUi((l) => second.push(l), root)]);
    expect(a).toBe(join(root, 'dist', 'renderer'));
    expect(b).toBe(a);
    expect(existsSync(join(a, 'index.html'))).toBe(true);
    expect(uiState(root)).toEqual({ ready: true });
    // One of them built it (vite's progress shown), the other waited for it and built nothing.
    const builders = [first, second].filter((lines) => lines.some((l) => /^UI built in/.test(l)));
    expect(builders).toHaveLength(1);
    expect(builders[0]?.some((l) => /modules transformed/.test(l))).toBe(true);
    const waited = [first, second].filter((lines) => lines.some((l) => /another governor is building the UI/.test(l)));
    expect(waited).toHaveLength(1);

    // An edited source makes it stale again.
    const later = new Date(Date.now() + 5_000);
    utimesSync(join(root, 'renderer', 'App.tsx'), later, later);
    expect(uiState(root)).toEqual({ ready: false, reason: 'the UI is older than its sources' });
  }, 300_000); // a real vite build of the whole UI, Monaco included, on a busy two-core machine

  it('where the UI cannot be built (no vite), serve refuses with the exact command to run', async () => {
    const root = checkout({ modules: false });
    const lines: string[] = [];
    const refused = ensureUi((l) => lines.push(l), root);
    await expect(refused).rejects.toMatchObject({ code: 'ui_not_built' });
    await expect(refused).rejects.toThrow(`Build it with \`${BUILD_UI_COMMAND}\` in ${root}`);
    expect(existsSync(join(root, 'dist', 'renderer', 'index.html'))).toBe(false);
  });

  it('with the UI built, `governor serve --port 0` prints a URL whose page loads', async () => {
    ensureRendererBuilt();
    const dir = join(tempDir(), 'backtester');
    await initProject(dir, { sample: true });
    const child = spawn(process.execPath, [BIN, 'serve', '--dir', dir, '--port', '0'], {
      env: { ...process.env, NO_COLOR: '1', GOVERNOR_HOME: tempDir() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    const url = await new Promise<string>((res, rej) => {
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out);
        if (m?.[1]) res(m[1]);
      });
      child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
      child.once('exit', (code) => rej(new Error(`serve exited with ${code}:\n${out}`)));
    });
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/<script type="module"[^>]+src="\.\/assets\//);
    expect(out).not.toMatch(/\[ui\]/);
  }, 300_000); // ensureRendererBuilt may run the same real vite build first, in a fresh checkout
});
