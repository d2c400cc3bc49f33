import { Fragment, useCallback, useEffect, useState } from 'react';
import { Header } from './shell/Header.tsx';
import { Nav } from './shell/Nav.tsx';
import { ROUTES, type RouteId, routeForKey, routeFromHash } from './shell/routes.ts';
import { useConcernsStore } from './stores/concerns.ts';
import { useConnectionStore } from './stores/connection.ts';
import { useReviewsStore } from './stores/reviews.ts';
import { useStatusStore } from './stores/status.ts';
import { CallError, type Connection } from './transport/index.ts';
import { AgentsView } from './views/agents/AgentsView.tsx';
import { AuditView } from './views/audit/AuditView.tsx';
import { ConcernsView } from './views/concerns/ConcernsView.tsx';
import { ConsoleView } from './views/console/ConsoleView.tsx';
import { Dashboard, type RunState } from './views/dashboard/Dashboard.tsx';
import { DiffsView } from './views/diffs/DiffsView.tsx';
import { ProjectsView } from './views/projects/ProjectsView.tsx';
import { QaView } from './views/qa/QaView.tsx';
import { ReviewsView } from './views/reviews/ReviewsView.tsx';
import { SettingsView } from './views/settings/SettingsView.tsx';

/** Digits switch views unless the user is typing; the app should be drivable without a mouse. */
function useRouteKeys(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
      const t = e.target;
      // Monaco types through an EditContext div in Chromium, which is not contentEditable: ask for the editor itself.
      if (
        t instanceof HTMLElement &&
        (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName) || t.closest('.monaco-editor'))
      )
        return;
      const route = routeForKey(e.key);
      if (route) location.hash = `#/${route}`;
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

function useRoute(): RouteId {
  const [route, setRoute] = useState<RouteId>(() => routeFromHash(location.hash));
  useEffect(() => {
    const onHash = () => setRoute(routeFromHash(location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  return route;
}

/** The shell: header, navigation, the current view. It reads the stores and hands views plain data. */
export function App({ conn }: { conn: Connection }) {
  const route = useRoute();
  useRouteKeys();
  const snapshot = useStatusStore((s) => s.snapshot);
  const epoch = useStatusStore((s) => s.epoch);
  const connection = useConnectionStore((s) => s.state);
  const kind = useConnectionStore((s) => s.kind);
  const reviews = useReviewsStore();
  const concerns = useConcernsStore();
  const [run, setRun] = useState<RunState>({ busy: false, message: null, failed: false });
  const connected = connection.status === 'connected';

  const onRun = useCallback(() => {
    setRun({ busy: true, message: null, failed: false });
    conn.call('loop.run', {}).then(
      (r) => setRun({ busy: false, message: r.started ? null : `Not started: ${r.reason}`, failed: false }),
      (err: unknown) =>
        setRun({
          busy: false,
          message: err instanceof CallError ? `Run failed (${err.code}): ${err.message}` : `Run failed: ${String(err)}`,
          failed: true,
        }),
    );
  }, [conn]);

  useEffect(() => {
    const pending = snapshot?.pending_reviews ?? 0;
    document.title = `${pending > 0 ? `(${pending}) ` : ''}${snapshot ? `${snapshot.name} · ` : ''}Governor`;
  }, [snapshot]);

  const current = ROUTES.find((r) => r.id === route) ?? ROUTES[0];
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Header snapshot={snapshot} connection={connection} kind={kind} onRetry={() => conn.retryNow()} />
      <Nav
        current={route}
        pendingReviews={snapshot?.pending_reviews ?? 0}
        openConcerns={snapshot?.open_concerns ?? 0}
      />
      <main id="main" className="app-main" tabIndex={-1}>
        {connection.status === 'disconnected' && (
          <div className="banner banner-bad" role="alert" data-testid="disconnected-banner">
            <strong>Disconnected from the Governor host.</strong> What you see may be out of date, and actions wait
            until the link is back. <span className="banner-reason">Why: {connection.reason}.</span>
          </div>
        )}
        {/* A project switch remounts the views (their state belonged to the old project); the projects view keeps its own. */}
        <Fragment key={current.id === 'projects' ? 'projects' : epoch}>
          {current.id === 'dashboard' ? (
            <Dashboard
              conn={conn}
              snapshot={snapshot}
              reviews={reviews}
              concerns={concerns}
              connected={connected}
              run={run}
              onRun={onRun}
            />
          ) : current.id === 'projects' ? (
            <ProjectsView conn={conn} connected={connected} />
          ) : current.id === 'reviews' ? (
            <ReviewsView conn={conn} connected={connected} />
          ) : current.id === 'concerns' ? (
            <ConcernsView conn={conn} connected={connected} />
          ) : current.id === 'console' ? (
            <ConsoleView conn={conn} connected={connected} />
          ) : current.id === 'agents' ? (
            <AgentsView conn={conn} connected={connected} />
          ) : current.id === 'audit' ? (
            <AuditView conn={conn} />
          ) : current.id === 'settings' ? (
            <SettingsView conn={conn} connected={connected} />
          ) : current.id === 'qa' ? (
            <QaView conn={conn} />
          ) : (
            <DiffsView conn={conn} />
          )}
        </Fragment>
      </main>
    </div>
  );
}
