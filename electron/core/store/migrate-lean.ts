import type Database from 'better-sqlite3';
import { encodeTs } from './chain.ts';
import { SEARCH_TABLE_SQL, searchDoc } from './search.ts';

/** Where chain format 2 starts (see hash.ts); events before it keep the format they were written in. */
export const CHAIN_V2_KEY = 'chain_v2_from';

/** The events table, its index and its append-only guards, as the lean ledger has them. */
export const LEAN_EVENTS_SQL = `
  CREATE TABLE events_lean (
    seq     INTEGER PRIMARY KEY,
    id      TEXT NOT NULL UNIQUE,
    -- No declared type on purpose: integer milliseconds when they round-trip to the written text, else the text.
    ts      NOT NULL,
    type    TEXT NOT NULL,
    actor   TEXT NOT NULL,
    payload TEXT NOT NULL,
    hash    BLOB NOT NULL
  );`;

const GUARDS_SQL = `
  CREATE INDEX events_type ON events(type, seq);
  -- Append-only is a rule of the ledger, so the database enforces it too.
  CREATE TRIGGER events_no_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'ledger events are append-only'); END;
  CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'ledger events are append-only'); END;`;

// The events table as migration 5 found it (hash as hex text), written out rather than derived from
// HashedRow in hash.ts: a migration reads the old schema as it was, whatever the live row type becomes.
interface OldRow {
  seq: number;
  id: string;
  ts: string;
  type: string;
  actor: string;
  payload: string;
  hash: string;
}

/**
 * Migration 5, in place: every event is copied as it was written (same seq, id, ts, type, actor, payload
 * text and hash, so the chain verifies exactly as before), with the hash as 32 bytes instead of 64 hex
 * characters, no prev_hash column (it is the previous row's hash), and a row in the search index. The
 * events already there keep chain format 1; the ones appended from now on use format 2.
 * Runs inside the migration's transaction: a crash leaves the old table untouched.
 */
export function leanLedger(db: Database.Database): void {
  db.exec(LEAN_EVENTS_SQL);
  db.exec(SEARCH_TABLE_SQL);
  const page = db.prepare<[number], OldRow>(
    'SELECT seq, id, ts, type, actor, payload, hash FROM events WHERE seq > ? ORDER BY seq LIMIT 5000',
  );
  const insert = db.prepare(
    'INSERT INTO events_lean (seq, id, ts, type, actor, payload, hash) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const index = db.prepare('INSERT INTO events_search (rowid, doc) VALUES (?, ?)');
  let last = 0;
  for (;;) {
    const rows = page.all(last);
    if (rows.length === 0) break;
    for (const r of rows) {
      insert.run(r.seq, r.id, encodeTs(r.ts), r.type, r.actor, r.payload, Buffer.from(r.hash, 'hex'));
      let payload: unknown = r.payload;
      try {
        payload = JSON.parse(r.payload) as unknown;
      } catch {
        // A damaged payload is copied as it is (verify will name it); its raw text is what gets indexed.
      }
      index.run(r.seq, searchDoc(r.type, r.actor, payload));
      last = r.seq;
    }
  }
  db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(CHAIN_V2_KEY, String(last + 1));
  db.exec('DROP TABLE events');
  db.exec('ALTER TABLE events_lean RENAME TO events');
  db.exec(GUARDS_SQL);
}
