import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { DiscordAPIError } from 'discord.js';
import { errorMessage } from '../errors.ts';
import { classifyFailure } from './failure.ts';
import { LEASE_RENEW_MS, type Lease } from './lease.ts';
import { type Outbox, type OutboxRow, parseMessage } from './outbox.ts';
import type { OutboundMessage } from './message.ts';
import type { Posted, Sender, Where } from './sender.ts';

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

/**
 * ≤ 25 characters, the same for every attempt at one outbox row: Discord's `enforce_nonce` turns a resend into
 * the first message.
 */
export function nonceFor(projectKey: string, key: string): string {
  return createHash('sha256').update(`${projectKey}\u0000${key}`).digest('base64url').slice(0, 25);
}

/** Discord's "a thread has already been created for this message": after a crash between the two calls. */
const THREAD_EXISTS = 160004;
/** Discord's "Unknown Message": the message an edit was for is gone. */
const UNKNOWN_MESSAGE = 10008;
/** A thread that fails for a passing reason this many times is given up: the alert is out; the thread is a nicety. */
const THREAD_TRIES = 3;
/** How often an idle deliverer looks at the outbox besides being poked. */
const IDLE_LOOK_MS = 250;
/** Quiet while Discord is down: the first failure is logged, then one line a minute. */
const LOG_EVERY_MS = 60_000;

const DISCORD_EPOCH = 1_420_070_400_000n;
/** The smallest snowflake Discord could give a message created at `ms` (to list the messages after it). */
const snowflakeAt = (ms: number) => ((BigInt(Math.max(0, Math.floor(ms))) - DISCORD_EPOCH) << 22n).toString();

/** What identifies a message's text when Discord does not return its nonce (message history never does). */
function fingerprint(content: string, embeds: unknown[]): string {
  const e = (embeds[0] ?? {}) as { title?: string; description?: string; footer?: { text?: string } };
  return JSON.stringify([content, e.title ?? '', e.description ?? '', e.footer?.text ?? '']);
}

/**
 * The one delivery worker of a project. In order within each channel: a channel's head row is retried
 * (0.5 s doubling to 30 s, forever unless Discord calls the message itself malformed; see failure.ts) and
 * nothing behind it in that channel overtakes it, while the other channels go on. Exactly once:
 * - the posted message is recorded the moment Discord answers, so a failure after it (the thread) never
 *   posts it again;
 * - a POST that got no answer (a 5xx, a timeout, a crash) is recorded as started, and its retry first looks
 *   in the channel for the message it may have left, so even without Discord's nonce check nothing doubles;
 * - a thread Discord refuses (a missing permission) is reported once, in #system-health, with the fix, and
 *   the alert goes out without it.
 * Rows that edit an earlier message (follow.ts) PATCH it. Woken by `poke()` (appends in this process,
 * changes to the database file from others) and by timers.
 */
