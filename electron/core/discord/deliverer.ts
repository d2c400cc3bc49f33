import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { DiscordAPIError } from 'discord.js';
import { errorMessage } from '../errors.ts';
import { classifyFailure } from './failure.ts';
import { LEASE_RENEW_MS, type Lease } from './lease.ts';
import { type Outbox, type OutboxRow, parseMessage } from './outbox.ts';
import type { Posted, Sender } from './sender.ts';

export interface DelivererOptions {
  db: Database.Database;
  outbox: Outbox;
  sender: Sender;
  lease: Lease;
  /** Stable per project (its first event id): part of every nonce, so two projects in one channel never collide. */
  projectKey: string;
  /** Secrets out of error texts before they are stored or shown. */
  redact: (text: string) => string;
  backoff?: { initialMs: number; maxMs: number };
  /** A message Discord refuses as malformed (400, 413) is tried this many times, then set aside as dead. */
  maxClientErrors?: number;
  /**
   * Marks a row sent: `write` does the outbox's part, and must run inside the one transaction this opens.
   * The bridge uses it to record a concern's message id in the ledger atomically with the row.
   */
  recordSent?: (row: OutboxRow, messageId: string, channelId: string, write: () => void) => void;
  log?: (line: string) => void;
}

/** ≤ 25 characters, the same for every attempt at one outbox row: Discord's `enforce_nonce` turns a resend into the first message. */
export function nonceFor(projectKey: string, key: string): string {
  return createHash('sha256').update(`${projectKey}\u0000${key}`).digest('base64url').slice(0, 25);
}

/** Discord's "a thread has already been created for this message": after a crash between the two calls. */
const THREAD_EXISTS = 160004;

/**
 * The one delivery worker of a project. Strictly in order: the head row is retried (0.5 s doubling to 30 s,
 * forever unless Discord calls the message itself malformed; see failure.ts) and nothing behind it overtakes
 * it. A message that opens a concern's or review's thread creates the thread, and the thread is stored in the
 * same transaction that marks the row sent. Woken by `poke()` (appends in this process, changes to the
 * database file from others) and by timers.
 */
export function createDeliverer(o: DelivererOptions) {
  const backoff = o.backoff ?? { initialMs: 500, maxMs: 30_000 };
  const maxClient = o.maxClientErrors ?? 5;
  let stopped = false;
  let held = false;
  let wake: (() => void) | null = null;
  let failures = 0;
  const recordSent = o.recordSent ?? ((_row: OutboxRow, _id: string, _channel: string, write: () => void) => o.db.transaction(write).immediate());
  const markSent = (row: OutboxRow, posted: Posted, thread: { channel_id: string; thread_id: string } | null) =>
    recordSent(row, posted.id, posted.channel_id, () => {
      if (thread && row.ref_kind && row.ref_id) o.outbox.saveThread({ kind: row.ref_kind, id: row.ref_id }, { channel_id: thread.channel_id, message_id: posted.id, thread_id: thread.thread_id });
      o.outbox.markSent(row.id, posted.id);
    });

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t);
        wake = null;
        resolve();
      };
      const t = setTimeout(done, ms);
      wake = done;
    });

  const renew = () => {
    try {
      const was = held;
      held = o.lease.acquire(o.sender.mode);
      if (held && !was) o.log?.('discord: delivering this project\'s outbox');
      if (held !== was) wake?.();
    } catch (err) {
      o.log?.(`discord: lease: ${errorMessage(err)}`);
    }
  };

  async function deliver(row: OutboxRow): Promise<void> {
    const parsed = parseMessage(row);
    if (!parsed.ok) {
      // Nothing a retry could fix, and it must not hold up the messages behind it.
      o.outbox.markDead(row.id, parsed.reason);
      o.log?.(`discord: set aside ${row.key}: ${parsed.reason} (see \`governor discord status\`)`);
      return;
    }
    const m = parsed.message;
    const ref = row.ref_kind && row.ref_id ? { kind: row.ref_kind, id: row.ref_id } : null;
    const existing = ref ? o.outbox.thread(ref) : null;
    // A command's answer goes where the command was typed, as a reply to the bot's answer there.
    const where = { threadId: existing?.thread_id ?? null, replyTo: ref?.kind === 'command' ? (existing?.message_id ?? null) : null };
    const nonce = nonceFor(o.projectKey, row.key);
    let posted: Posted;
    try {
      posted = await o.sender.post(row.channel, where, m, nonce);
    } catch (err) {
      // A thread deleted or locked since, or a channel the bot may not post in (a command typed where the
      // bot can only answer interactions): the message goes to its channel rather than block the queue.
      const f = classifyFailure(err);
      if (!where.threadId || f.kind === 'transient' || f.status === 401) throw err;
      o.log?.(`discord: ${row.key}: cannot post in ${where.threadId} (${o.redact(f.text).slice(0, 300)}); posting in #${row.channel} instead`);
      posted = await o.sender.post(row.channel, { threadId: null, replyTo: null }, m, nonce);
    }
    let thread: { channel_id: string; thread_id: string } | null = null;
    if (row.starts_thread && ref && !existing && m.thread_name) {
      try {
        const id = await o.sender.startThread(posted.channel_id, posted.id, m.thread_name);
        if (id) thread = { channel_id: posted.channel_id, thread_id: id };
      } catch (err) {
        // Discord gives a thread started from a message that message's id.
        if (err instanceof DiscordAPIError && err.code === THREAD_EXISTS) thread = { channel_id: posted.channel_id, thread_id: posted.id };
        else throw err;
      }
    }
    markSent(row, posted, thread);
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      if (!held) {
        await sleep(LEASE_RENEW_MS);
        continue;
      }
      const row = o.outbox.head();
      if (!row) {
        await sleep(2_000);
        continue;
      }
      const wait = row.next_attempt_at - Date.now();
      if (wait > 0) {
        await sleep(wait);
        continue;
      }
      try {
        await deliver(row);
        if (failures > 0) o.log?.(`discord: delivering again after ${failures} failed attempt(s)`);
        failures = 0;
        o.lease.noteError(null);
      } catch (err) {
        failures += 1;
        const f = classifyFailure(err);
        const text = o.redact(f.text).slice(0, 500);
        if (f.kind === 'malformed' && row.attempts + 1 >= maxClient) {
          o.outbox.markDead(row.id, text);
          o.log?.(`discord: gave up on ${row.key} after ${row.attempts + 1} attempts: ${text} (see \`governor discord status\`; \`governor discord retry\` queues it again)`);
        } else {
          const delay = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(row.attempts, 20));
          o.outbox.markFailed(row.id, text, Date.now() + delay);
          if (failures === 1 || failures % 10 === 0) o.log?.(`discord: send failed (${text}); retrying in ${Math.round(delay / 100) / 10}s, in order`);
        }
        o.lease.noteError(text);
      }
    }
  }

  let running: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  return {
    start(): void {
      if (running) return;
      stopped = false;
      renew();
      timer = setInterval(renew, LEASE_RENEW_MS);
      timer.unref();
      running = loop();
    },
    /** Something may have been enqueued: look now rather than at the next timer. */
    poke(): void {
      wake?.();
    },
    get holding(): boolean {
      return held;
    },
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearInterval(timer);
      wake?.();
      await running;
      running = null;
      if (held) o.lease.release();
      held = false;
    },
  };
}
