/**
 * Everything the desktop app needs before Electron runs, without ever touching what `npm ci` and the
 * tests use:
 *   bundle  esbuild: electron/main/main.ts → dist/electron/main.mjs (ESM, npm packages left external, the
 *           better-sqlite3 import redirected to electron/main/sqlite-binding.ts; package.json "main") and
 *           preload.ts → dist/electron/preload.cjs (one sandbox-safe CommonJS file that only requires 'electron').
 *   native  better-sqlite3 compiled for Electron's ABI, in a copy of its sources under
 *           node_modules/.cache/governor-electron/ (prebuilt download first, then node-gyp against
 *           Electron's headers), checked by its ABI symbol and staged as dist/electron/native/.
 *           node_modules/better-sqlite3/build (the Node build the tests load) is never modified.
 *   check   is the Electron binary there? (exit 1 with the reason when not)
 *   start   bundle, check, native, then run Electron on the bundle; extra args go to the app.
 *   dist    bundle, native, then electron-builder with electron-builder.yml (installers in release/).
 *   icons   redraw resources/icons/*.png (drawn by ./electron-icons.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { type Plugin, build } from 'esbuild';
import { builtForAbi } from '../electron/main/native-abi.ts';
import { ICONS, ICONS_DIR, drawIcon, encodePng } from './electron-icons.ts';

export const ROOT = resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const say = (line: string) => console.log(`[governor] ${line}`);

// ---------------------------------------------------------------- bundle

export const OUT_DIR = join(ROOT, 'dist', 'electron');
const SHIM = join(ROOT, 'electron', 'main', 'sqlite-binding.ts');

/** Every `better-sqlite3` import but the shim's own goes to the shim, which passes the Electron-ABI addon on. */
export const sqliteRedirect: Plugin = {
  name: 'governor-sqlite-binding',
  setup(b) {
    b.onResolve({ filter: /^better-sqlite3$/ }, (args) => (args.importer === SHIM ? undefined : { path: SHIM }));
  },
};

/**
 * The preload alone: one sandbox-safe CommonJS file that only requires 'electron'. The tests build it with
 * this same function and run it in Chromium behind an Electron stand-in (e2e/support/electron-stand-in.ts).
 */
export async function bundlePreload(outDir = OUT_DIR): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  const preload = join(outDir, 'preload.cjs');
  await build({
    entryPoints: [join(ROOT, 'electron', 'main', 'preload.ts')],
    outfile: preload,
    bundle: true,
    platform: 'browser',
    format: 'cjs',
    target: 'chrome130',
    external: ['electron'],
    // The contract's names and the IPC envelope come with zod's schemas; minified, the first load stays quick.
    minify: true,
    logLevel: 'warning',
  });
  return preload;
}

