#!/usr/bin/env node
/**
 * Builds the `governor` CLI (and the headless host it starts) from TypeScript to JavaScript in dist/cli,
 * so a command starts without transpiling anything. Run by `npm install`/`npm ci` (the `prepare` script)
 * and by `npm run build:cli`; bin/governor.mjs rebuilds it when a source file is newer than the build.
 *
 * Plain JavaScript on purpose: it runs before anything else is built, and needs only esbuild (a
 * devDependency) and Node. It never needs Electron.
 *
 * One ESM entry with code splitting: each command's `await import(…)` becomes its own chunk, so
 * `governor --help` loads commander and the command list, and `governor status` loads the engine but not
 * the host, discord.js or the AI SDK.
 *
 * Every output file is named by its content hash and written once (temp file, then rename), and
 * build-info.json, which names the entry, is replaced last. So a rebuild never changes a file a running
 * `governor serve` may still import lazily, and a command starting mid-build runs the old build or the new
 * one, never half of each. Files of builds before the previous one are removed.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const ROOT = resolve(import.meta.dirname, '..');
export const CLI_DIR = join(ROOT, 'dist', 'cli');
export const BUILD_INFO = join(CLI_DIR, 'build-info.json');
const MAIN = join(ROOT, 'electron', 'server', 'cli', 'main.ts');

/**
 * Most npm packages are bundled into the chunks: Node then reads one file per chunk instead of resolving
 * and loading the hundreds of modules zod, yaml and the AI SDK ship as (that cost more than everything
 * `governor status` does). Bundled together, the AI SDK and our schemas share one zod, as they must.
 * Left to node_modules: the native SQLite addon (it cannot be bundled), and discord.js, ws and openpgp,
 * which load optional native helpers at run time and are imported only by the commands that use them.
 */
const EXTERNAL = ['better-sqlite3', 'discord.js', 'ws', 'openpgp'];

/**
 * zod's `z` namespace re-exports all of its forty-odd locales, so importing `z` bundles every one of them
 * (about 250 kB of the ~450 kB zod chunk each engine command parses at start). Governor speaks English:
 * its locale index is replaced by one that exports `en` only.
 */
const englishOnlyZod = {
  name: 'governor-zod-english-only',
  setup(b) {
    const stub = join(ROOT, 'scripts', 'zod-english-only.mjs');
    b.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer) ? { path: stub } : undefined,
    );
  },
};

function readInfo(file = BUILD_INFO) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/** Write `data` to `file` through a temp file and a rename, so a reader sees all of it or none. */
function writeAtomic(file, data) {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

/** `{ "chunk-X.js": ["yaml", "zod"] }` for every output file that bundles code from node_modules. */
function packagesByChunk(metafile) {
  const out = {};
  for (const [file, o] of Object.entries(metafile.outputs)) {
    const names = new Set();
    for (const input of Object.keys(o.inputs)) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      if (m?.[1]) names.add(m[1]);
    }
    if (names.size > 0) out[relative(CLI_DIR, resolve(ROOT, file))] = [...names].sort();
  }
  return out;
}

/** Build dist/cli; returns the entry's absolute path. */
export async function buildCli({ quiet = false } = {}) {
  const { build } = await import('esbuild');
  const started = Date.now();
  mkdirSync(CLI_DIR, { recursive: true });
  const result = await build({
    entryPoints: { governor: MAIN },
    // Paths in the metafile (the entry, the inputs in build-info.json) are relative to the package root.
    absWorkingDir: ROOT,
    outdir: CLI_DIR,
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    write: false,
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    // The oldest Node the engines field allows: nothing newer may slip into the output.
    target: 'node20.19',
    external: EXTERNAL,
    plugins: [englishOnlyZod],
    // Bundled CommonJS packages (commander, isomorphic-git) call require() for Node's built-ins.
    banner: {
      js: [
        "import { createRequire as __governorRequire } from 'node:module';",
        'const require = __governorRequire(import.meta.url);',
      ].join(' '),
    },
    // Less text for V8 to read and parse at every start.
    minify: true,
    sourcemap: 'linked',
    metafile: true,
    logLevel: quiet ? 'error' : 'warning',
  });
  if (process.env.GOVERNOR_BUILD_META) writeFileSync(process.env.GOVERNOR_BUILD_META, JSON.stringify(result.metafile));
  const outputs = [];
  for (const file of result.outputFiles) {
    const name = relative(CLI_DIR, file.path);
    outputs.push(name);
    // Same name, same content: a file already there is never rewritten under a running process.
    if (!existsSync(file.path)) writeAtomic(file.path, file.contents);
  }
  // Dynamic imports count as entry points too; ours is the one made from the CLI's main.ts.
  const main = relative(ROOT, MAIN).split('\\').join('/');
  const entryOut = Object.entries(result.metafile.outputs).find(([, o]) => o.entryPoint === main);
  if (!entryOut) throw new Error('esbuild produced no entry point');
  const previous = readInfo();
  const info = {
    builtAt: started,
    node: process.version,
    entry: relative(CLI_DIR, resolve(ROOT, entryOut[0])),
    outputs,
    // Kept one build longer: a `governor serve` started from it may still load a chunk lazily.
    previousOutputs: previous?.outputs ?? [],
    // Which npm packages each chunk carries, so a test can tell what a command loaded.
    packages: packagesByChunk(result.metafile),
    // What the build was made from, so bin/governor.mjs can tell a stale build by the sources' mtimes.
    inputs: Object.keys(result.metafile.inputs).filter((f) => !f.includes('node_modules')),
  };
  writeAtomic(BUILD_INFO, `${JSON.stringify(info, null, 1)}\n`);
  const keep = new Set(['build-info.json', ...info.outputs, ...info.previousOutputs]);
  for (const name of readdirSync(CLI_DIR)) {
    if (!keep.has(name) && !name.includes('.tmp-')) rmSync(join(CLI_DIR, name), { force: true });
  }
  const where = relative(process.cwd(), CLI_DIR) || CLI_DIR;
  if (!quiet) console.log(`[governor] built the CLI into ${where} in ${Date.now() - started} ms`);
  return join(CLI_DIR, info.entry);
}

/**
 * The built entry to run, or why there is none to run as it is: not built, or a source it was built from
 * changed (or vanished) since. About a millisecond for the couple of hundred files of the CLI.
 */
export function builtEntry() {
  const info = readInfo();
  if (!info?.entry || !existsSync(join(CLI_DIR, info.entry))) return { stale: 'the CLI has not been built yet' };
  for (const rel of info.inputs ?? []) {
    let mtime;
    try {
      mtime = statSync(join(ROOT, rel)).mtimeMs;
    } catch {
      return { stale: `${rel} is gone since the last build` };
    }
    if (mtime > info.builtAt) return { stale: `${rel} changed since the last build` };
  }
  return { entry: join(CLI_DIR, info.entry) };
}

// `node scripts/build-cli.mjs`: the prepare step. Without esbuild (a production-only install) it says
// so and leaves the CLI to run from its sources through tsx, rather than failing the install.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    await import('esbuild');
  } catch {
    console.log('[governor] esbuild is not installed (no dev dependencies): the CLI will run its sources through tsx.');
    process.exit(0);
  }
  await buildCli({ quiet: process.argv.includes('--quiet') });
}
