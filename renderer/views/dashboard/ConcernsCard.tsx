import type { Severity } from '../../../shared/domain/common.ts';
import type { Concern } from '../../../shared/domain/concern.ts';
import { formatAge, formatAgo } from '../../clock.ts';

const SEVERITIES: readonly Severity[] = ['critical', 'warning', 'info'];
const SHOWN = 5;

interface Props {
  concerns: Concern[];
  loaded: boolean;
  error: string | null;
  lastCriticalAt: string | null;
  now: number;
}

/** Open concerns by severity, the newest few in words, and how long since anything was critical. */
export function ConcernsCard({ concerns, loaded, error, lastCriticalAt, now }: Props) {
  const bySeverity = Object.fromEntries(
    SEVERITIES.map((s) => [s, concerns.filter((c) => c.severity === s).length]),
  ) as Record<Severity, number>;
  const newest = [...concerns].sort((a, b) => b.timestamp.localeCompare(a.timestamp)).slice(0, SHOWN);
  return (
    <section className="card" aria-labelledby="concerns-title" data-testid="concerns-card">
      <h2 id="concerns-title">Open concerns {loaded && <span className="count">{concerns.length}</span>}</h2>
      <div className="severity-row">
        {SEVERITIES.map((s) => (
          <span key={s} className={`chip sev-${s}`} data-testid={`concerns-${s}`} data-count={bySeverity[s]}>
            {bySeverity[s]} {s}
          </span>
        ))}
      </div>
      <p className="muted" data-testid="last-critical">
        {lastCriticalAt ? (
          <>
            Last critical:{' '}
            <time dateTime={lastCriticalAt} title={lastCriticalAt}>
              {formatAgo(lastCriticalAt, now)}
            </time>
          </>
        ) : (
          'No critical concern so far.'
        )}
      </p>
      {error && <p className="card-error">Could not load concerns: {error}</p>}
      {loaded && concerns.length === 0 ? (
        <div className="empty">
          <p>No open concerns. Agents raise one when something blocks them; a critical one comes straight to you.</p>
        </div>
      ) : (
        <ul className="rows">
          {newest.map((c) => (
            <li key={c.id} className="row" data-testid="concern-item" data-concern-id={c.id}>
              <span className={`dot sev-${c.severity}`} role="img" aria-label={c.severity} />
              <span className="row-main">
                <span className="row-title" title={c.details || undefined}>
                  {c.summary}
                </span>
                <span className="row-sub">
                  {c.id} · {c.from} → {c.assigned_to ?? c.to} · {c.status}
                </span>
              </span>
              <time dateTime={c.timestamp} title={c.timestamp} className="age">
                {formatAge(c.timestamp, now)}
              </time>
            </li>
          ))}
          {concerns.length > SHOWN && <li className="row muted">and {concerns.length - SHOWN} more</li>}
        </ul>
      )}
    </section>
  );
}