export async function bundle(outDir = OUT_DIR): Promise<{ main: string; preload: string }> {
  mkdirSync(outDir, { recursive: true });
  const main = join(outDir, 'main.mjs');
  const preload = await bundlePreload(outDir);
  await build({
    entryPoints: [join(ROOT, 'electron', 'main', 'main.ts')],
    outfile: main,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    packages: 'external',
    external: ['electron'],
    plugins: [sqliteRedirect],
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  return { main, preload };
}

/** The modules a bundle imports statically (`import … from "x"`, `import "x"`). */
export function staticImports(code: string): string[] {
  const found = new Set<string>();
  for (const m of code.matchAll(/^\s*import\s[^;]*?from\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']/gm))
    found.add(m[1] ?? m[2] ?? '');
  return [...found].sort();
}

/** The modules a bundle requires (`require("x")`): in a sandboxed preload, only 'electron' is allowed. */
export function requireCalls(code: string): string[] {
  const found = new Set<string>();
  for (const m of code.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)) found.add(m[1] ?? '');
  return [...found].sort();
}

// ---------------------------------------------------------------- electron binary

export interface ElectronPackage {
  dir: string;
  version: string;
  /** Electron's NODE_MODULE_VERSION: native addons must be built for it. */
  abi: string;
}

export function electronPackage(
  dir = process.env.GOVERNOR_ELECTRON_PKG ?? join(ROOT, 'node_modules', 'electron'),
): ElectronPackage | null {
  try {
    const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
    return { dir, version, abi: readFileSync(join(dir, 'abi_version'), 'utf8').trim() };
  } catch {
    return null;
  }
}

export type BinaryCheck = { ok: true; path: string } | { ok: false; reason: string };

/** Where the electron package says its binary is, without triggering its download (requiring it would). */
export function electronBinary(pkg: ElectronPackage | null, env: NodeJS.ProcessEnv = process.env): BinaryCheck {
  if (!pkg) return { ok: false, reason: 'the electron package is not installed (run npm ci)' };
  const pathTxt = join(pkg.dir, 'path.txt');
  const rel = existsSync(pathTxt) ? readFileSync(pathTxt, 'utf8').trim() : null;
  if (env.ELECTRON_OVERRIDE_DIST_PATH) {
    const p = join(
      env.ELECTRON_OVERRIDE_DIST_PATH,
      rel ??
        (process.platform === 'win32'
          ? 'electron.exe'
          : process.platform === 'darwin'
            ? 'Electron.app/Contents/MacOS/Electron'
            : 'electron'),
    );
    return existsSync(p)
      ? { ok: true, path: p }
      : { ok: false, reason: `ELECTRON_OVERRIDE_DIST_PATH is set but ${p} does not exist` };
  }
  if (!rel)
    return {
      ok: false,
      reason: `the Electron ${pkg.version} binary has not been downloaded (node_modules/electron/path.txt is missing)`,
    };
  const p = join(pkg.dir, 'dist', rel);
  return existsSync(p) ? { ok: true, path: p } : { ok: false, reason: `the Electron binary ${p} is missing` };
}

const NO_BINARY_HELP = [
  'The desktop app cannot start on this machine. Everything else works without Electron:',
  '  npm run serve      the same UI in a browser, through the headless host',
  '  npm test           the engine and the shell logic, under Node',
  'To run the desktop app, get the Electron binary onto this machine, then run npm start again:',
  "  npx install-electron             download it (needs access to Electron's release downloads)",
  '  ELECTRON_OVERRIDE_DIST_PATH=dir  use an Electron of the same version unpacked in dir',
];

/** The binary, fetched once (bounded in time) if the package has none yet; null after saying why. */
export function ensureElectronBinary(pkg: ElectronPackage | null): string | null {
  let check = electronBinary(pkg);
  if (!check.ok && pkg && !process.env.ELECTRON_OVERRIDE_DIST_PATH && process.env.GOVERNOR_ELECTRON_DOWNLOAD !== '0') {
    say(`${check.reason}; downloading Electron ${pkg.version}…`);
    const r = spawnSync(process.execPath, [join(pkg.dir, 'install.js')], { stdio: 'inherit', timeout: 10 * 60_000 });
    if (r.status !== 0) say(`the download failed${r.error ? ` (${r.error.message})` : ''}`);
    check = electronBinary(pkg);
  }
  if (check.ok) return check.path;
  console.error(`[governor] ${check.reason}.\n${NO_BINARY_HELP.join('\n')}`);
  return null;
}

// ---------------------------------------------------------------- native module

export function nativeCacheDir(
  pkg: ElectronPackage,
  sqliteVersion: string,
  platform = process.platform,
  arch = process.arch,
): string {
  return join(
    ROOT,
    'node_modules',
    '.cache',
    'governor-electron',
    `better-sqlite3-${sqliteVersion}-electron-${pkg.version}-${platform}-${arch}`,
  );
}

/**
 * The environment for building against Electron. npm hands scripts its config as npm_config_* variables;
 * this machine's `nodedir=/usr` would silently compile against Node's headers (wrong ABI), so the
 * header-, target- and runtime-related ones are dropped and set explicitly.
 */
export function buildEnv(env: NodeJS.ProcessEnv, pkg: ElectronPackage): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env))
    if (!/^npm_config_(nodedir|target|runtime|disturl|dist_url|arch|build_from_source)$/i.test(k)) out[k] = v;
  return {
    ...out,
    npm_config_runtime: 'electron',
    npm_config_target: pkg.version,
    npm_config_disturl: 'https://electronjs.org/headers',
  };
}

function nodeGyp(): string | null {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(ROOT, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(
      dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    ),
  ];
  return candidates.find((c): c is string => Boolean(c && existsSync(c))) ?? null;
}

