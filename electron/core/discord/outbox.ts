import type Database from 'better-sqlite3';
import type { DiscordChannelName } from '../../../shared/config.ts';
import { OutboundMessage } from './message.ts';

/** A row of the transactional outbox; `id` is the delivery order. */
export interface OutboxRow {
  id: number;
  key: string;
  channel: DiscordChannelName;
  ref_kind: string | null;
  ref_id: string | null;
  starts_thread: number;
  payload: string;
  state: 'pending' | 'sent' | 'dead';
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  message_id: string | null;
  /** Where the message landed (the channel or thread), recorded with message_id. */
  channel_id: string | null;
  /** When the last POST of this row started and got no definite answer: a retry looks for its message first. */
  posting_at: number | null;
  created_at: string;
  sent_at: string | null;
}

export interface NewOutboxRow {
  /** Unique per message: the event id that caused it, or e.g. `daily:2026-11-25`; a repeat is ignored. */
  key: string;
  channel: DiscordChannelName;
  ref: { kind: string; id: string } | null;
  message: OutboundMessage;
}

export interface ThreadRow {
  channel_id: string;
  message_id: string;
  thread_id: string;
}

/**
 * The outbox's SQL, in one place. Writers enqueue inside the ledger's transaction; the deliverer reads the
 * head, and marks rows sent (with their message id) or failed (with when to try again).
 */
