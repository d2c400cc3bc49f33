import { useEffect, useState } from 'react';
import type { Transport } from '../../../shared/contract.ts';
import { type EventLink, eventLinks } from './links.ts';
import type { Row } from './useTimeline.ts';
import { errorText } from '../../lib/error-text.ts';

const KIND_LABEL: Record<EventLink['kind'], string> = {
  review: 'Review',
  concern: 'Concern',
  commit: 'Diff',
  command: 'Command',
  artifact: 'Document',
};

/** A review, concern or commit opens its own view; a command or document narrows this timeline to it. */
function RelatedLink({ link, onSearch }: { link: EventLink; onSearch: (text: string) => void }) {
  const common = { 'data-testid': 'event-link', 'data-kind': link.kind, 'data-target': link.id } as const;
  if ('href' in link) {
    const title =
      link.kind === 'commit' ? `Open the diffs view: ${link.from ?? 'the empty tree'} → ${link.to}` : `Open ${link.id}`;
    return (
      <a href={link.href} title={title} {...common}>
        {link.label}
      </a>
    );
  }
  return (
    <button
      type="button"
      className="link-button"
      title={`Show the events that name ${link.id}`}
      onClick={() => onSearch(link.search)}
      {...common}
    >
      {link.label}
    </button>
  );
}

/**
 * One event as the ledger holds it, JSON and all, with links to what it is about; a live row's payload is fetched on
 * demand.
 */
export function EventDetail({
  conn,
  row,
  onClose,
  onSearch,
}: {
  conn: Transport;
  row: Row;
  onClose: () => void;
  onSearch: (text: string) => void;
}) {
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
  const links = full.partial ? [] : eventLinks(full.type, full.payload);
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
      {links.length > 0 && (
        <dl className="event-links" data-testid="event-links" aria-label="Related">
          {links.map((l) => (
            <div key={`${l.kind}:${l.id}`} className="event-link-row">
              <dt className="muted">{KIND_LABEL[l.kind]}</dt>
              <dd>
                <RelatedLink link={l} onSearch={onSearch} />
              </dd>
            </div>
          ))}
        </dl>
      )}
      <pre className="event-json mono" data-testid="event-json">
        {full.partial ? 'Loading the payload…' : JSON.stringify(event, null, 2)}
      </pre>
    </aside>
  );
}
