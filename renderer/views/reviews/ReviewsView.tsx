import { useCallback, useEffect, useRef, useState } from 'react';
import { REVIEW_PAGE_DEFAULT, REVIEW_PAGE_MAX, type ReviewCursor, type ReviewPage } from '../../../shared/contract.ts';
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
  next: ReviewCursor | null;
  totals: ReviewPage['totals'] | null;
  loaded: boolean;
  error: string | null;
}

/** `#/reviews/<id>` selects a review (a notification click lands there too). */
function selectedFromHash(): string | null {
  const [, id] = location.hash.replace(/^#\/?/, '').split('/');
  return id ? decodeURIComponent(id) : null;
}

/**
 * The reviews view: the inbox on the left, the selected review on the right; both follow the ledger.
 * Decided reviews come a page at a time ("Show more"): a long-lived project holds a thousand of them.
 */
export function ReviewsView({ conn, connected }: { conn: Connection; connected: boolean }) {
  const [list, setList] = useState<ListState>({ items: [], next: null, totals: null, loaded: false, error: null });
  const [showDecided, setShowDecided] = useState(false);
  const [selected, setSelected] = useState<string | null>(selectedFromHash);
  const selectedRef = useRef(selected);
  selectedRef.current = selected;
  // A review a link names that is not on the pages loaded (an old decided one), fetched on its own.
  const [fetched, setFetched] = useState<Review | null>(null);
  // Earlier reviews of the selected review's document, for its history.
  const [history, setHistory] = useState<Review[]>([]);
  const now = useNow();

  // A reload (a review event arrived) fetches again as many as are shown, so "Show more" is not undone.
  const shown = useRef(REVIEW_PAGE_DEFAULT);
  // Only the latest request's answer counts: an older reload landing after "Show more" would undo it.
  const latest = useRef(0);
  const refresh = useCallback(() => {
    const limit = Math.min(REVIEW_PAGE_MAX, Math.max(REVIEW_PAGE_DEFAULT, shown.current));
    const mine = ++latest.current;
    conn.call('reviews.list', { open: !showDecided, limit }).then(
      (page) => {
        if (mine !== latest.current) return;
        shown.current = page.items.length;
        setList((s) => {
          // The open review leaving the list (just decided, while only pending ones show) stays open: as it
          // was until its own fetch brings it as it is now, so the detail does not flash "not found".
          const gone = s.items.find((r) => r.id === selectedRef.current && !page.items.some((p) => p.id === r.id));
          if (gone) setFetched(gone);
          return { items: page.items, next: page.next, totals: page.totals, loaded: true, error: null };
        });
      },
      (err: unknown) => setList((s) => ({ ...s, error: errorText(err) })),
    );
  }, [conn, showDecided]);
  const more = () => {
    const after = list.next;
    if (!after) return;
    shown.current = list.items.length + REVIEW_PAGE_DEFAULT;
    const mine = ++latest.current;
    conn.call('reviews.list', { open: !showDecided, after }).then(
      (page) => {
        if (mine !== latest.current) return;
        setList((s) => {
          const have = new Set(s.items.map((r) => r.id));
          const items = [...s.items, ...page.items.filter((r) => !have.has(r.id))];
          shown.current = items.length;
          return { ...s, items, next: page.next, totals: page.totals };
        });
      },
      (err: unknown) => setList((s) => ({ ...s, error: errorText(err) })),
    );
  };

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

  // The review a link (the hash) asked for: a decided one turns on "Show decided", so the inbox shows it
  // selected too (an audit-timeline link usually points at a past decision). One no page holds is fetched.
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
  // The selected review when no page loaded holds it (an old decided one a link names, or the one just
  // decided while only pending ones are listed): fetched on its own, again whenever the list changes.
  const listed = list.items.find((r) => r.id === selected);
  useEffect(() => {
    if (selected === null || !list.loaded || listed) return;
    let live = true;
    conn.call('reviews.get', { id: selected }).then(
      (r) => live && setFetched(r),
      () => live && setFetched(null),
    );
    return () => {
      live = false;
    };
  }, [conn, selected, list, listed]);
  useEffect(() => {
    if (linked === null || !list.loaded) return;
    const r = list.items.find((x) => x.id === linked) ?? (fetched?.id === linked ? fetched : null);
    if (!r) return;
    if (r.status === 'decided') setShowDecided(true);
    setLinked(null);
  }, [linked, list, fetched]);

  const pending = list.items
    .filter((r) => r.status === 'pending')
    .sort((a, b) => a.requested_at.localeCompare(b.requested_at));
  const current =
    listed ?? (fetched?.id === selected ? fetched : undefined) ?? (selected === null ? pending[0] : undefined);
  const path = current?.subject.path ?? null;
  // Refetched with the list: a decision on an earlier review of the document shows in the history too.
  // biome-ignore lint/correctness/useExhaustiveDependencies: list.items stands for "the reviews changed"
  useEffect(() => {
    if (path === null) return;
    let live = true;
    conn.call('reviews.list', { path, limit: REVIEW_PAGE_MAX }).then(
      (page) => live && setHistory(page.items),
      () => live && setHistory([]),
    );
    return () => {
      live = false;
    };
  }, [conn, path, list.items]);
  const total = list.totals ? (showDecided ? list.totals.pending + list.totals.decided : list.totals.pending) : 0;
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
        more={list.next ? { left: total - list.items.length, onMore: more } : undefined}
      />
      {current ? (
        <ReviewDetail
          key={current.id}
          conn={conn}
          review={current}
          all={history.filter((r) => r.subject.path === current.subject.path)}
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
