import Database from 'better-sqlite3';
import { migrate } from './migrations.ts';
import { holdNativeObjects } from './statement-cache.ts';

/** Opens a ledger's SQLite file with the settings every process shares, migrated to the current schema. */
export function openLedgerDb(path: string): Database.Database {
  const db = new Database(path);
  // Before anything is prepared: Node 24.19+ aborts when the GC frees one of these (statement-cache.ts).
  holdNativeObjects(db);
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a commit is in the WAL (the OS's page cache) before `transact` returns, so a
  // killed or crashed process loses nothing it acknowledged (DESIGN §durability; the kill tests). Only
  // power loss can drop the last few commits, never corrupt the file. FULL, fsyncing every transaction
  // (some 130 per three-phase run), bought nothing more: the git objects and refs the ledger names are
  // not fsynced either, and after a power loss the ledger stays the authority (git/recovery.ts puts refs
  // back to what it recorded).
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 10000');
  db.pragma('foreign_keys = ON');
  // Temporary b-trees (an ORDER BY no index gives, an OR of several indexes) in memory. With the default,
  // a temporary database that may spill to a file, `someReviews` (an OR of three indexes) took ~0.4 ms on a
  // three-phase run's ledger, ~25 µs in memory. They hold what a read returns anyway (every read here is
  // bounded, or already loads its rows whole), so memory does not grow with them.
  db.pragma('temp_store = MEMORY');
  migrate(db);
  return db;
}
