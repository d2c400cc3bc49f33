import type { OpenedProject } from '../host.ts';
import type { OutboxRow } from './outbox.ts';

const SNOWFLAKE = /^\d{15,22}$/;

/**
 * Marks a row sent (`write`) and, when it is a concern's first message, records the message id in the
 * ledger in the same transaction: the seed's `discord_message_id` then comes from the event stream, so a
 * rebuild or an export carries it, and a crash can lose neither half. Returns true when an event was added.
 */
export function recordConcernMessage(
  p: Pick<OpenedProject, 'ledger' | 'read'>,
  row: OutboxRow,
  messageId: string,
  channelId: string,
  write: () => void,
): boolean {
  const concern =
    row.ref_kind === 'concern' && row.starts_thread === 1 && row.ref_id ? p.read.concern(row.ref_id) : null;
  if (!concern || concern.discord_message_id !== null || !SNOWFLAKE.test(messageId) || !SNOWFLAKE.test(channelId)) {
    p.ledger.db.transaction(write).immediate();
    return false;
  }
  p.ledger.transact((tx) => {
    write();
    tx.append({
      type: 'concern.discord_posted',
      actor: 'System',
      payload: { concern_id: concern.id, message_id: messageId, channel_id: channelId },
    });
  });
  return true;
}
