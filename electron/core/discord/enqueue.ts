import type { DiscordFile } from '../../../shared/config.ts';
import { discordNotificationFor } from '../notify/updates.ts';
import type { Ledger } from '../store/ledger.ts';
import type { Reader } from '../store/read.ts';
import { errorMessage } from '../errors.ts';
import { applyStatus, escalationRepost, statusFor, withDocument } from './follow.ts';
import { parseMessage, createOutbox } from './outbox.ts';
import { projectKeyOf, renderContext } from './project-key.ts';
import { renderNotification } from './render.ts';

/**
 * The outbox writer: every event that deserves a Discord message gets an outbox row in the same SQLite
 * transaction that appends it. A crash can lose neither (the event without its message) nor invent the
 * message of an event that rolled back. Registered by `openProject` when discord.yaml exists, so every
 * process that appends (the loop, the CLI, the host, the bot) enqueues. Events that change an announced
 * item's state also queue an edit of its first message (follow.ts), behind it in its channel.
 */
/** `name`: the project's name as agents.yaml gives it, shown in footers and offered in `project` options. */
export function registerOutboxWriter(ledger: Ledger, read: Reader, file: DiscordFile, name: string): () => void {
  const outbox = createOutbox(ledger.db);
  let key: string | null = null;
  return ledger.onTransaction((_tx, events) => {
    key ??= projectKeyOf(ledger.db, '');
    const ctx = renderContext(file, key, name);
    for (const ev of events) {
      try {
        const n = discordNotificationFor(ev, read);
        if (n) {
          const ref = n.ref && n.ref.kind !== 'git' ? n.ref : null;
          outbox.enqueue({
            key: ev.id,
            channel: n.channel,
            ref,
            message: renderNotification(withDocument(n, ev, read), ctx),
          });
        }
        const repost = escalationRepost(ev, read);
        if (repost)
          outbox.enqueue({
            key: `${ev.id}:needs-you`,
            channel: repost.channel,
            ref: null,
            message: renderNotification(repost, ctx),
          });
        const status = statusFor(ev, read);
        const original = status ? outbox.original(status.ref) : null;
        const parsed = original ? parseMessage(original) : null;
        if (status && original && parsed?.ok)
          outbox.enqueue({
            key: `${ev.id}:edit`,
            channel: original.channel,
            ref: status.ref,
            message: applyStatus(parsed.message, status),
          });
      } catch (err) {
        // A rendering bug must not roll back the fact it was describing; say so in #system-health instead.
        outbox.enqueue({
          key: ev.id,
          channel: 'system-health',
          ref: null,
          message: {
            content: `⚠️ Could not render ${ev.type} for Discord: ${errorMessage(err).slice(0, 1500)}`,
            embeds: [],
            components: [],
            files: [],
            thread_name: null,
          },
        });
      }
    }
  });
}
