import type { Review } from '../../../shared/domain/review.ts';
import { formatAge } from '../../clock.ts';
import { KIND_LABEL } from '../../labels.ts';

interface Props {
  reviews: Review[];
  loaded: boolean;
  error: string | null;
  now: number;
}

/** What waits on the human, oldest first: the one card that says "your move". */
export function ReviewsCard({ reviews, loaded, error, now }: Props) {
  return (
    <section className="card card-wide" aria-labelledby="reviews-title">
      <h2 id="reviews-title">Pending reviews {loaded && <span className="count">{reviews.length}</span>}</h2>
      {error && <p className="card-error">Could not load reviews: {error}</p>}
      {!loaded ? (
        <p className="muted">Loading…</p>
      ) : reviews.length === 0 ? (
        <div className="empty" data-testid="pending-reviews-empty">
          <p>Nothing is waiting on you.</p>
          <p>
            Run <code>governor run</code> or press <strong>Run</strong> to move the project on; the agents will ask when
            they need a decision.
          </p>
        </div>
      ) : (
        <ul className="rows" data-testid="pending-reviews">
          {reviews.map((r) => (
            <li key={r.id} className="row" data-testid="review-item" data-review-id={r.id}>
              <span className="mono">{r.id}</span>
              <span className="row-main">
                <span className="row-title">{r.title}</span>
                <span className="row-sub">
                  {r.subject.path} r{r.subject.revision} · from {r.requested_by} · decide with{' '}
                  <code>governor decide {r.id} approve</code>
                </span>
              </span>
              <span className={`badge impact-${r.impact}`}>{KIND_LABEL[r.kind]}</span>
              <time dateTime={r.requested_at} title={r.requested_at} className="age">
                {formatAge(r.requested_at, now)}
              </time>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