/** better-sqlite3 for Electron, from the cache or built now; throws with what was tried and how to fix it. */
export function prepareNative(pkg: ElectronPackage): string {
  const sqliteDir = join(ROOT, 'node_modules', 'better-sqlite3');
  const { version } = JSON.parse(readFileSync(join(sqliteDir, 'package.json'), 'utf8')) as { version: string };
  const cache = nativeCacheDir(pkg, version);
  const target = join(cache, 'better_sqlite3.node');
  if (existsSync(target) && builtForAbi(readFileSync(target), pkg.abi)) return target;
  say(`building better-sqlite3 ${version} for Electron ${pkg.version} (ABI ${pkg.abi}) in ${cache}`);
  const src = join(cache, 'src');
  rmSync(src, { recursive: true, force: true });
  mkdirSync(src, { recursive: true });
  for (const part of ['package.json', 'binding.gyp', 'src', 'deps', 'lib'])
    cpSync(join(sqliteDir, part), join(src, part), { recursive: true });
  const built = join(src, 'build', 'Release', 'better_sqlite3.node');
  const env = buildEnv(process.env, pkg);
  const tried: string[] = [];
  const attempt = (label: string, args: string[], timeout: number) => {
    const r = spawnSync(process.execPath, args, { cwd: src, env, stdio: 'inherit', timeout });
    const ok = r.status === 0 && existsSync(built) && builtForAbi(readFileSync(built), pkg.abi);
    tried.push(
      `${label}: ` +
        `${ok ? 'ok' : r.error ? r.error.message : r.status === 0 ? `built, but not for ABI ${pkg.abi}` : `exit ${r.status}`}`,
    );
    return ok;
  };
  const prebuild = require.resolve('prebuild-install/bin.js');
  let ok = attempt(
    'prebuilt download',
    [
      prebuild,
      '--runtime=electron',
      `--target=${pkg.version}`,
      `--arch=${process.arch}`,
      `--platform=${process.platform}`,
    ],
    120_000,
  );
  const gyp = nodeGyp();
  if (!ok && gyp) {
    const headers = process.env.GOVERNOR_ELECTRON_HEADERS;
    ok = attempt(
      'node-gyp with Electron headers',
      [
        gyp,
        'rebuild',
        '--release',
        `--target=${pkg.version}`,
        `--arch=${process.arch}`,
        headers ? `--nodedir=${headers}` : '--dist-url=https://electronjs.org/headers',
      ],
      20 * 60_000,
    );
  } else if (!gyp) tried.push('node-gyp: not found');
  if (!ok) {
    throw new Error(
      [
        `could not build better-sqlite3 for Electron ${pkg.version}:`,
        ...tried.map((t) => `  ${t}`),
        "Both need a download (the prebuilt addon, or Electron's headers). Without network access, unpack the headers",
        `of Electron ${pkg.version} (not Node's: their NODE_MODULE_VERSION must be ${pkg.abi}) and set ` +
          `GOVERNOR_ELECTRON_HEADERS to that folder.`,
      ].join('\n'),
    );
  }
  copyFileSync(built, target);
  return target;
}

/** Put the prepared addon where the bundle (and the packaged app) looks for it. */
export function stageNative(addon: string, outDir = OUT_DIR): string {
  const dest = join(outDir, 'native', 'better_sqlite3.node');
  mkdirSync(dirname(dest), { recursive: true });
  copyFileSync(addon, dest);
  return dest;
}

// ---------------------------------------------------------------- commands

function run(cmd: string, args: string[]): Promise<number> {
  const env = { ...process.env };
  // Set by some tools to make Electron behave as plain Node; the app must start as an app.
  delete env.ELECTRON_RUN_AS_NODE;
  const child = spawn(cmd, args, { stdio: 'inherit', env });
  const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  return new Promise((res) => {
    child.on('error', (err) => {
      console.error(`[governor] could not run ${cmd}: ${err.message}`);
      res(1);
    });
    child.on('exit', (code, signal) => res(code ?? (signal ? 1 : 0)));
  });
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'bundle':
        say(`bundled ${Object.values(await bundle()).join(', ')}`);
        return 0;
      case 'check': {
        const bin = ensureElectronBinary(electronPackage());
        if (bin) say(`Electron binary: ${bin}`);
        return bin ? 0 : 1;
      }
      case 'native': {
        const pkg = electronPackage();
        if (!pkg) throw new Error('the electron package is not installed (run npm ci)');
        say(`staged ${stageNative(prepareNative(pkg))}`);
        return 0;
      }
      case 'start': {
        // The binary first: without it nothing else is worth the wait.
        const pkg = electronPackage();
        const bin = ensureElectronBinary(pkg);
        if (!bin || !pkg) return 1;
        const { main: entry } = await bundle();
        stageNative(prepareNative(pkg));
        return await run(bin, [entry, ...rest]);
      }
      case 'dist': {
        await bundle();
        const pkg = electronPackage();
        if (!pkg) throw new Error('the electron package is not installed (run npm ci)');
        stageNative(prepareNative(pkg));
        const builder = join(ROOT, 'node_modules', 'electron-builder', 'cli.js');
        return await run(process.execPath, [
          builder,
          '--config',
          join(ROOT, 'electron-builder.yml'),
          '--publish',
          'never',
          ...rest,
        ]);
      }
      case 'icons':
        mkdirSync(ICONS_DIR, { recursive: true });
        for (const icon of ICONS)
          writeFileSync(join(ICONS_DIR, icon.file), encodePng(icon.size, icon.size, drawIcon(icon.size, icon.kind)));
        say(`wrote ${ICONS.length} icons to ${ICONS_DIR}`);
        return 0;
      default:
        console.error('usage: node scripts/prepare-electron.mjs <bundle|check|native|start|dist|icons> [args...]');
        return 2;
    }
  } catch (err) {
    console.error(`[governor] ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
