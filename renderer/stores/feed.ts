import type { Connection } from '../transport/index.ts';
import { clearActivity, receiveProgress } from './activity.ts';
import { refreshConcerns } from './concerns.ts';
import { useConnectionStore } from './connection.ts';
import { refreshReviews } from './reviews.ts';
import { projectSwitched, receiveStatus } from './status.ts';

/**
 * Feeds every store from the engine's pushed events; nothing here polls. Lists are refetched when a
 * ledger event of their kind arrives, and once per (re)connect, since events sent while the link was
 * down are not replayed.
 */
export function connectStores(conn: Connection): () => void {
  const resync = () => {
    conn.call('project.status', {}).then(receiveStatus, () => {
      // The host pushes a fresh status on every connect anyway; a failed read here changes nothing.
    });
    void refreshReviews(conn);
    void refreshConcerns(conn);
  };
  const offs = [
    conn.onState((state) => {
      useConnectionStore.setState({ state });
      if (state.status === 'connected') resync();
    }),
    conn.on('status.changed', receiveStatus),
    conn.on('progress', receiveProgress),
    // The host now serves another project: drop the old one's status and lists, then read the new one's.
    conn.on('project.switched', () => {
      projectSwitched();
      clearActivity();
      void refreshReviews(conn);
      void refreshConcerns(conn);
    }),
    conn.on('ledger.appended', ({ events }) => {
      if (events.some((e) => e.type.startsWith('review.'))) void refreshReviews(conn);
      if (events.some((e) => e.type.startsWith('concern.'))) void refreshConcerns(conn);
    }),
  ];
  useConnectionStore.setState({ state: conn.state(), kind: conn.kind });
  if (conn.state().status === 'connected') resync();
  return () => {
    for (const off of offs) off();
  };
}
