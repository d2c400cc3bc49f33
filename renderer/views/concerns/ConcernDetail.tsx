import { useState } from 'react';
import type { Transport } from '../../../shared/contract.ts';
import type { Concern, ConcernStatus } from '../../../shared/domain/concern.ts';
import { concernRoute } from './route.ts';
import { errorText } from '../../lib/error-text.ts';

type Action = 'ack' | 'resolve' | 'assign' | 'escalate';
const LIFECYCLE: readonly ConcernStatus[] = ['open', 'acknowledged', 'assigned', 'resolved'];

interface Props {
  concern: Concern;
  conn: Transport;
  connected: boolean;
  agents: string[];
  onChanged: (c: Concern) => void;
  onClose: () => void;
}

/** One concern: its words, the hops it took up the chain, where it stands, and what you can do. */
export function ConcernDetail({ concern: c, conn, connected, agents, onChanged, onClose }: Props) {
  const [note, setNote] = useState('');
  const [assignTo, setAssignTo] = useState('');
  const [escalateTo, setEscalateTo] = useState('');
  const [busy, setBusy] = useState<Action | null>(null);
  const [result, setResult] = useState<{ text: string; bad: boolean } | null>(null);
  const resolved = c.status === 'resolved';
  const stage = LIFECYCLE.indexOf(c.status);

  const act = (action: Action, to?: string) => {
    setBusy(action);
    setResult(null);
    conn.call('concerns.act', { concernId: c.id, action, note, ...(to ? { to } : {}) }).then(
      (updated) => {
        onChanged(updated);
        setBusy(null);
        setNote('');
        setResult({
          text:
            `Done: ${c.id} is now ` +
            `${updated.status}${updated.assigned_to ? ` (assigned to ${updated.assigned_to})` : ''}.`,
          bad: false,
        });
      },
      (err: unknown) => {
        setBusy(null);
        setResult({ text: `The engine refused to ${action}: ${errorText(err)}`, bad: true });
      },
    );
  };
  const off = !connected || busy !== null || resolved;

  return (
    <aside
      className="card concern-detail"
      data-testid="concern-detail"
      data-concern-id={c.id}
      aria-labelledby="concern-detail-title"
    >
      <div className="detail-head">
        <h3 id="concern-detail-title">
          <span className={`chip sev-${c.severity}`} data-count="1">
            {c.severity}
          </span>{' '}
          {c.summary}
        </h3>
        <button type="button" className="link-button" onClick={onClose} aria-label="Close detail">
          ✕
        </button>
      </div>
      <p className="muted mono">
        {c.id} · phase {c.phase} · {c.category} · raised {c.timestamp}
      </p>
      {c.details && <p className="details">{c.details}</p>}

      <h4>Lifecycle</h4>
      <ol className="lifecycle" data-testid="concern-lifecycle">
        {LIFECYCLE.map((s, i) => (
          <li key={s} className={i < stage ? 'done' : i === stage ? 'live' : undefined}>
            {s}
          </li>
        ))}
      </ol>
      <dl className="facts">
        <dt title="Who raised it, and whom it is addressed to now">Raised by → now with</dt>
        <dd data-testid="concern-from-to">
          {c.from} → {c.to}
        </dd>
        <dt title="Everyone it has been addressed to, in order">Route</dt>
        <dd data-testid="concern-route">{concernRoute(c).join(' → ')}</dd>
        <dt title="Who is to act on it; separate from whom it is addressed to">Assigned to</dt>
        <dd data-testid="concern-assignee">{c.assigned_to ?? '—'}</dd>
        {c.response && (
          <>
            <dt>Response</dt>
            <dd>{c.response}</dd>
          </>
        )}
        {c.resolution && (
          <>
            <dt>Resolution</dt>
            <dd>{c.resolution}</dd>
          </>
        )}
        <dt>Updated</dt>
        <dd>{c.updated_at}</dd>
      </dl>

      <h4>Escalation chain</h4>
      {c.escalations.length === 0 ? (
        <p className="muted">
          Not escalated: it went from {c.from} straight to {c.to}.
        </p>
      ) : (
        <ol className="chain" data-testid="escalation-chain">
          {c.escalations.map((h, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: the chain only grows at its end; two hops may share a time.
            <li key={`${h.at}-${i}`} data-testid="escalation-hop">
              <strong>
                {h.from} → {h.to}
              </strong>{' '}
              <time className="muted" dateTime={h.at}>
                {h.at}
              </time>
              <div>{h.reason}</div>
            </li>
          ))}
        </ol>
      )}

      <h4>Act</h4>
      {resolved ? (
        <p className="muted">Resolved; nothing left to do.</p>
      ) : (
        <div className="concern-actions">
          <label className="block">
            Note
            <textarea
              data-testid="concern-note"
              rows={3}
              value={note}
              onChange={(e) => setNote(e.target.value)}
              placeholder="What you decided, and why (required to resolve)"
            />
          </label>
          <div className="action-row">
            <button
              type="button"
              data-testid="concern-ack"
              disabled={off || c.status !== 'open'}
              onClick={() => act('ack')}
            >
              Acknowledge
            </button>
            <button
              type="button"
              className="primary"
              data-testid="concern-resolve"
              disabled={off || note.trim() === ''}
              onClick={() => act('resolve')}
              title="Resolve with the note above"
            >
              Resolve
            </button>
          </div>
          {/* Assign and escalate look alike but differ in choices, state, test ids and action: written out
              twice on purpose, as a shared picker would need as many props as the markup it saves. */}
          <div className="action-row">
            <select
              aria-label="Assign to agent"
              data-testid="concern-assign-to"
              value={assignTo}
              onChange={(e) => setAssignTo(e.target.value)}
            >
              <option value="">Assign to…</option>
              {agents.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
            <button
              type="button"
              data-testid="concern-assign"
              disabled={off || !assignTo}
              onClick={() => act('assign', assignTo)}
            >
              Assign
            </button>
          </div>
          <div className="action-row">
            <select
              aria-label="Escalate to"
              data-testid="concern-escalate-to"
              value={escalateTo}
              onChange={(e) => setEscalateTo(e.target.value)}
            >
              <option value="">Escalate to…</option>
              {[...agents, 'Human'].map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
            <button
              type="button"
              data-testid="concern-escalate"
              disabled={off || !escalateTo}
              onClick={() => act('escalate', escalateTo)}
            >
              Escalate
            </button>
          </div>
        </div>
      )}
      {result && (
        <p
          className={result.bad ? 'text-bad' : 'muted'}
          role={result.bad ? 'alert' : 'status'}
          data-testid="concern-result"
        >
          {result.text}
        </p>
      )}
    </aside>
  );
}
