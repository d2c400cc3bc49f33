import type Database from 'better-sqlite3';

/**
 * Schema migrations, applied in order and recorded in `PRAGMA user_version`.
 * Never edit a shipped migration: add a new one.
 * `events` is the append-only ledger; every other table is a projection that can be rebuilt from it.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE events (
    seq       INTEGER PRIMARY KEY,
    id        TEXT NOT NULL UNIQUE,
    ts        TEXT NOT NULL,
    type      TEXT NOT NULL,
    actor     TEXT NOT NULL,
    payload   TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
  );
  CREATE INDEX events_type ON events(type, seq);

  -- Append-only is a rule of the ledger, so the database enforces it too.
  CREATE TRIGGER events_no_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'ledger events are append-only'); END;
  CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'ledger events are append-only'); END;

  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

  CREATE TABLE project (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL, brief TEXT NOT NULL,
    phase INTEGER NOT NULL, stage TEXT NOT NULL, iteration INTEGER NOT NULL,
    plan TEXT NOT NULL,
    last_seq INTEGER NOT NULL, last_ts TEXT NOT NULL
  );
  CREATE TABLE reviews (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, kind TEXT NOT NULL, phase INTEGER NOT NULL,
    status TEXT NOT NULL, handled INTEGER NOT NULL DEFAULT 0, doc TEXT NOT NULL);
  CREATE INDEX reviews_status ON reviews(status, seq);
  CREATE TABLE concerns (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, status TEXT NOT NULL, severity TEXT NOT NULL,
    addressee TEXT NOT NULL, doc TEXT NOT NULL);
  CREATE INDEX concerns_status ON concerns(status, seq);
  CREATE TABLE tasks (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, phase INTEGER NOT NULL, agent TEXT NOT NULL,
    status TEXT NOT NULL, doc TEXT NOT NULL);
  CREATE TABLE artifacts (path TEXT NOT NULL, revision INTEGER NOT NULL, seq INTEGER NOT NULL, doc TEXT NOT NULL,
    PRIMARY KEY (path, revision));
  CREATE TABLE variations (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, number INTEGER NOT NULL, status TEXT NOT NULL, doc TEXT NOT NULL);
  CREATE TABLE handoffs (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, doc TEXT NOT NULL);
  CREATE TABLE commands (command_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, doc TEXT NOT NULL);
  CREATE TABLE responses (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, command_id TEXT NOT NULL, doc TEXT NOT NULL);
  CREATE TABLE clarifications (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, agent TEXT NOT NULL, status TEXT NOT NULL, doc TEXT NOT NULL);
  CREATE TABLE agents (name TEXT PRIMARY KEY, seq INTEGER NOT NULL, doc TEXT NOT NULL);
  CREATE TABLE git_actions (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, doc TEXT NOT NULL);
  CREATE TABLE git_refs (name TEXT PRIMARY KEY, oid TEXT NOT NULL, seq INTEGER NOT NULL);
  CREATE TABLE test_runs (run_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, phase INTEGER NOT NULL, doc TEXT NOT NULL);
  CREATE TABLE gates (event_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, phase INTEGER NOT NULL, doc TEXT NOT NULL);
  CREATE TABLE promotions (phase INTEGER PRIMARY KEY, seq INTEGER NOT NULL, doc TEXT NOT NULL);
  `,
  // 2: the Discord link. Operational state, not projections: a rebuild leaves these alone, since what was
  // already delivered to Discord cannot be un-delivered by replaying the ledger.
  `
  -- Transactional outbox: rows are inserted in the transaction of the events that cause them; id is the order.
  CREATE TABLE discord_outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    key             TEXT NOT NULL UNIQUE,
    channel         TEXT NOT NULL,
    ref_kind        TEXT,
    ref_id          TEXT,
    starts_thread   INTEGER NOT NULL DEFAULT 0,
    payload         TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    message_id      TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT
  );
  CREATE INDEX discord_outbox_state ON discord_outbox(state, id);
  -- The thread each concern or review got, so later messages about it land there.
  CREATE TABLE discord_threads (
    ref_kind   TEXT NOT NULL,
    ref_id     TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    thread_id  TEXT NOT NULL,
    PRIMARY KEY (ref_kind, ref_id)
  );
  -- Interactions seen, so Discord delivering the same interaction again acts once (two clicks are two interactions: first decision wins).
  CREATE TABLE discord_interactions (id TEXT PRIMARY KEY, kind TEXT NOT NULL, user_id TEXT NOT NULL, received_at TEXT NOT NULL);
  -- The one delivering process: a lease with the owner's pid, plus what the status call shows.
  CREATE TABLE discord_bridge (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    owner       TEXT NOT NULL,
    pid         INTEGER NOT NULL,
    host        TEXT NOT NULL,
    lease_until INTEGER NOT NULL,
    mode        TEXT,
    connected   INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    updated_at  TEXT NOT NULL
  );
  `,
  // 3: coding agents. Permission requests and worker sessions are projections of their events.
  `
  CREATE TABLE permission_requests (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, agent TEXT NOT NULL, status TEXT NOT NULL,
    session_id TEXT, digest TEXT NOT NULL, doc TEXT NOT NULL);
  CREATE INDEX permission_requests_status ON permission_requests(status, seq);
  CREATE TABLE worker_sessions (agent TEXT NOT NULL, task_id TEXT NOT NULL, seq INTEGER NOT NULL, session_id TEXT NOT NULL,
    status TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (agent, task_id));
  CREATE TABLE budget_grants (seq INTEGER PRIMARY KEY, phase INTEGER NOT NULL, agent TEXT NOT NULL, doc TEXT NOT NULL);
  `,
  // 4: the Discord link, exactly once and bound to its project. A row remembers where its message landed
  // the moment Discord answers (so a failure after that, e.g. creating the thread, never posts it again),
  // and when a POST started (so a retry first looks for a message an unanswered POST may have left).
  // discord_posts: the first message about each review, concern or permission request, which later edits.
  `
  ALTER TABLE discord_outbox ADD COLUMN channel_id TEXT;
  ALTER TABLE discord_outbox ADD COLUMN posting_at INTEGER;
  CREATE INDEX discord_outbox_message ON discord_outbox(message_id);
  CREATE INDEX discord_outbox_channel ON discord_outbox(state, channel, id);
  CREATE TABLE discord_posts (
    ref_kind   TEXT NOT NULL,
    ref_id     TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    PRIMARY KEY (ref_kind, ref_id)
  );
  `,
];

/** Tables that are projections; a rebuild empties exactly these. */
export const PROJECTION_TABLES = [
  'project', 'reviews', 'concerns', 'tasks', 'artifacts', 'variations', 'handoffs', 'commands', 'responses',
  'clarifications', 'agents', 'git_actions', 'git_refs', 'test_runs', 'gates', 'promotions',
  'permission_requests', 'worker_sessions', 'budget_grants',
] as const;

/**
 * Applies the missing migrations. `user_version` is read inside the same IMMEDIATE (write-locked)
 * transaction that migrates: two processes opening a fresh ledger at once would otherwise both read 0 and
 * the second would fail on `CREATE TABLE events`. The second now waits for the lock (busy_timeout) and
 * finds nothing left to do.
 */
export function migrate(db: Database.Database): void {
  const version = () => db.pragma('user_version', { simple: true }) as number;
  // Already current: no write lock needed (the common case: every open of an existing project).
  if (version() >= MIGRATIONS.length) return;
  db.transaction(() => {
    for (let v = version(); v < MIGRATIONS.length; v++) {
      db.exec(MIGRATIONS[v] ?? '');
      db.pragma(`user_version = ${v + 1}`);
    }
  }).immediate();
}
