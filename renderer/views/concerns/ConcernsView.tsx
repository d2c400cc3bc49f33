import { useCallback, useEffect, useRef, useState } from 'react';
import {
  CONCERN_PAGE_DEFAULT,
  CONCERN_PAGE_MAX,
  type ConcernCursor,
  type ConcernPage,
  type Transport,
} from '../../../shared/contract.ts';
import type { Concern } from '../../../shared/domain/concern.ts';
import { formatAge, useNow } from '../../clock.ts';
import { useAgents } from '../agents/useAgents.ts';
import { ConcernDetail } from './ConcernDetail.tsx';
import { concernFromHash } from './route.ts';
import '../agents/agents.css';
import './concerns.css';
import { errorText } from '../../lib/error-text.ts';

const SEV_ORDER = { critical: 0, warning: 1, info: 2 } as const;

interface Props {
  conn: Transport;
  connected: boolean;
}

/**
 * Every concern, open ones first and worst first, with a detail pane holding the chain and the actions.
 * Resolved ones come a page at a time ("Show more"): a long-lived project has a hundred thousand of them.
 */
export function ConcernsView({ conn, connected }: Props) {
  const [items, setItems] = useState<Concern[]>([]);
  const [next, setNext] = useState<ConcernCursor | null>(null);
  const [totals, setTotals] = useState<ConcernPage['totals'] | null>(null);
  // A concern a link names that is not on the pages loaded (an old resolved one), fetched on its own.
  const [linked, setLinked] = useState<Concern | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [openOnly, setOpenOnly] = useState(false);
  const [selected, setSelected] = useState<string | null>(() => concernFromHash(location.hash));
  // A link (the audit timeline's, a notification's) selects the concern it names, even with this view open.
  useEffect(() => {
    const onHash = () => {
      const id = concernFromHash(location.hash);
      if (id) setSelected(id);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const agents = useAgents(conn);
  const now = useNow();

  // A reload (a concern event arrived) fetches again as many as are shown, so "Show more" is not undone.
  const shown = useRef(CONCERN_PAGE_DEFAULT);
  // Only the latest request's answer counts: a reload that started before "Show more" would otherwise
  // land after it and take the page it added away again.
  const latest = useRef(0);
  const load = useCallback(() => {
    const limit = Math.min(CONCERN_PAGE_MAX, Math.max(CONCERN_PAGE_DEFAULT, shown.current));
    const mine = ++latest.current;
    conn.call('concerns.list', { open: openOnly, limit }).then(
      (page) => {
        if (mine !== latest.current) return;
        setItems(page.items);
        setNext(page.next);
        setTotals(page.totals);
        shown.current = page.items.length;
        setLoaded(true);
        setError(null);
      },
      (err: unknown) => setError(errorText(err)),
    );
  }, [conn, openOnly]);
  const more = () => {
    if (!next) return;
    // A reload from here on (a concern event) fetches this page too.
    shown.current = items.length + CONCERN_PAGE_DEFAULT;
    const mine = ++latest.current;
    conn.call('concerns.list', { open: openOnly, after: next }).then(
      (page) => {
        if (mine !== latest.current) return;
        setItems((list) => {
          const have = new Set(list.map((c) => c.id));
          const out = [...list, ...page.items.filter((c) => !have.has(c.id))];
          shown.current = out.length;
          return out;
        });
        setNext(page.next);
        setTotals(page.totals);
      },
      (err: unknown) => setError(errorText(err)),
    );
  };

  useEffect(() => {
    load();
    return conn.on('ledger.appended', ({ events }) => {
      if (events.some((e) => e.type.startsWith('concern.'))) load();
    });
  }, [conn, load]);

  const sorted = [...items].sort((a, b) => {
    const ra = a.status === 'resolved' ? 1 : 0;
    const rb = b.status === 'resolved' ? 1 : 0;
    return ra - rb || SEV_ORDER[a.severity] - SEV_ORDER[b.severity] || b.timestamp.localeCompare(a.timestamp);
  });
  const listed = sorted.find((c) => c.id === selected) ?? null;
  useEffect(() => {
    if (!selected || !loaded || listed) return;
    let live = true;
    conn.call('concerns.get', { id: selected }).then(
      (c) => live && setLinked(c),
      (err: unknown) => live && setError(errorText(err)),
    );
    return () => {
      live = false;
    };
  }, [conn, selected, loaded, listed]);
  const current = listed ?? (linked?.id === selected ? linked : null);
  const left = totals ? (openOnly ? totals.open : totals.open + totals.resolved) - items.length : 0;

  return (
    <section className="view concerns-view" aria-labelledby="concerns-view-title">
      <div className="view-head">
        <h2 id="concerns-view-title">Concerns</h2>
        <label>
          <input type="checkbox" checked={openOnly} onChange={(e) => setOpenOnly(e.target.checked)} /> Open only
        </label>
      </div>
      {error && (
        <p className="text-bad" role="alert">
          Could not load concerns: {error}
        </p>
      )}
      <div className="split">
        <div className="split-list">
          {loaded && sorted.length === 0 ? (
            <div className="empty">
              <p className="empty-lead">No concerns{openOnly ? ' open' : ''}.</p>
              <p>Agents raise one when something blocks them; a critical one comes straight to you.</p>
            </div>
          ) : (
            <table className="grid-table">
              <thead>
                <tr>
                  <th>Severity</th>
                  <th>Id</th>
                  <th title="Who raised it, and whom it is addressed to now (after any escalation)">
                    Raised by → now with
                  </th>
                  <th>Assigned to</th>
                  <th>Category</th>
                  <th>Summary</th>
                  <th>Status</th>
                  <th>Age</th>
                </tr>
              </thead>
              <tbody>
                {sorted.map((c) => (
                  <tr
                    key={c.id}
                    tabIndex={0}
                    data-testid="concern-row"
                    data-concern-id={c.id}
                    data-status={c.status}
                    className={c.id === selected ? 'selected' : undefined}
                    aria-selected={c.id === selected}
                    onClick={() => setSelected(c.id)}
                    onKeyDown={(e) => {
                      if (e.key === 'Enter' || e.key === ' ') {
                        e.preventDefault();
                        setSelected(c.id);
                      }
                    }}
                  >
                    <td>
                      <span className={`chip sev-${c.severity}`} data-count="1">
                        {c.severity}
                      </span>
                    </td>
                    <td className="mono">{c.id}</td>
                    <td data-testid="concern-from-to">
                      {c.from} → {c.to}
                    </td>
                    <td data-testid="concern-assignee">{c.assigned_to ?? <span className="muted">—</span>}</td>
                    <td>{c.category}</td>
                    <td>{c.summary}</td>
                    <td>{c.status}</td>
                    <td>
                      <time dateTime={c.timestamp} title={c.timestamp}>
                        {formatAge(c.timestamp, now)}
                      </time>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {next && (
            <button type="button" data-testid="concerns-more" onClick={more}>
              Show more{left > 0 ? ` (${left.toLocaleString('en')} not shown)` : ''}
            </button>
          )}
        </div>
        {current && (
          <ConcernDetail
            key={current.id}
            concern={current}
            conn={conn}
            connected={connected}
            agents={agents.items.map((a) => a.name)}
            onChanged={(c) => {
              setItems((list) => list.map((x) => (x.id === c.id ? c : x)));
              if (linked?.id === c.id) setLinked(c);
            }}
            onClose={() => setSelected(null)}
          />
        )}
      </div>
    </section>
  );
}
