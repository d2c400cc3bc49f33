import type Database from 'better-sqlite3';
import type { ConcernCursor } from '../../../shared/contract.ts';
import type { Concern } from '../../../shared/index.ts';
import { docQueries } from './doc-queries.ts';

/** Concern statuses short of resolved, as SQL. */
export const OPEN = "'open', 'acknowledged', 'assigned'";

/**
 * The concern reads: the lists, a page at a time for the Concerns view, and the counters the handoff
 * records and totals add up from, so none of them reads every concern of a long history.
 */
export function concernReads(db: Database.Database) {
  const { docs, one } = docQueries(db);
  const parsed = (r: { doc: string }): Concern => JSON.parse(r.doc) as Concern;
  return {
    concerns: (): Concern[] => docs('SELECT doc FROM concerns ORDER BY rowid'),
    concern: (id: string): Concern | null => one('SELECT doc FROM concerns WHERE id = ?', id),
    // Listed statuses rather than `!= 'resolved'`, so the status index finds the few open ones among thousands.
    openConcerns: (): Concern[] => docs(`SELECT doc FROM concerns WHERE status IN (${OPEN}) ORDER BY rowid`),
    /**
     * A page of concerns: the open ones, then the resolved ones (unless `openOnly`), each newest raised first,
     * continuing after `after`. Both halves walk the status index from the cursor, so a page reads `limit + 1`
     * rows (the one past the page says whether there is more), whatever the history holds.
     */
    concernPage(q: { openOnly: boolean; limit: number; after?: ConcernCursor | undefined }): {
      items: Concern[];
      next: ConcernCursor | null;
    } {
      const page = (status: string, before: number, n: number) =>
        db
          .prepare<[number, number], { seq: number; doc: string }>(
            `SELECT seq, doc FROM concerns WHERE status IN (${status}) AND seq < ? ORDER BY seq DESC LIMIT ?`,
          )
          .all(before, n);
      const end = Number.MAX_SAFE_INTEGER;
      const open = q.after?.resolved ? [] : page(OPEN, q.after?.seq ?? end, q.limit + 1);
      if (open.length > q.limit) {
        const kept = open.slice(0, q.limit);
        return { items: kept.map(parsed), next: { resolved: false, seq: kept.at(-1)?.seq ?? 0 } };
      }
      if (q.openOnly) return { items: open.map(parsed), next: null };
      const room = q.limit - open.length;
      const resolved = page("'resolved'", q.after?.resolved ? q.after.seq : end, room + 1);
      const kept = resolved.slice(0, room);
      // A page that the open ones filled exactly continues at the newest resolved one.
      const next = resolved.length > room ? { resolved: true, seq: kept.at(-1)?.seq ?? end } : null;
      return { items: [...open, ...kept].map(parsed), next };
    },
    /**
     * The open concerns and every condition an approval set (met or not: the detail lists both), in the
     * order of the full list. Two indexed reads merged: conditions are a few per approval.
     */
    openConcernsAndConditions: (): Concern[] => {
      const rows = db
        .prepare<[], { n: number; doc: string }>(
          `SELECT rowid AS n, doc FROM concerns WHERE status IN (${OPEN})
         UNION SELECT rowid AS n, doc FROM concerns INDEXED BY concerns_condition
           WHERE json_extract(doc, '$.category') = 'condition'
         ORDER BY n`,
        )
        .all();
      return rows.map((r) => JSON.parse(r.doc) as Concern);
    },
    /** The most recently raised critical concern, open or not. */
    lastCritical: (): Concern | null =>
      one("SELECT doc FROM concerns WHERE severity = 'critical' ORDER BY seq DESC LIMIT 1"),
    /** Concerns of a phase as a handoff record counts them, from the counters and one indexed row. */
    concernFacts(phase: number): { opened: number; closed: number; last: Concern | null; openCritical: boolean } {
      const rows = db
        .prepare<[number], { severity: string; status: string; n: number }>(
          'SELECT severity, status, n FROM concern_counts WHERE phase = ?',
        )
        .all(phase);
      const sum = (keep: (r: { severity: string; status: string }) => boolean) =>
        rows.filter(keep).reduce((t, r) => t + r.n, 0);
      return {
        opened: sum(() => true),
        closed: sum((r) => r.status === 'resolved'),
        last: one('SELECT doc FROM concerns WHERE phase = ? ORDER BY seq DESC LIMIT 1', phase),
        openCritical: sum((r) => r.severity === 'critical' && r.status !== 'resolved') > 0,
      };
    },
    /** Concerns by severity, open and resolved, over every phase. */
    concernTotals(): { open: Record<string, number>; resolved: Record<string, number> } {
      const out = { open: {} as Record<string, number>, resolved: {} as Record<string, number> };
      for (const r of db
        .prepare<[], { severity: string; status: string; n: number }>(
          'SELECT severity, status, SUM(n) AS n FROM concern_counts GROUP BY severity, status',
        )
        .all()) {
        const side = r.status === 'resolved' ? out.resolved : out.open;
        side[r.severity] = (side[r.severity] ?? 0) + r.n;
      }
      return out;
    },
  };
}
