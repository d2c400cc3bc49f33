import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addonProblem, builtForAbi } from '../electron/main/native-abi.ts';
import Database, { nativeBinding, setNativeBinding } from '../electron/main/sqlite-binding.ts';
import {
  type ElectronPackage,
  buildEnv,
  electronBinary,
  electronPackage,
  nativeCacheDir,
  requireCalls,
  staticImports,
} from '../scripts/prepare-electron.ts';
import { tempDir } from './support/tmp.ts';

const repo = resolve(import.meta.dirname, '..');
const nodeAddon = join(
  dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json')),
  'build',
  'Release',
  'better_sqlite3.node',
);

/** An electron package as npm ci leaves it here: metadata, no binary. */
function fakeElectronPackage(opts: { binary?: boolean } = {}): string {
  const dir = join(tempDir(), 'electron');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'electron', version: '45.4.1' }));
  writeFileSync(join(dir, 'abi_version'), '150\n');
  // A download that can never succeed, so the test is the same with or without a network.
  writeFileSync(join(dir, 'install.js'), 'process.exit(1);\n');
  if (opts.binary) {
    writeFileSync(join(dir, 'path.txt'), 'electron');
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist', 'electron'), '');
  }
  return dir;
}

describe('the Electron binary check', () => {
  it('reads the version and ABI from the package, without requiring it (which would download)', () => {
    const dir = fakeElectronPackage();
    expect(electronPackage(dir)).toEqual({ dir, version: '45.4.1', abi: '150' });
    expect(electronPackage(join(tempDir(), 'nothing'))).toBeNull();
  });

  it('says why there is no binary, and finds one that is there', () => {
    expect(electronBinary(null, {})).toEqual({ ok: false, reason: expect.stringMatching(/not installed/) });
    const bare = electronPackage(fakeElectronPackage());
    expect(electronBinary(bare, {})).toEqual({ ok: false, reason: expect.stringMatching(/has not been downloaded/) });
    const full = electronPackage(fakeElectronPackage({ binary: true }));
    expect(electronBinary(full, {})).toEqual({ ok: true, path: join(full?.dir ?? '', 'dist', 'electron') });
    const override = tempDir();
    expect(electronBinary(bare, { ELECTRON_OVERRIDE_DIST_PATH: override })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/ELECTRON_OVERRIDE_DIST_PATH/),
    });
    writeFileSync(
      join(override, process.platform === 'win32' ? 'electron.exe' : process.platform === 'darwin' ? 'x' : 'electron'),
      '',
    );
    if (process.platform === 'linux')
      expect(electronBinary(bare, { ELECTRON_OVERRIDE_DIST_PATH: override })).toEqual({
        ok: true,
        path: join(override, 'electron'),
      });
  });

  it('`start` without a binary prints what to do instead and exits non-zero, promptly', () => {
    for (const command of ['start', 'check']) {
      const r = spawnSync(process.execPath, [join(repo, 'scripts', 'prepare-electron.mjs'), command], {
        cwd: repo,
        encoding: 'utf8',
        env: { ...process.env, GOVERNOR_ELECTRON_PKG: fakeElectronPackage(), ELECTRON_OVERRIDE_DIST_PATH: '' },
        timeout: 60_000,
      });
      expect(r.error).toBeUndefined();
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/Electron 45\.4\.1 binary has not been downloaded/);
      expect(r.stderr).toMatch(/npm run serve/);
      expect(r.stderr).toMatch(/ELECTRON_OVERRIDE_DIST_PATH/);
    }
  });

  it('an unknown command is a usage error', () => {
    const r = spawnSync(process.execPath, [join(repo, 'scripts', 'prepare-electron.mjs'), 'launch-missiles'], {
      cwd: repo,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/usage:/);
  });
});

describe('better-sqlite3 for Electron, beside the Node build', () => {
  const pkg: ElectronPackage = { dir: '/x', version: '45.4.1', abi: '150' };
  afterEach(() => setNativeBinding(null));

  it("tells an addon's ABI from the file itself", () => {
    const addon = readFileSync(nodeAddon);
    expect(builtForAbi(addon, process.versions.modules)).toBe(true);
    expect(builtForAbi(addon, '150')).toBe(false);
    expect(addonProblem(addon, process.versions.modules, 'x')).toBeNull();
    expect(addonProblem(addon, '150', '/app/native/better_sqlite3.node')).toMatch(/built for another runtime.*ABI 150/);
    expect(addonProblem(null, '150', '/app/native/better_sqlite3.node')).toMatch(/missing.*npm start/);
  });

  it('builds in a cache named by every version that matters, never in node_modules/better-sqlite3', () => {
    const dir = nativeCacheDir(pkg, '12.9.0', 'linux', 'x64');
    expect(dir).toBe(
      join(repo, 'node_modules', '.cache', 'governor-electron', 'better-sqlite3-12.9.0-electron-45.4.1-linux-x64'),
    );
    expect(dir.startsWith(join(repo, 'node_modules', 'better-sqlite3'))).toBe(false);
  });

  it("drops npm's nodedir (Node's headers would build the wrong ABI) and targets Electron", () => {
    const env = buildEnv(
      {
        PATH: '/bin',
        npm_config_nodedir: '/usr',
        npm_config_target: '20.0.0',
        NPM_CONFIG_RUNTIME: 'node',
        npm_config_cache: '/c',
      },
      pkg,
    );
    expect(env).toEqual({
      PATH: '/bin',
      npm_config_cache: '/c',
      npm_config_runtime: 'electron',
      npm_config_target: '45.4.1',
      npm_config_disturl: 'https://electronjs.org/headers',
    });
  });

  it('the shim passes the prepared addon to better-sqlite3, and is otherwise the same constructor', () => {
    const Base = createRequire(import.meta.url)('better-sqlite3') as typeof Database;
    expect(nativeBinding()).toBeNull();
    const plain = new Database(':memory:');
    expect(plain).toBeInstanceOf(Base);
    plain.close();
    setNativeBinding(nodeAddon);
    const viaShim = new Database(':memory:');
    expect(viaShim.prepare('SELECT 41 + 1 AS n').get()).toEqual({ n: 42 });
    expect(viaShim).toBeInstanceOf(Base);
    viaShim.close();
    setNativeBinding(join(tempDir(), 'missing', 'better_sqlite3.node'));
    expect(() => new Database(':memory:')).toThrow(/missing/);
  });
});

describe('bundle inspection helpers', () => {
  it('list static imports and require calls', () => {
    const code =
      'import { app } from "electron";\nimport "./side.js";\nconst a = require("zod");\nconst b = require2("better-sqlite3");';
    expect(staticImports(code)).toEqual(['./side.js', 'electron']);
    expect(requireCalls(code)).toEqual(['zod']);
  });
});
