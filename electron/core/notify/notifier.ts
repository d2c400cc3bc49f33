import type { Ledger } from '../store/ledger.ts';
import type { Reader } from '../store/read.ts';
import { notificationFor } from './alerts.ts';
import type { Notification } from './notifications.ts';

export type NotificationSink = (n: Notification) => void;

/**
 * Hands every notable ledger fact to the sinks (CLI output now; desktop notifications and the Discord
 * outbox later). Driven by appends, so nothing is missed whichever code path wrote the event.
 */
export function createNotifier(ledger: Ledger, read: Reader, sinks: NotificationSink[]): () => void {
  return ledger.onAppend((events) => {
    for (const ev of events) {
      const n = notificationFor(ev, read);
      if (n) for (const sink of sinks) sink(n);
    }
  });
}
