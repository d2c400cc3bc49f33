import { useCallback, useEffect, useState } from 'react';
import type { Review } from '../../../shared/index.ts';
import { useNow } from '../../clock.ts';
import type { Connection } from '../../transport/index.ts';
import { Inbox } from './Inbox.tsx';
import { PermissionRequests } from '../permissions/PermissionRequests.tsx';
import { ReviewDetail } from './ReviewDetail.tsx';
import './reviews.css';
import { errorText } from '../../lib/error-text.ts';

interface ListState {
  items: Review[];
  loaded: boolean;
  error: string | null;
}

/** `#/reviews/<id>` selects a review (a notification click lands there too). */
function selectedFromHash(): string | null {
  const [, id] = location.hash.replace(/^#\/?/, '').split('/');
  return id ? decodeURIComponent(id) : null;
}

/** The reviews view: the inbox on the left, the selected review on the right; both follow the ledger. */
export function ReviewsView({ conn, connected }: { conn: Connection; connected: boolean }) {
  const [list, setList] = useState<ListState>({ items: [], loaded: false, error: null });
  const [showDecided, setShowDecided] = useState(false);
  const [selected, setSelected] = useState<string | null>(selectedFromHash);
  const now = useNow();

  const refresh = useCallback(() => {
    conn.call('reviews.list', {}).then(
      (items) => setList({ items, loaded: true, error: null }),
      (err: unknown) => setList((s) => ({ ...s, error: errorText(err) })),
    );
  }, [conn]);

  useEffect(() => {
    refresh();
    const off = conn.on('ledger.appended', ({ events }) => {
      if (events.some((e) => e.type.startsWith('review.') || e.type.startsWith('artifact.'))) refresh();
    });
    const offState = conn.onState((s) => s.status === 'connected' && refresh());
    return () => {
      off();
      offState();
    };
  }, [conn, refresh]);

  // The review a link (the hash) asked for, until the list has it: a decided one turns on "Show decided",
  // so the inbox shows it selected too (an audit-timeline link usually points at a past decision).
  const [linked, setLinked] = useState<string | null>(selectedFromHash);
  useEffect(() => {
    const onHash = () => {
      const id = selectedFromHash();
      setSelected(id);
      setLinked(id);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    if (linked === null || !list.loaded) return;
    if (list.items.some((r) => r.id === linked && r.status === 'decided')) setShowDecided(true);
    setLinked(null);
  }, [linked, list]);

  const pending = list.items.filter((r) => r.status === 'pending');
  const current = list.items.find((r) => r.id === selected) ?? (selected === null ? pending[0] : undefined);
  // The review opened by default stays open once decided (here or elsewhere), rather than the editor
  // vanishing or jumping to the next one under the reader's eyes.
  useEffect(() => {
    if (selected === null && current) setSelected(current.id);
  }, [selected, current]);

  return (
    <section className="view rv-view" aria-label="Reviews">
      <PermissionRequests conn={conn} />
      <Inbox
        reviews={list.items}
        loaded={list.loaded}
        error={list.error}
        showDecided={showDecided}
        onToggleDecided={setShowDecided}
        selected={current?.id ?? null}
        now={now}
      />
      {current ? (
        <ReviewDetail
          key={current.id}
          conn={conn}
          review={current}
          all={list.items}
          connected={connected}
          onChanged={refresh}
        />
      ) : (
        <div className="rv-detail empty">
          {list.loaded && selected !== null ? (
            <p className="empty-lead">
              Review <code>{selected}</code> was not found.
            </p>
          ) : (
            <p className="empty-lead">{list.loaded ? 'No review selected.' : 'Loading…'}</p>
          )}
          {list.loaded && (
            <p>
              Pick a review from the inbox. Pending ones wait on your decision; tick “Show decided” to read past
              decisions.
            </p>
          )}
        </div>
      )}
    </section>
  );
}
