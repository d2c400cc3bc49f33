import type { DiscordFile } from '../../../shared/config.ts';
import { type Notification, discordNotificationFor } from '../notify/notifications.ts';
import type { Ledger } from '../store/ledger.ts';
import type { Reader } from '../store/read.ts';
import { errorMessage } from '../errors.ts';
import type { OutboundMessage } from './message.ts';
import { createOutbox } from './outbox.ts';
import { renderNotification } from './render.ts';

/**
 * The outbox writer: every event that deserves a Discord message gets an outbox row in the same SQLite
 * transaction that appends it. A crash can lose neither (the event without its message) nor invent the
 * message of an event that rolled back. Registered by `openProject` when discord.yaml exists, so every
 * process that appends (the loop, the CLI, the host, the bot) enqueues.
 */
export function registerOutboxWriter(ledger: Ledger, read: Reader, _file: DiscordFile): () => void {
  const outbox = createOutbox(ledger.db);
  return ledger.onTransaction((_tx, events) => {
    for (const ev of events) {
      let message: OutboundMessage;
      let n: Notification | null;
      try {
        n = discordNotificationFor(ev, read);
        if (!n) continue;
        message = renderNotification(n);
      } catch (err) {
        // A rendering bug must not roll back the fact it was describing; say so in #system-health instead.
        outbox.enqueue({ key: ev.id, channel: 'system-health', ref: null, message: { content: `⚠️ Could not render ${ev.type} (${ev.id}) for Discord: ${errorMessage(err).slice(0, 1500)}`, embeds: [], components: [], files: [], thread_name: null } });
        continue;
      }
      const ref = n.ref && n.ref.kind !== 'git' ? n.ref : null;
      outbox.enqueue({ key: ev.id, channel: n.channel, ref, message });
    }
  });
}
