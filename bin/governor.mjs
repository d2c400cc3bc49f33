#!/usr/bin/env node
// The `governor` CLI: runs the JavaScript build in dist/cli (made by `npm install`, see scripts/build-cli.mjs).
// A build older than its sources (an edit, a pull) is rebuilt first; without esbuild it runs the sources
// through tsx instead, so `npx governor` always runs the code in front of you.
import module from 'node:module';
import { pathToFileURL } from 'node:url';
import { buildCli, builtEntry } from '../scripts/build-cli.mjs';

// Node 22.1+ keeps V8's compiled code between runs; on Node 20 this is absent and starts simply compile.
module.enableCompileCache?.();

const found = builtEntry();
let entry = found.entry ? pathToFileURL(found.entry).href : null;
if (!entry) {
  try {
    process.stderr.write(`[governor] ${found.stale}; building the CLI…\n`);
    entry = pathToFileURL(await buildCli({ quiet: true })).href;
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    process.stderr.write(`[governor] could not build the CLI (${why}); running it from TypeScript\n`);
    const { register } = await import('tsx/esm/api');
    register();
    entry = new URL('../electron/server/cli/main.ts', import.meta.url).href;
  }
}
await import(entry);