export function createDeliverer(o: DelivererOptions) {
  const backoff = o.backoff ?? { initialMs: 500, maxMs: 30_000 };
  const maxClient = o.maxClientErrors ?? 5;
  let stopped = false;
  let held = false;
  let wake: (() => void) | null = null;
  let failures = 0;
  let lastLog = 0;
  const recordSent =
    o.recordSent ??
    ((_row: OutboxRow, _id: string, _channel: string, write: () => void) => o.db.transaction(write).immediate());
  const markSent = (
    row: OutboxRow,
    posted: Posted,
    thread: { channel_id: string; thread_id: string } | null,
    original: boolean,
  ) =>
    recordSent(row, posted.id, posted.channel_id, () => {
      const ref = row.ref_kind && row.ref_id ? { kind: row.ref_kind, id: row.ref_id } : null;
      if (thread && ref)
        o.outbox.saveThread(ref, { channel_id: thread.channel_id, message_id: posted.id, thread_id: thread.thread_id });
      if (original && ref) o.outbox.savePost(ref, posted.channel_id, posted.id);
      o.outbox.markSent(row.id, posted.id, posted.channel_id);
    });

  // A poke while the loop is busy (not sleeping) must not be lost: the next sleep returns at once.
  let poked = false;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (poked) {
        poked = false;
        resolve();
        return;
      }
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
      if (held && !was) o.log?.("discord: delivering this project's outbox");
      if (held !== was) wake?.();
    } catch (err) {
      o.log?.(`discord: lease: ${errorMessage(err)}`);
    }
  };

  /** A problem the human must fix outside Governor, said once in #system-health (the key makes it once). */
  function reportOnce(key: string, text: string): void {
    const added = o.outbox.enqueue({
      key: `problem:${key}`,
      channel: 'system-health',
      ref: null,
      message: {
        content: '',
        embeds: [{ title: '🔧 Discord needs a fix', description: text.slice(0, 4000), color: 0xf0b232 }],
        components: [],
        files: [],
        thread_name: null,
      },
    });
    if (added) o.log?.(`discord: ${text}`);
  }

  /** The message an unanswered POST of this row left in the channel, if it did. */
  async function recover(row: OutboxRow, m: OutboundMessage, where: Where, nonce: string): Promise<Posted | null> {
    const since = snowflakeAt((row.posting_at ?? Date.now()) - 10_000);
    let mine: Awaited<ReturnType<typeof o.sender.recent>>;
    try {
      mine = await o.sender.recent(row.channel, where, since);
    } catch (err) {
      // Cannot look (no Read Message History there): the nonce still guards a resend.
      o.log?.(
        `discord: ${row.key}: cannot look for an unanswered post ` +
          `(${o.redact(errorMessage(err)).slice(0, 200)}); resending with its nonce`,
      );
      return null;
    }
    const want = fingerprint(m.content, m.embeds);
    const hit = mine?.find(
      (x) =>
        (x.nonce === null || x.nonce === nonce) && !o.outbox.owns(x.id) && fingerprint(x.content, x.embeds) === want,
    );
    if (hit)
      o.log?.(`discord: ${row.key}: found the message an unanswered post left (${hit.id}); not posting it again`);
    return hit ? { id: hit.id, channel_id: hit.channel_id } : null;
  }

  async function deliverEdit(row: OutboxRow, m: OutboundMessage, edit: { kind: string; id: string }): Promise<void> {
    const target = o.outbox.post(edit);
    if (!target) {
      // The original was never delivered (set aside, or before the link existed): nothing to edit.
      o.outbox.markSent(row.id, null, null);
      return;
    }
    try {
      await o.sender.edit(target.channel_id, target.message_id, m);
    } catch (err) {
      if (!(err instanceof DiscordAPIError && err.code === UNKNOWN_MESSAGE)) throw err;
      o.log?.(`discord: ${row.key}: the message to edit was deleted; skipping the edit`);
    }
    o.db.transaction(() => o.outbox.markSent(row.id, target.message_id, target.channel_id)).immediate();
  }

  async function deliver(row: OutboxRow): Promise<void> {
    const parsed = parseMessage(row);
    if (!parsed.ok) {
      // Nothing a retry could fix, and it must not hold up the messages behind it.
      o.outbox.markDead(row.id, parsed.reason);
      o.log?.(`discord: set aside ${row.key}: ${parsed.reason} (see \`governor discord status\`)`);
      return;
    }
    const m = parsed.message;
    if (m.edit) return deliverEdit(row, m, m.edit);
    const ref = row.ref_kind && row.ref_id ? { kind: row.ref_kind, id: row.ref_id } : null;
    const existing = ref ? o.outbox.thread(ref) : null;
    // A command's answer goes where the command was typed, as a reply to the bot's answer there.
    let where: Where = {
      threadId: existing?.thread_id ?? null,
      replyTo: ref?.kind === 'command' ? (existing?.message_id ?? null) : null,
    };
    const nonce = nonceFor(o.projectKey, row.key);
    let posted: Posted | null =
      row.message_id && row.channel_id ? { id: row.message_id, channel_id: row.channel_id } : null;
    if (!posted && row.posting_at !== null && o.sender.mode === 'bot') posted = await recover(row, m, where, nonce);
    if (posted && !row.message_id) o.outbox.noteMessage(row.id, posted.id, posted.channel_id);
    if (!posted) {
      o.outbox.notePosting(row.id, Date.now());
      try {
        posted = await o.sender.post(row.channel, where, m, nonce);
      } catch (err) {
        const f = classifyFailure(err);
        // A definite refusal stored nothing: no need to look for it before the next try.
        if (f.status !== null && f.status < 500 && f.status !== 429 && f.status !== 408)
          o.outbox.notePosting(row.id, null);
        // A thread deleted or locked since, or a channel the bot may not post in (a command typed where the
        // bot can only answer interactions): the message goes to its channel rather than block the queue.
        if (!where.threadId || f.kind === 'transient' || f.status === 401) throw err;
        o.log?.(
          `discord: ${row.key}: cannot post in ${where.threadId} (${o.redact(f.text).slice(0, 300)}); ` +
            `posting in #${row.channel} instead`,
        );
        where = { threadId: null, replyTo: null };
        o.outbox.notePosting(row.id, Date.now());
        posted = await o.sender.post(row.channel, where, m, nonce);
      }
      // Before anything else can fail: a retry from here on never posts this message again.
      o.outbox.noteMessage(row.id, posted.id, posted.channel_id);
    }
    let thread: { channel_id: string; thread_id: string } | null = null;
    if (row.starts_thread && ref && !existing && m.thread_name) {
      try {
        const id = await o.sender.startThread(posted.channel_id, posted.id, m.thread_name);
        if (id) thread = { channel_id: posted.channel_id, thread_id: id };
      } catch (err) {
        const f = classifyFailure(err);
        // Discord gives a thread started from a message that message's id.
        if (err instanceof DiscordAPIError && err.code === THREAD_EXISTS)
          thread = { channel_id: posted.channel_id, thread_id: posted.id };
        else if (f.status === 403 || f.kind === 'malformed') {
          reportOnce(
            `threads:${posted.channel_id}`,
            `Governor cannot start threads in <#${posted.channel_id}> (#${row.channel}): ` +
              `${o.redact(f.text).slice(0, 300)}. ` +
              'Give the bot *Create Public Threads* and *Send Messages in Threads* there ' +
              "(Server Settings → Roles, or the channel's permissions). " +
              'Alerts go out without threads meanwhile; their updates follow in the channel.',
          );
        } else if (row.attempts + 1 >= THREAD_TRIES) {
          o.log?.(
            `discord: ${row.key}: no thread after ${row.attempts + 1} tries ` +
              `(${o.redact(f.text).slice(0, 200)}); the alert stays without one`,
          );
        } else throw err;
      }
    }
    const original =
      ref !== null &&
      (ref.kind === 'review' || ref.kind === 'concern' || ref.kind === 'permission' || ref.kind === 'phase') &&
      o.outbox.original(ref)?.id === row.id;
    markSent(row, posted, thread, original);
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      if (!held) {
        await sleep(LEASE_RENEW_MS);
        continue;
      }
      const heads = o.outbox.heads();
      if (heads.length === 0) {
        // Another process's commit is announced by fs.watch, which can fire before the commit is visible
        // (or not at all on some file systems): a look every 250 ms (one indexed query) bounds the wait.
        await sleep(IDLE_LOOK_MS);
        continue;
      }
      const now = Date.now();
      const row = heads.find((h) => h.next_attempt_at <= now);
      if (!row) {
        await sleep(Math.max(10, Math.min(...heads.map((h) => h.next_attempt_at)) - now));
        continue;
      }
      try {
        await deliver(row);
        if (failures > 0) o.log?.(`discord: delivering again after ${failures} failed attempt(s)`);
        failures = 0;
        lastLog = 0;
        o.lease.noteError(null);
      } catch (err) {
        failures += 1;
        const f = classifyFailure(err);
        const text = o.redact(f.text).slice(0, 500);
        if (f.kind === 'malformed' && row.attempts + 1 >= maxClient) {
          o.outbox.markDead(row.id, text);
          o.log?.(
            `discord: gave up on ${row.key} after ${row.attempts + 1} attempts: ${text} ` +
              '(see `governor discord status`; `governor discord retry` queues it again)',
          );
        } else {
          const delay = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(row.attempts, 20));
          o.outbox.markFailed(row.id, text, Date.now() + delay);
          if (Date.now() - lastLog >= LOG_EVERY_MS) {
            lastLog = Date.now();
            o.log?.(
              failures === 1
                ? `discord: send failed (${text}); retrying with backoff, in order`
                : `discord: still failing after ${failures} attempts (${text}); retrying with backoff`,
            );
          }
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
      if (wake) wake();
      else poked = true;
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
