import type { Review } from '../../../shared/index.ts';
import { KIND_LABEL, decisionLabel, formatStamp } from './format.ts';

/** Earlier reviews of the same document: what was decided, by whom, and what they said. */
export function History({ review, all }: { review: Review; all: Review[] }) {
  const earlier = all
    .filter((r) => r.id !== review.id && r.subject.path === review.subject.path)
    .sort((a, b) => b.requested_at.localeCompare(a.requested_at));
  return (
    <section className="rv-history" aria-labelledby="rv-history-title" data-testid="review-history">
      <h3 id="rv-history-title">History of {review.subject.path}</h3>
      {earlier.length === 0 ? (
        <p className="muted">No other reviews of this document.</p>
      ) : (
        <ol className="rv-history-list">
          {earlier.map((r) => (
            <li key={r.id}>
              <a href={`#/reviews/${encodeURIComponent(r.id)}`}>
                <code>{r.id}</code>
              </a>{' '}
              r{r.subject.revision} · {KIND_LABEL[r.kind]} ·{' '}
              {r.decision ? (
                <>
                  <strong>{decisionLabel(r.decision.decision)}</strong> by {r.decision.reviewed_by} at{' '}
                  {formatStamp(r.decision.timestamp)}
                  {r.decision.comment && <q className="rv-history-comment">{r.decision.comment}</q>}
                  {r.decision.inline.length > 0 && (
                    <ul>
                      {r.decision.inline.map((c, i) => (
                        // a decided review's comments are fixed; two may share a line.
                        // biome-ignore lint/suspicious/noArrayIndexKey: explained above
                        <li key={i}>
                          <span className="rv-line-no">L{c.line}</span> {c.text}
                        </li>
                      ))}
                    </ul>
                  )}
                </>
              ) : (
                <span className="muted">pending</span>
              )}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
