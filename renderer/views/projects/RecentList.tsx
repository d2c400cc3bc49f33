import { formatAgo } from '../../clock.ts';
import type { RecentProject } from './useProjects.ts';

interface Props {
  recent: RecentProject[] | null;
  currentDir: string | null;
  disabled: boolean;
  now: number;
  onOpen: (dir: string) => void;
}

/** Projects opened before, most recent first; a folder that is gone is shown, marked, and cannot be opened. */
export function RecentList({ recent, currentDir, disabled, now, onOpen }: Props) {
  if (recent === null) return <p className="muted">Loading…</p>;
  if (recent.length === 0) {
    return (
      <div className="empty" data-testid="recent-empty">
        <p>No recent projects yet. Projects you open, create or try here are listed for next time.</p>
      </div>
    );
  }
  return (
    <ul className="rows" data-testid="recent-list">
      {recent.map((r) => {
        const current = r.dir === currentDir;
        return (
          <li
            key={r.dir}
            className={`row${r.missing ? ' recent-missing' : ''}`}
            data-testid="recent-item"
            data-dir={r.dir}
            data-missing={r.missing}
          >
            <span className="row-main">
              <span className="row-title">
                {r.name} {current && <span className="chip chip-current">open now</span>}{' '}
                {r.missing && (
                  <span className="chip sev-critical" data-count="1">
                    missing
                  </span>
                )}
              </span>
              <span className="row-sub" title={r.dir}>
                {r.dir}
              </span>
            </span>
            <time className="age" dateTime={r.opened_at} title={r.opened_at}>
              {formatAgo(r.opened_at, now)}
            </time>
            <button
              type="button"
              data-testid="recent-open"
              disabled={disabled || current || r.missing}
              title={
                r.missing
                  ? 'The folder is gone (or is no longer a Governor project)'
                  : current
                    ? 'This project is open'
                    : `Open ${r.dir}`
              }
              onClick={() => onOpen(r.dir)}
            >
              Open
            </button>
          </li>
        );
      })}
    </ul>
  );
}
