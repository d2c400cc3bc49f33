import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ICONS, ICONS_DIR, drawIcon } from '../scripts/electron-icons.ts';
import { OUT_DIR } from '../scripts/prepare-electron.ts';

const repo = resolve(import.meta.dirname, '..');
const config = parse(readFileSync(join(repo, 'electron-builder.yml'), 'utf8')) as Record<string, unknown> & {
  files: string[];
  asarUnpack: string[];
  extraMetadata: { main: string };
  electronFuses: Record<string, boolean>;
  linux: { target: string[]; icon: string };
  mac: { target: string[]; icon: string };
  win: { target: string[]; icon: string };
  directories: { output: string };
};

/** Width, height and RGBA pixels of a PNG this project wrote (colour type 6, filter 0 rows). */
function readPng(file: string): { width: number; height: number; rgba: Buffer } {
  const buf = readFileSync(file);
  expect(buf.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let at = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (at < buf.length) {
    const len = buf.readUInt32BE(at);
    const type = buf.toString('ascii', at + 4, at + 8);
    const data = buf.subarray(at + 8, at + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([...data.subarray(8, 13)]).toEqual([8, 6, 0, 0, 0]);
    }
    if (type === 'IDAT') idat.push(data);
    at += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const rgba = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width * 4 + 1)]).toBe(0);
    raw.copy(rgba, y * width * 4, y * (width * 4 + 1) + 1, (y + 1) * (width * 4 + 1));
  }
  return { width, height, rgba };
}

describe('electron-builder.yml', () => {
  it('names the app and its installers for every desktop platform', () => {
    expect(config.appId).toMatch(/^[a-z]+(\.[a-z0-9-]+)+$/);
    expect(config.productName).toBe('Governor');
    expect(config.linux.target).toEqual(expect.arrayContaining(['AppImage', 'deb']));
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.directories.output).toBe('release');
  });

  it('starts the app from the bundle that prepare-electron writes', () => {
    expect(config.extraMetadata.main).toBe('dist/electron/main.mjs');
    expect(relative(repo, OUT_DIR)).toBe(join('dist', 'electron'));
    expect(config.files).toEqual(
      expect.arrayContaining(['package.json', 'dist/electron/**', 'dist/renderer/**', 'resources/**']),
    );
  });

  it('unpacks native addons, and never rebuilds node_modules in place', () => {
    expect(config.asarUnpack).toEqual(expect.arrayContaining(['**/*.node', '**/node_modules/better-sqlite3/**']));
    expect(config.npmRebuild).toBe(false);
  });

  it('flips the fuses that close Node-level back doors in a packaged build', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      enableCookieEncryption: true,
    });
  });

  it('every path it names exists, or is a build output a script produces', () => {
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    // Built before electron-builder runs: the renderer by build:renderer, dist/electron by prepare-electron.
    const outputs: Record<string, () => boolean> = {
      'dist/renderer': () =>
        /build:renderer/.test(pkg.scripts.dist ?? '') &&
        readFileSync(join(repo, 'vite.renderer.config.ts'), 'utf8').includes("'dist', 'renderer'"),
      'dist/electron': () => /prepare-electron\.mjs dist/.test(pkg.scripts.dist ?? ''),
    };
    for (const pattern of config.files.filter((f) => !f.startsWith('!'))) {
      const base = pattern.replace(/\/\*\*.*$/, '');
      const output = Object.keys(outputs).find((o) => base === o || base.startsWith(`${o}/`));
      if (output) expect(outputs[output]?.(), `${pattern} is produced by npm run dist`).toBe(true);
      else expect(existsSync(join(repo, base)), `${pattern} exists`).toBe(true);
    }
    expect(statSync(join(repo, config.linux.icon)).isDirectory()).toBe(true);
    for (const icon of [config.mac.icon, config.win.icon]) expect(existsSync(join(repo, icon)), icon).toBe(true);
  });

  it("passes electron-builder's own schema", async () => {
    const req = createRequire(createRequire(import.meta.url).resolve('electron-builder/package.json'));
    const { validateConfiguration } = req('app-builder-lib/out/util/config/config.js') as {
      validateConfiguration: (c: unknown, log: unknown) => Promise<void>;
    };
    const { DebugLogger } = req('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
    await expect(validateConfiguration(structuredClone(config), new DebugLogger(false))).resolves.toBeUndefined();
    await expect(
      validateConfiguration({ ...structuredClone(config), electronFuses: { runAsNod: false } }, new DebugLogger(false)),
    ).rejects.toThrow(/configuration/);
  });
});

describe('icons', () => {
  it('the app icons are square PNGs at the sizes the installers need', () => {
    const linuxDir = join(repo, config.linux.icon);
    for (const [file, size] of [
      ['512x512.png', 512],
      ['256x256.png', 256],
    ] as const) {
      const png = readPng(join(linuxDir, file));
      expect([png.width, png.height]).toEqual([size, size]);
    }
    expect(readPng(join(repo, config.mac.icon)).width).toBeGreaterThanOrEqual(512);
    expect(readPng(join(repo, config.win.icon)).width).toBeGreaterThanOrEqual(256);
  });

  it('tray icons come in 16 and 32 px, plain and attention, and match their generator', () => {
    expect(ICONS.map((i) => i.file)).toEqual(
      expect.arrayContaining(['tray.png', 'tray@2x.png', 'tray-attention.png', 'tray-attention@2x.png']),
    );
    for (const icon of ICONS) {
      const png = readPng(join(ICONS_DIR, icon.file));
      expect([png.width, png.height], icon.file).toEqual([icon.size, icon.size]);
      expect(
        png.rgba.equals(Buffer.from(drawIcon(icon.size, icon.kind))),
        `${icon.file} is stale: run node scripts/prepare-electron.mjs icons`,
      ).toBe(true);
    }
    const plain = Buffer.from(drawIcon(32, 'tray'));
    const attention = Buffer.from(drawIcon(32, 'tray-attention'));
    expect(plain.equals(attention)).toBe(false);
  });
});

describe('npm ci never needs the Electron binary', () => {
  it('the locked electron package has no install script (its binary is fetched on first run, by npm start)', () => {
    const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version?: string; hasInstallScript?: boolean; dev?: boolean }>;
    };
    const electron = lock.packages['node_modules/electron'];
    expect(electron?.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(electron?.dev).toBe(true);
    expect(electron?.hasInstallScript).toBeUndefined();
  });
});
