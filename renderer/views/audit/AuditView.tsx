import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Transport } from '../../../shared/contract.ts';
import type { Actor } from '../../../shared/domain/common.ts';
import { EventType } from '../../../shared/events.ts';
import { ActorPhaseFilter } from './ActorPhaseFilter.tsx';
import { EventDetail } from './EventDetail.tsx';
import { TypeFilter } from './TypeFilter.tsx';
import { type Row, type TimelineFilter, useTimeline } from './useTimeline.ts';
import { VerifyChain } from './VerifyChain.tsx';
import './audit.css';

const ROW_HEIGHT = 28;
/** Fetch the next page when this close to either end of the loaded window. */
const EDGE = 40;
/** The search runs over the whole ledger on the host, so wait for a pause in typing. */
const SEARCH_DEBOUNCE_MS = 250;

/** "1,204 events", or "more than 10,000 events" where the host stopped counting. */
function countText(total: number, capped: boolean): string {
  if (capped) return `more than ${total.toLocaleString()} events`;
  return `${total.toLocaleString()} event${total === 1 ? '' : 's'}`;
}

/** The ledger as a timeline: every event, virtualised, paged as you scroll, filterable, with the chain check. */
export function AuditView({ conn }: { conn: Transport }) {
  const [types, setTypes] = useState<string[]>([]);
  const [actor, setActor] = useState<Actor | null>(null);
  const [phase, setPhase] = useState<number | null>(null);
  const [search, setSearch] = useState('');
  const [text, setText] = useState('');
  useEffect(() => {
    const t = setTimeout(() => setText(search), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [search]);
  const [selected, setSelected] = useState<Row | null>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const onShift = useCallback((n: number) => {
    const el = scrollRef.current;
    // Rows added above: keep what the reader looks at in place, unless they are watching the top.
    if (el && (n < 0 || el.scrollTop > 0)) el.scrollTop = Math.max(0, el.scrollTop + n * ROW_HEIGHT);
  }, []);
  const filter = useMemo<TimelineFilter>(
    () => ({ types, actors: actor ? [actor] : [], phase, text }),
    [types, actor, phase, text],
  );
  const { state, loadOlder, loadNewer, reset } = useTimeline(conn, filter, onShift);
  const filtered = types.length > 0 || actor !== null || phase !== null || text.trim() !== '';
  const shown = state.rows;

  const virtualizer = useVirtualizer({
    count: shown.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
  });
  const items = virtualizer.getVirtualItems();
  const firstIndex = items[0]?.index ?? 0;
  const lastIndex = items[items.length - 1]?.index ?? 0;

  useEffect(() => {
    if (state.loading || shown.length === 0) return;
    if (lastIndex >= shown.length - EDGE && !state.atTail) void loadOlder();
    else if (firstIndex <= EDGE && !state.atHead) void loadNewer();
  }, [firstIndex, lastIndex, shown.length, state.loading, state.atTail, state.atHead, loadOlder, loadNewer]);

  return (
    <section className="view audit-view" aria-labelledby="audit-title">
      <div className="view-head">
        <h2 id="audit-title">Audit</h2>
        <VerifyChain conn={conn} />
      </div>
      <div className="audit-tools">
        <TypeFilter all={EventType.options} selected={types} onChange={setTypes} />
        <ActorPhaseFilter conn={conn} actor={actor} phase={phase} onActor={setActor} onPhase={setPhase} />
        <input
          type="search"
          className="audit-search"
          data-testid="timeline-search"
          placeholder="Search all events…"
          aria-label="Search all events"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <span
          className="muted"
          data-testid="timeline-count"
          data-total={state.total}
          data-capped={state.capped}
          data-loaded={state.rows.length}
        >
          {countText(state.total, state.capped)}
          {filtered ? ' match' : ''} · {state.rows.length.toLocaleString()} loaded
          {state.loading ? ' · loading…' : ''}
        </span>
      </div>
      {state.error && (
        <p className="text-bad" role="alert">
          Could not read the ledger: {state.error}
        </p>
      )}
      <div className="audit-split">
        {/* biome-ignore lint/a11y/useSemanticElements: the virtualiser's sizing div sits between list and rows, so no ul>li. */}
        <div
          className="timeline"
          ref={scrollRef}
          data-testid="timeline"
          role="list"
          aria-label="Ledger events, newest first"
        >
          {!state.atHead && (
            <div className="timeline-edge muted">
              Newer events above; scroll up to load them, or{' '}
              <button type="button" className="link-button" onClick={reset}>
                jump to newest
              </button>
            </div>
          )}
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {items.map((v) => {
              const r = shown[v.index];
              if (!r) return null;
              return (
                // an absolutely positioned virtual row (see the list above).
                // biome-ignore lint/a11y/useSemanticElements: explained above
                <div
                  key={r.seq}
                  role="listitem"
                  // biome-ignore lint/a11y/noNoninteractiveTabindex: each row is focusable so Enter can select it.
                  tabIndex={0}
                  data-testid="timeline-row"
                  data-seq={r.seq}
                  data-type={r.type}
                  className={`timeline-row${selected?.seq === r.seq ? ' selected' : ''}`}
                  style={{
                    position: 'absolute',
                    top: 0,
                    left: 0,
                    right: 0,
                    height: ROW_HEIGHT,
                    transform: `translateY(${v.start}px)`,
                  }}
                  onClick={() => setSelected(r)}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter') setSelected(r);
                  }}
                >
                  <span className="tl-seq mono">#{r.seq}</span>
                  <span className="tl-ts mono">{r.ts.replace('T', ' ').replace(/\.\d+Z$|Z$/, '')}</span>
                  <span className="tl-type">{r.type}</span>
                  <span className="tl-actor">{r.actor}</span>
                  <span className="tl-id mono muted">{r.id}</span>
                </div>
              );
            })}
          </div>
          {!state.loading && shown.length === 0 && (
            <p className="empty timeline-empty">{filtered ? 'No event matches the filters.' : 'No events.'}</p>
          )}
          {state.atTail && shown.length > 0 && <div className="timeline-edge muted">Start of the ledger.</div>}
        </div>
        {selected && (
          <EventDetail
            key={selected.seq}
            conn={conn}
            row={selected}
            onClose={() => setSelected(null)}
            onSearch={setSearch}
          />
        )}
      </div>
    </section>
  );
}