export function createOutbox(db: Database.Database) {
  const s = {
    insert: db.prepare(
      'INSERT OR IGNORE INTO discord_outbox (key, channel, ref_kind, ref_id, starts_thread, payload, created_at) ' +
        'VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    head: db.prepare<[], OutboxRow>("SELECT * FROM discord_outbox WHERE state = 'pending' ORDER BY id LIMIT 1"),
    heads: db.prepare<[], OutboxRow>(
      "SELECT * FROM discord_outbox o WHERE state = 'pending' AND id = " +
        "(SELECT MIN(id) FROM discord_outbox WHERE state = 'pending' AND channel = o.channel) ORDER BY id",
    ),
    original: db.prepare<[string, string], OutboxRow>(
      "SELECT * FROM discord_outbox WHERE ref_kind = ? AND ref_id = ? AND state != 'dead' ORDER BY id LIMIT 1",
    ),
    owns: db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM discord_outbox WHERE message_id = ?'),
    posting: db.prepare('UPDATE discord_outbox SET posting_at = ? WHERE id = ?'),
    postGet: db.prepare<[string, string], { channel_id: string; message_id: string }>(
      'SELECT channel_id, message_id FROM discord_posts WHERE ref_kind = ? AND ref_id = ?',
    ),
    postPut: db.prepare(
      'INSERT OR IGNORE INTO discord_posts (ref_kind, ref_id, channel_id, message_id) VALUES (?, ?, ?, ?)',
    ),
    lastSentIn: db.prepare<[string], { message_id: string }>(
      "SELECT message_id FROM discord_outbox WHERE channel_id = ? AND state = 'sent' AND message_id IS NOT NULL " +
        'ORDER BY id DESC LIMIT 1',
    ),
    byKey: db.prepare<[string], OutboxRow>('SELECT * FROM discord_outbox WHERE key = ?'),
    sent: db.prepare(
      "UPDATE discord_outbox SET state = 'sent', message_id = ?, channel_id = ?, posting_at = NULL, sent_at = ?, " +
        "last_error = NULL WHERE id = ? AND state = 'pending'",
    ),
    messageId: db.prepare('UPDATE discord_outbox SET message_id = ?, channel_id = ?, posting_at = NULL WHERE id = ?'),
    failed: db.prepare(
      'UPDATE discord_outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?',
    ),
    dead: db.prepare("UPDATE discord_outbox SET state = 'dead', attempts = attempts + 1, last_error = ? WHERE id = ?"),
    counts: db.prepare<[], { state: string; n: number }>(
      'SELECT state, COUNT(*) AS n FROM discord_outbox GROUP BY state',
    ),
    lastError: db.prepare<[], { last_error: string; attempts: number; key: string }>(
      "SELECT last_error, attempts, key FROM discord_outbox WHERE state != 'sent' AND last_error IS NOT NULL " +
        'ORDER BY id LIMIT 1',
    ),
    requeue: db.prepare(
      "UPDATE discord_outbox SET state = 'pending', attempts = 0, next_attempt_at = 0, last_error = NULL " +
        "WHERE state = 'dead'",
    ),
    threadGet: db.prepare<[string, string], ThreadRow>(
      'SELECT channel_id, message_id, thread_id FROM discord_threads WHERE ref_kind = ? AND ref_id = ?',
    ),
    threadPut: db.prepare(
      'INSERT OR REPLACE INTO discord_threads (ref_kind, ref_id, channel_id, message_id, thread_id) ' +
        'VALUES (?, ?, ?, ?, ?)',
    ),
  };
  return {
    /** True when a row was added (false: that key was already queued). */
    enqueue(row: NewOutboxRow, now: Date = new Date()): boolean {
      const starts = row.message.thread_name !== null ? 1 : 0;
      return (
        s.insert.run(
          row.key,
          row.channel,
          row.ref?.kind ?? null,
          row.ref?.id ?? null,
          starts,
          JSON.stringify(row.message),
          now.toISOString(),
        ).changes > 0
      );
    },
    /**
     * The oldest undelivered row: delivery is strictly in order, so a failing head waits, and so does everything
     * behind it.
     */
    head(): OutboxRow | null {
      return s.head.get() ?? null;
    },
    byKey(key: string): OutboxRow | null {
      return s.byKey.get(key) ?? null;
    },
    /**
     * The head of every channel's queue, oldest first: order holds within a channel, and a channel Discord
     * refuses (a missing permission there) holds up only its own messages.
     */
    heads(): OutboxRow[] {
      return s.heads.all();
    },
    /** The first row about an item: the message later edits change. */
    original(ref: { kind: string; id: string }): OutboxRow | null {
      return s.original.get(ref.kind, ref.id) ?? null;
    },
    /** Did this project's outbox post that message? Buttons act only on messages it did. */
    owns(messageId: string): boolean {
      return (s.owns.get(messageId)?.n ?? 0) > 0;
    },
    /** Remember the posted message before anything else can fail (thread creation), so a retry reuses it. */
    noteMessage(id: number, messageId: string, channelId: string | null = null): void {
      s.messageId.run(messageId, channelId, id);
    },
    /** A POST is about to start (`at`), or got a definite "not stored" answer (null). */
    notePosting(id: number, at: number | null): void {
      s.posting.run(at, id);
    },
    markSent(id: number, messageId: string | null, channelId: string | null = null, now: Date = new Date()): void {
      s.sent.run(messageId, channelId, now.toISOString(), id);
    },
    /** Where the first message about an item landed. */
    post(ref: { kind: string; id: string }): { channel_id: string; message_id: string } | null {
      return s.postGet.get(ref.kind, ref.id) ?? null;
    },
    savePost(ref: { kind: string; id: string }, channelId: string, messageId: string): void {
      s.postPut.run(ref.kind, ref.id, channelId, messageId);
    },
    /** The newest message this outbox delivered in a channel: a lost POST's message can only be newer. */
    lastSentIn(channelId: string): string | null {
      return s.lastSentIn.get(channelId)?.message_id ?? null;
    },
    markFailed(id: number, error: string, retryAt: number): void {
      s.failed.run(retryAt, error.slice(0, 2000), id);
    },
    markDead(id: number, error: string): void {
      s.dead.run(error.slice(0, 2000), id);
    },
    /** Give every undeliverable row another chance (after the cause was fixed); returns how many. */
    requeueDead(): number {
      return s.requeue.run().changes;
    },
    counts(): { pending: number; sent: number; dead: number } {
      const out = { pending: 0, sent: 0, dead: 0 };
      for (const r of s.counts.all()) if (r.state in out) out[r.state as keyof typeof out] = r.n;
      return out;
    },
    lastError(): { error: string; attempts: number; key: string } | null {
      const r = s.lastError.get();
      return r ? { error: r.last_error, attempts: r.attempts, key: r.key } : null;
    },
    thread(ref: { kind: string; id: string }): ThreadRow | null {
      return s.threadGet.get(ref.kind, ref.id) ?? null;
    },
    saveThread(ref: { kind: string; id: string }, t: ThreadRow): void {
      s.threadPut.run(ref.kind, ref.id, t.channel_id, t.message_id, t.thread_id);
    },
  };
}
export type Outbox = ReturnType<typeof createOutbox>;

/**
 * The stored message, validated: a row that is not JSON, or not a message this version can send, must be
 * set aside with the reason rather than sit at the head of the queue failing forever.
 */
export function parseMessage(row: OutboxRow): { ok: true; message: OutboundMessage } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(row.payload);
  } catch (err) {
    return {
      ok: false,
      reason: `the stored message is not JSON (${err instanceof Error ? err.message : String(err)})`,
    };
  }
  const r = OutboundMessage.safeParse(json);
  if (r.success) return { ok: true, message: r.data };
  const issues = r.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`);
  return { ok: false, reason: `the stored message is not one Governor can send (${issues.join('; ')})` };
}
