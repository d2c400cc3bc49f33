import type Database from 'better-sqlite3';

/**
 * Keeps better-sqlite3's native objects from ever being garbage-collected.
 *
 * Why: from Node 24.19, `node::ObjectWrap` unregisters an environment cleanup hook in its destructor, and
 * that aborts the process (`Assertion failed: (env) != nullptr` in RemoveEnvironmentCleanupHook) when the
 * object is collected by a GC that runs outside JavaScript: an idle-time GC task, or the heap teardown at
 * exit. better-sqlite3 12 builds its Statement and Database on ObjectWrap; 13 does not, but 13 crashes on
 * Node 20, and one lockfile must serve 20, 22 and 24 (WiseLibs/better-sqlite3#1515 was closed unfixed).
 * So no Statement and no Database of ours is ever left for the GC:
 *
 * - `prepare` (and `pragma`, and the transaction helpers, which call the native `prepare` directly) hand
 *   out a cached statement per database and SQL text, made once and held for the life of the process;
 *   a second one is made only while the first is busy (an open `iterate()`), and kept too.
 * - every native database that prepared anything is held for the life of the process, closed or not.
 *
 * Memory stays bounded by the distinct SQL texts a database runs (and the databases a process opens),
 * and reusing a prepared statement is faster than preparing it again. It applies on every Node version,
 * so the path Node 24 needs is the one the tests run everywhere. The one rule it adds: never keep a
 * statement after switching it to pluck/raw/expand mode (a reuse switches it back); nothing here does.
 */

interface NativeStatement {
  readonly busy: boolean;
  readonly reader: boolean;
  pluck(on: boolean): unknown;
  expand(on: boolean): unknown;
  raw(on: boolean): unknown;
}
type NativePrepare = (this: object, sql: string, owner: unknown, pragmaMode: boolean) => NativeStatement;

const patched = new WeakSet<object>();
/** Every native database that prepared a statement, with its statements by SQL: never released. */
const held = new Map<object, Map<string, NativeStatement[]>>();

/** Install the cache on the native class behind `db` (once per class), and hold `db` itself. */
export function holdNativeObjects(db: Database.Database): void {
  // The wrapper keeps its native database under a private, nameless symbol: find it by its shape.
  const own = db as unknown as Record<symbol, unknown>;
  const hasPrepare = (v: unknown): v is object => {
    if (typeof v !== 'object' || v === null) return false;
    return typeof (Object.getPrototypeOf(v) as { prepare?: unknown } | null)?.prepare === 'function';
  };
  const native = Object.getOwnPropertySymbols(db)
    .map((s) => own[s])
    .find(hasPrepare);
  if (native === undefined) return; // not the better-sqlite3 we know: leave it be
  if (!held.has(native)) held.set(native, new Map());
  const proto = Object.getPrototypeOf(native) as { prepare?: NativePrepare } | null;
  if (!proto || patched.has(proto) || typeof proto.prepare !== 'function') return;
  const prepare = proto.prepare;
  proto.prepare = function cachedPrepare(this: object, sql: string, owner: unknown, pragmaMode: boolean) {
    let bySql = held.get(this);
    if (!bySql) {
      bySql = new Map();
      held.set(this, bySql);
    }
    const cacheKey = `${pragmaMode ? 'p' : 's'}:${sql}`;
    const made = bySql.get(cacheKey) ?? [];
    const idle = made.find((s) => !s.busy);
    if (idle) {
      // A reused statement starts plain, whatever its last user switched on.
      if (idle.reader) {
        idle.raw(false);
        idle.pluck(false);
        idle.expand(false);
      }
      return idle;
    }
    const fresh = prepare.call(this, sql, owner, pragmaMode);
    made.push(fresh);
    bySql.set(cacheKey, made);
    return fresh;
  };
  patched.add(proto);
}
