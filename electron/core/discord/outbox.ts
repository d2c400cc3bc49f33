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
    insert: db.prepare('INSERT OR IGNORE INTO discord_outbox (key, channel, ref_kind, ref_id, starts_thread, payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    head: db.prepare<[], OutboxRow>("SELECT * FROM discord_outbox WHERE state = 'pending' ORDER BY id LIMIT 1"),
    byKey: db.prepare<[string], OutboxRow>('SELECT * FROM discord_outbox WHERE key = ?'),
    sent: db.prepare("UPDATE discord_outbox SET state = 'sent', message_id = ?, sent_at = ?, last_error = NULL WHERE id = ? AND state = 'pending'"),
    messageId: db.prepare('UPDATE discord_outbox SET message_id = ? WHERE id = ?'),
    failed: db.prepare('UPDATE discord_outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?'),
    dead: db.prepare("UPDATE discord_outbox SET state = 'dead', attempts = attempts + 1, last_error = ? WHERE id = ?"),
    counts: db.prepare<[], { state: string; n: number }>('SELECT state, COUNT(*) AS n FROM discord_outbox GROUP BY state'),
    lastError: db.prepare<[], { last_error: string; attempts: number; key: string }>("SELECT last_error, attempts, key FROM discord_outbox WHERE state != 'sent' AND last_error IS NOT NULL ORDER BY id LIMIT 1"),
    requeue: db.prepare("UPDATE discord_outbox SET state = 'pending', attempts = 0, next_attempt_at = 0, last_error = NULL WHERE state = 'dead'"),
    threadGet: db.prepare<[string, string], ThreadRow>('SELECT channel_id, message_id, thread_id FROM discord_threads WHERE ref_kind = ? AND ref_id = ?'),
    threadPut: db.prepare('INSERT OR REPLACE INTO discord_threads (ref_kind, ref_id, channel_id, message_id, thread_id) VALUES (?, ?, ?, ?, ?)'),
  };
  return {
    /** True when a row was added (false: that key was already queued). */
    enqueue(row: NewOutboxRow, now: Date = new Date()): boolean {
      const starts = row.message.thread_name !== null ? 1 : 0;
      return s.insert.run(row.key, row.channel, row.ref?.kind ?? null, row.ref?.id ?? null, starts, JSON.stringify(row.message), now.toISOString()).changes > 0;
    },
    /** The oldest undelivered row: delivery is strictly in order, so a failing head waits, and so does everything behind it. */
    head(): OutboxRow | null {
      return s.head.get() ?? null;
    },
    byKey(key: string): OutboxRow | null {
      return s.byKey.get(key) ?? null;
    },
    /** Remember the posted message before anything else can fail (thread creation), so a retry reuses it. */
    noteMessage(id: number, messageId: string): void {
      s.messageId.run(messageId, id);
    },
    markSent(id: number, messageId: string, now: Date = new Date()): void {
      s.sent.run(messageId, now.toISOString(), id);
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
    return { ok: false, reason: `the stored message is not JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  const r = OutboundMessage.safeParse(json);
  if (r.success) return { ok: true, message: r.data };
  const issues = r.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`);
  return { ok: false, reason: `the stored message is not one Governor can send (${issues.join('; ')})` };
}
