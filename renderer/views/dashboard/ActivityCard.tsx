import { formatAgo } from '../../clock.ts';
import { useActivityStore } from '../../stores/activity.ts';

/** What the loop just did, step by step, as the engine pushes it: a long run shows its progress here. */
export function ActivityCard({ running, now }: { running: boolean; now: number }) {
  const lines = useActivityStore((s) => s.lines);
  return (
    <section className="card card-wide" aria-labelledby="activity-title" data-testid="activity-card">
      <h2 id="activity-title">
        Activity
        {running && (
          <span className="count" aria-live="polite">
            running…
          </span>
        )}
      </h2>
      {lines.length === 0 ? (
        <p className="muted">
          Nothing yet in this session. Press Run (or use `governor run`): each handoff, stage change and escalation
          shows here as it happens; the Audit view has the full history.
        </p>
      ) : (
        <ol className="activity" aria-live="polite">
          {[...lines].reverse().map((l) => (
            <li key={l.n} className={`activity-line activity-${l.kind}`} data-testid="activity-line">
              <span className="activity-kind">{l.kind}</span>
              {l.agent && <span className="activity-agent">{l.agent}</span>}
              <span className="activity-text">{l.text}</span>
              <span className="muted activity-at" title={l.at}>
                {formatAgo(l.at, now)}
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
