import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

/**
 * better-sqlite3 for Electron's ABI, without touching the engine or the Node build the tests use.
 *
 * `node_modules/better-sqlite3/build/Release` holds the addon compiled for Node (npm ci builds it, and the
 * tests load it). Electron has its own ABI, so the desktop app loads a second copy of the addon, prepared by
 * `scripts/prepare-electron.ts` into `dist/electron/native/`. The engine's ledger constructs
 * `new Database(path)`, with no way to pass better-sqlite3's `nativeBinding` option; so when the main
 * process is bundled, every `import Database from 'better-sqlite3'` is redirected to this module, which
 * passes the prepared addon's path on. Under plain Node (tests, CLI, headless host) nothing changes.
 */

const require = createRequire(import.meta.url);
// A runtime require, not an import: the bundler's redirect must not point this module at itself.
const Base = require('better-sqlite3') as typeof BetterSqlite3;

let binding: string | null = null;

/** Set once by main.ts before the project opens: the Electron-ABI `better_sqlite3.node` to load. */
export function setNativeBinding(path: string | null): void {
  binding = path;
}

export function nativeBinding(): string | null {
  return binding;
}

type Options = BetterSqlite3.Options | undefined;

/**
 * Same constructor, same statics, same prototype (so `instanceof` holds); only the options differ. A
 * caller's own `nativeBinding` wins.
 */
function Database(this: unknown, filename?: string | Buffer, options?: Options): BetterSqlite3.Database {
  const opts: Options = binding && !options?.nativeBinding ? { ...options, nativeBinding: binding } : options;
  return new Base(filename, opts);
}
Object.setPrototypeOf(Database, Base);
Database.prototype = Base.prototype;

export default Database as unknown as typeof BetterSqlite3;
