import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { CallRequest, TimelineEvent, Transport } from '../../../shared/contract.ts';
import type { Actor } from '../../../shared/domain/common.ts';
import { errorText } from '../../lib/error-text.ts';

/** A row; live rows come without payload (the push omits it) until the detail pane asks for it. */
export type Row = TimelineEvent & { partial?: boolean };

export const PAGE = 500;
/** At most this many rows in memory; scrolling further drops the far end and refetches it on the way back. */
export const MAX_ROWS = 3000;

/** What the reader narrowed the timeline to; every field left empty means "any". */
export interface TimelineFilter {
  types: string[];
  actors: Actor[];
  phase: number | null;
  text: string;
}

type PageQuery = Pick<CallRequest<'ledger.page'>, 'types' | 'actors' | 'phase' | 'text'>;

/** The filter as `ledger.page` takes it. */
function query(f: TimelineFilter): PageQuery {
  return {
    ...(f.types.length > 0 ? { types: f.types } : {}),
    ...(f.actors.length > 0 ? { actors: f.actors } : {}),
    ...(f.phase !== null ? { phase: f.phase } : {}),
    ...(f.text.trim() ? { text: f.text.trim() } : {}),
  };
}

export interface TimelineState {
  rows: Row[];
  total: number;
  /** More than `total` match: the host stops counting at its cap. */
  capped: boolean;
  /** The newest matching event is loaded (nothing newer was dropped). */
  atHead: boolean;
  /** The oldest matching event is loaded. */
  atTail: boolean;
  loading: boolean;
  error: string | null;
}

const INITIAL: TimelineState = {
  rows: [],
  total: 0,
  capped: false,
  atHead: true,
  atTail: false,
  loading: true,
  error: null,
};

/**
 * A window of the ledger, newest first, paged with `before` in both directions. `onShift(n)` reports
 * rows added (n > 0) or removed (n < 0) above the window, so the view can keep the scroll position.
 */
export function useTimeline(conn: Transport, filter: TimelineFilter, onShift: (n: number) => void) {
  const [state, setState] = useState<TimelineState>(INITIAL);
  const ref = useRef(state);
  ref.current = state;
  const gen = useRef(0);
  const busy = useRef(false);
  const shift = useRef(onShift);
  shift.current = onShift;
  // One key for the filter: a new key starts over from the newest matching event. The query is parsed back
  // from it so its identity changes only when the filter's content does, not on every render.
  const key = JSON.stringify(query(filter));
  const q = useMemo(() => JSON.parse(key) as PageQuery, [key]);

  const set = useCallback((next: Partial<TimelineState>) => {
    ref.current = { ...ref.current, ...next };
    setState(ref.current);
  }, []);

  const reset = useCallback(() => {
    const g = ++gen.current;
    busy.current = true;
    set({ ...INITIAL });
    conn.call('ledger.page', { limit: PAGE, ...q }).then(
      (p) => {
        if (g !== gen.current) return;
        busy.current = false;
        const atTail = p.events.length < PAGE;
        set({
          rows: p.events,
          total: p.total,
          capped: p.total_capped,
          atHead: true,
          atTail,
          loading: false,
          error: null,
        });
      },
      (err: unknown) => {
        if (g !== gen.current) return;
        busy.current = false;
        set({ loading: false, error: errorText(err) });
      },
    );
  }, [conn, q, set]);

  const loadOlder = useCallback(async () => {
    const s = ref.current;
    const last = s.rows[s.rows.length - 1];
    if (busy.current || s.atTail || !last) return;
    const g = gen.current;
    busy.current = true;
    set({ loading: true });
    try {
      const p = await conn.call('ledger.page', { before: last.seq, limit: PAGE, ...q });
      if (g !== gen.current) return;
      let rows = [...ref.current.rows, ...p.events];
      let atHead = ref.current.atHead;
      const drop = rows.length - MAX_ROWS;
      if (drop > 0) {
        rows = rows.slice(drop);
        atHead = false;
        shift.current(-drop);
      }
      const atTail = p.events.length < PAGE;
      set({ rows, atHead, atTail, total: p.total, capped: p.total_capped, loading: false, error: null });
    } catch (err) {
      if (g === gen.current) set({ loading: false, error: errorText(err) });
    } finally {
      if (g === gen.current) busy.current = false;
    }
  }, [conn, q, set]);

  const loadNewer = useCallback(async () => {
    const s = ref.current;
    const first = s.rows[0];
    if (busy.current || s.atHead || !first) return;
    const g = gen.current;
    busy.current = true;
    set({ loading: true });
    try {
      // `before` only pages backwards, so ask for a span just above the window, narrowing it until nothing is skipped.
      let span = PAGE;
      let newer: TimelineEvent[] = [];
      let head = false;
      for (let tries = 0; tries < 12; tries++) {
        const p = await conn.call('ledger.page', { before: first.seq + span + 1, limit: 1000, ...q });
        if (g !== gen.current) return;
        const above = p.events.filter((e) => e.seq > first.seq);
        const newest = p.events[0]?.seq ?? 0;
        if (above.length >= 1000 && span > 1) {
          span = Math.max(1, Math.floor(span / 2));
          continue;
        }
        newer = above;
        const latest = await conn.call('ledger.page', { limit: 1, ...q });
        if (g !== gen.current) return;
        const latestSeq = latest.events[0]?.seq ?? 0;
        head = latestSeq <= Math.max(newest, first.seq);
        if (above.length === 0 && !head) {
          span *= 4;
          continue;
        }
        break;
      }
      let rows = [...newer, ...ref.current.rows];
      let atTail = ref.current.atTail;
      const drop = rows.length - MAX_ROWS;
      if (drop > 0) {
        rows = rows.slice(0, MAX_ROWS);
        atTail = false;
      }
      shift.current(newer.length);
      set({ rows, atHead: head, atTail, loading: false, error: null });
    } catch (err) {
      if (g === gen.current) set({ loading: false, error: errorText(err) });
    } finally {
      if (g === gen.current) busy.current = false;
    }
  }, [conn, q, set]);

  useEffect(() => {
    reset();
    const off = conn.on('ledger.appended', ({ events }) => {
      const f = q;
      // The push carries no payload, so with a phase or text filter the next reload shows what matched.
      if (f.phase !== undefined || f.text !== undefined) return;
      const match = events.filter(
        (e) => (!f.types || f.types.includes(e.type)) && (!f.actors || f.actors.includes(e.actor)),
      );
      if (match.length === 0) return;
      const s = ref.current;
      if (!s.atHead || s.loading) {
        set({ total: s.total + match.length });
        return;
      }
      const top = s.rows[0]?.seq ?? 0;
      const fresh: Row[] = match
        .filter((e) => e.seq > top)
        .sort((a, b) => b.seq - a.seq)
        .map((e) => ({ ...e, payload: undefined, partial: true }));
      if (fresh.length === 0) return;
      let rows = [...fresh, ...s.rows];
      let atTail = s.atTail;
      if (rows.length > MAX_ROWS) {
        rows = rows.slice(0, MAX_ROWS);
        atTail = false;
      }
      shift.current(fresh.length);
      set({ rows, atTail, total: s.total + fresh.length });
    });
    return () => {
      gen.current++;
      off();
    };
  }, [conn, q, reset, set]);

  return { state, loadOlder, loadNewer, reset };
}
