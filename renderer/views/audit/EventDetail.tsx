import { useEffect, useState } from 'react';
import type { Transport } from '../../../shared/contract.ts';
import { errorText } from '../agents/useAgents.ts';
import type { Row } from './useTimeline.ts';

/** One event as the ledger holds it, JSON and all; a live row's payload is fetched on demand. */
export function EventDetail({ conn, row, onClose }: { conn: Transport; row: Row; onClose: () => void }) {
  const [full, setFull] = useState<Row>(row);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!row.partial) return;
    let live = true;
    conn.call('ledger.page', { before: row.seq + 1, limit: 1 }).then(
      (p) => {
        const ev = p.events.find((e) => e.seq === row.seq);
        if (live && ev) setFull(ev);
      },
      (err: unknown) => live && setError(errorText(err)),
    );
    return () => {
      live = false;
    };
  }, [conn, row]);
  const { partial: _partial, ...event } = full;
  return (
    <aside className="card event-detail" data-testid="event-detail" aria-label={`Event ${row.seq}`}>
      <div className="detail-head">
        <h3>
          #{row.seq} · {row.type}
        </h3>
        <button type="button" className="link-button" onClick={onClose} aria-label="Close detail">
          ✕
        </button>
      </div>
      {error && <p className="text-bad">Could not load the payload: {error}</p>}
      <pre className="event-json mono" data-testid="event-json">
        {full.partial ? 'Loading the payload…' : JSON.stringify(event, null, 2)}
      </pre>
    </aside>
  );
}
