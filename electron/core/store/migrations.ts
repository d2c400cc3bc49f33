import type Database from 'better-sqlite3';
import { leanLedger } from './migrate-lean.ts';
import { roadmapStatuses } from './migrate-roadmap.ts';

/**
 * Schema migrations, applied in order and recorded in `PRAGMA user_version`.
 * Never edit a shipped migration: add a new one. A migration is SQL, or a function when rows must be
 * rewritten by code (5: the lean ledger).
 * `events` is the append-only ledger; every other table is a projection that can be rebuilt from it.
 */
const MIGRATIONS: ReadonlyArray<string | ((db: Database.Database) => void)> = [
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
  // 5: the lean ledger (hashes as bytes, no prev_hash column, the audit search index).
  leanLedger,
  // 6: what the loop, /status and the exports read, by index, so no step reads the whole history.
  `
  ALTER TABLE concerns ADD COLUMN phase INTEGER NOT NULL DEFAULT 0;
  UPDATE concerns SET phase = COALESCE(json_extract(doc, '$.phase'), 0);
  CREATE INDEX concerns_phase ON concerns(phase, seq);
  CREATE INDEX concerns_severity ON concerns(severity, seq);
  -- Concerns by phase, severity and status: counted as they change, read in a few rows.
  CREATE TABLE concern_counts (phase INTEGER NOT NULL, severity TEXT NOT NULL, status TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (phase, severity, status)) WITHOUT ROWID;
  INSERT INTO concern_counts SELECT phase, severity, status, COUNT(*) FROM concerns GROUP BY phase, severity, status;
  CREATE INDEX responses_command ON responses(command_id, seq);
  CREATE INDEX tasks_phase ON tasks(phase);
  CREATE INDEX reviews_phase_kind ON reviews(phase, kind, seq);
  -- Clarifications asked outside a command (during a review), newest answer first: the detail's interactions.
  CREATE INDEX clarifications_direct
    ON clarifications(COALESCE(json_extract(doc, '$.answered_at'), json_extract(doc, '$.asked_at')))
    WHERE json_extract(doc, '$.command_id') IS NULL;
  CREATE INDEX clarifications_review ON clarifications(json_extract(doc, '$.review_id'));
  -- Reviews by the document they decide: the sign-offs and deliverables of each authored document.
  CREATE INDEX reviews_subject ON reviews(json_extract(doc, '$.subject.path'), seq);
  -- Spend per phase and agent, added up as usage is recorded: budgets are checked after every model call.
  CREATE TABLE usage_totals (phase INTEGER NOT NULL, agent TEXT NOT NULL, usd REAL NOT NULL, tokens INTEGER NOT NULL,
    PRIMARY KEY (phase, agent)) WITHOUT ROWID;
  INSERT INTO usage_totals
    SELECT json_extract(payload, '$.phase'), json_extract(payload, '$.agent'),
      ROUND(SUM(json_extract(payload, '$.cost_usd')), 6),
      SUM(json_extract(payload, '$.input_tokens') + json_extract(payload, '$.output_tokens'))
    FROM events WHERE type = 'agent.usage_recorded' GROUP BY 1, 2;
  ALTER TABLE git_actions ADD COLUMN action TEXT NOT NULL DEFAULT '';
  UPDATE git_actions SET action = COALESCE(json_extract(doc, '$.action'), '');
  CREATE INDEX git_actions_action ON git_actions(action, seq);
  -- Coding agents (3), read per tool use: the request for an input, a session's grants, the rules granted
  -- always, and whether a decision was used (kept on the request, not found by scanning the agents' stream).
  CREATE INDEX permission_requests_digest ON permission_requests(agent, digest, seq);
  CREATE INDEX permission_requests_session ON permission_requests(agent, session_id, status, seq);
  CREATE INDEX permission_requests_always ON permission_requests(seq)
    WHERE status = 'allowed' AND json_extract(doc, '$.decision.decision') = 'allow_always';
  ALTER TABLE permission_requests ADD COLUMN used INTEGER NOT NULL DEFAULT 0;
  UPDATE permission_requests SET used = 1 WHERE (id, digest) IN (
    SELECT substr(t, 1, instr(t, ' ') - 1), d FROM (
      SELECT json_extract(payload, '$.text') AS t, json_extract(payload, '$.gate.digest') AS d
      FROM events WHERE type = 'worker.activity')
    WHERE d IS NOT NULL AND instr(t, ' ') > 1);
  CREATE INDEX budget_grants_phase ON budget_grants(phase, seq);
  -- The conditions approvals set (concerns of category condition), met or not: the detail lists them all.
  CREATE INDEX concerns_condition ON concerns(seq) WHERE json_extract(doc, '$.category') = 'condition';
  -- The Agents view's stream of one agent, newest first, without walking the other agents' lines.
  CREATE INDEX events_activity ON events(actor, seq) WHERE type = 'worker.activity';
  `,
  // 7: the roadmap shows which phases are promoted and which one is active, as the projector now keeps it.
  roadmapStatuses,
  // 8: the detail's latest commands, read after every event, by index instead of sorting every command.
  `
  CREATE INDEX commands_seq ON commands(seq);
  `,
  // 9: the phases that have handoffs (the exporter's per-phase handoff streams), one seek per phase.
  `
  CREATE INDEX handoffs_phase ON handoffs(json_extract(doc, '$.phase'), seq);
  `,
  // 10: the reviews the results documents sign off (a phase's, requested since its newest run or gate).
  `
  CREATE INDEX reviews_requested ON reviews(phase, json_extract(doc, '$.requested_at'));
  `,
];

/** Tables that are projections; a rebuild empties exactly these. */
export const PROJECTION_TABLES = [
  'project',
  'reviews',
  'concerns',
  'concern_counts',
  'tasks',
  'artifacts',
  'variations',
  'handoffs',
  'commands',
  'responses',
  'clarifications',
  'agents',
  'git_actions',
  'git_refs',
  'test_runs',
  'gates',
  'promotions',
  'usage_totals',
  'permission_requests',
  'worker_sessions',
  'budget_grants',
] as const;

/**
 * Applies the missing migrations. `user_version` is read inside the same IMMEDIATE (write-locked)
 * transaction that migrates: two processes opening a fresh ledger at once would otherwise both read 0 and
 * the second would fail on `CREATE TABLE events`. The second now waits for the lock (busy_timeout) and
 * finds nothing left to do.
 */
export function migrate(db: Database.Database, upTo: number = MIGRATIONS.length): void {
  const version = () => db.pragma('user_version', { simple: true }) as number;
  // Already current: no write lock needed (the common case: every open of an existing project).
  if (version() >= upTo) return;
  db.transaction(() => {
    for (let v = version(); v < upTo; v++) {
      const step = MIGRATIONS[v] ?? '';
      if (typeof step === 'string') db.exec(step);
      else step(db);
      db.pragma(`user_version = ${v + 1}`);
    }
  }).immediate();
}

/** The schema version this code writes: a ledger at any lower version is migrated forward on open. */
export const SCHEMA_VERSION = MIGRATIONS.length;
