import { ROUTES, type RouteId, routeKey } from './routes.ts';

/** The left navigation; each entry shows its number key, since the app is meant to be driven by keyboard. */
export function Nav({
  current,
  pendingReviews,
  openConcerns,
}: {
  current: RouteId;
  pendingReviews: number;
  openConcerns: number;
}) {
  const counts: Partial<Record<RouteId, number>> = { reviews: pendingReviews, concerns: openConcerns };
  return (
    <nav className="app-nav" aria-label="Views">
      <ul>
        {ROUTES.map((r, i) => (
          <li key={r.id}>
            <a
              href={`#/${r.id}`}
              aria-current={r.id === current ? 'page' : undefined}
              aria-keyshortcuts={routeKey(i)}
              title={`${r.hint} (key ${routeKey(i)})`}
            >
              <span>{r.label}</span>
              {counts[r.id] ? <span className="nav-count">{counts[r.id]}</span> : null}
              <kbd>{routeKey(i)}</kbd>
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
