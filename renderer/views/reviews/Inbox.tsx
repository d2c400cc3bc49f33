import type { Review } from '../../../shared/index.ts';
import { formatAge } from '../../clock.ts';
import { KIND_LABEL, decisionLabel, formatStamp } from './format.ts';

interface Props {
  reviews: Review[];
  loaded: boolean;
  error: string | null;
  showDecided: boolean;
  onToggleDecided(v: boolean): void;
  selected: string | null;
  now: number;
  /** Decided reviews not loaded yet: how many, and how to load the next page (absent on the last page). */
  more?: { left: number; onMore(): void } | undefined;
}

/** Everything waiting on the human, oldest first; decided ones on request, with who decided, how and when. */
export function Inbox({ reviews, loaded, error, showDecided, onToggleDecided, selected, now, more }: Props) {
  const pending = reviews
    .filter((r) => r.status === 'pending')
    .sort((a, b) => a.requested_at.localeCompare(b.requested_at));
  const decided = reviews
    .filter((r) => r.status === 'decided')
    .sort((a, b) => (b.decision?.timestamp ?? '').localeCompare(a.decision?.timestamp ?? ''));
  const shown = showDecided ? [...pending, ...decided] : pending;
  return (
    <aside className="rv-inbox" aria-labelledby="rv-inbox-title">
      <div className="rv-inbox-head">
        <h2 id="rv-inbox-title">Inbox {loaded && <span className="count">{pending.length}</span>}</h2>
        <label className="rv-toggle">
          <input
            type="checkbox"
            checked={showDecided}
            onChange={(e) => onToggleDecided(e.target.checked)}
            data-testid="toggle-decided"
          />{' '}
          Show decided
        </label>
      </div>
      {error && (
        <p className="card-error" role="alert">
          Could not load reviews: {error}
        </p>
      )}
      {!loaded ? (
        <p className="muted">Loading…</p>
      ) : shown.length === 0 ? (
        <div className="empty" data-testid="reviews-empty">
          <p className="empty-lead">Nothing is waiting on you.</p>
          <p>
            Reviews appear here when an agent asks for a decision. Start or resume the loop from the{' '}
            <a href="#/dashboard">Dashboard</a>
            {showDecided ? '.' : ', or tick “Show decided” to look back at earlier decisions.'}
          </p>
        </div>
      ) : (
        <ul className="rv-list">
          {shown.map((r) => (
            <li key={r.id}>
              <a
                href={`#/reviews/${encodeURIComponent(r.id)}`}
                className={`rv-item${r.id === selected ? ' rv-item-selected' : ''}${r.status === 'decided' ? ' rv-item-decided' : ''}`}
                aria-current={r.id === selected ? 'true' : undefined}
                data-testid="review-item"
                data-review-id={r.id}
                data-kind={r.kind}
                data-status={r.status}
              >
                <span className="rv-item-title">{r.title}</span>
                <span className="rv-item-meta">
                  <code>{r.id}</code> · {KIND_LABEL[r.kind]} ·{' '}
                  <span className={`rv-impact rv-impact-${r.impact}`}>{r.impact} impact</span>
                </span>
                <span className="rv-item-meta">
                  from {r.requested_by} ·{' '}
                  <span title={formatStamp(r.requested_at)}>
                    {formatAge(r.requested_at, now) === 'just now'
                      ? 'asked just now'
                      : `waiting ${formatAge(r.requested_at, now)}`}
                  </span>
                </span>
                {r.decision && (
                  <span className="rv-item-meta">
                    {decisionLabel(r.decision.decision)} by {r.decision.reviewed_by} via {r.decision.source} ·{' '}
                    {formatStamp(r.decision.timestamp)}
                  </span>
                )}
              </a>
            </li>
          ))}
        </ul>
      )}
      {loaded && more && (
        <button type="button" className="rv-more" data-testid="reviews-more" onClick={more.onMore}>
          Show more{more.left > 0 ? ` (${more.left.toLocaleString('en')} not shown)` : ''}
        </button>
      )}
    </aside>
  );
}
