import { useCallback, useEffect, useState } from 'react';
import type { PermissionDecisionKind, PermissionRequest } from '../../../shared/index.ts';
import { PERMISSION_DECISION_LABEL } from '../../../shared/index.ts';
import type { Connection } from '../../transport/index.ts';
import './permissions.css';
import { errorText } from '../../lib/error-text.ts';

/**
 * Coding agents waiting on the human: each request shows the tool, the exact input and why it was asked,
 * with the five decisions. The decision carries the digest of the input shown here, so it can never
 * apply to another input; whoever decides first (here, the CLI or Discord) wins, and this card then says so.
 */
export function PermissionRequests({ conn }: { conn: Connection }) {
  const [items, setItems] = useState<PermissionRequest[]>([]);
  const refresh = useCallback(() => {
    conn.call('permissions.list', { status: 'pending' }).then(setItems, () => undefined);
  }, [conn]);
  useEffect(() => {
    refresh();
    const off = conn.on('ledger.appended', ({ events }) => {
      if (events.some((e) => e.type.startsWith('permission.'))) refresh();
    });
    const offState = conn.onState((s) => s.status === 'connected' && refresh());
    return () => {
      off();
      offState();
    };
  }, [conn, refresh]);
  if (items.length === 0) return null;
  return (
    <section className="pm-requests" aria-label="Permission requests" data-testid="permission-requests">
      <h2>
        Agents waiting on you <span className="count">{items.length}</span>
      </h2>
      {items.map((r) => (
        <PermissionCard key={r.id} conn={conn} request={r} onDecided={refresh} />
      ))}
    </section>
  );
}

function PermissionCard({
  conn,
  request: r,
  onDecided,
}: {
  conn: Connection;
  request: PermissionRequest;
  onDecided(): void;
}) {
  const [message, setMessage] = useState('');
  const [editing, setEditing] = useState(false);
  const [edited, setEdited] = useState(() => JSON.stringify(r.input, null, 2));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const decide = (decision: PermissionDecisionKind) => {
    let input: Record<string, unknown> | undefined;
    if (decision === 'allow_edited') {
      try {
        input = JSON.parse(edited) as Record<string, unknown>;
      } catch (err) {
        setError(`The edited input is not JSON: ${errorText(err)}`);
        return;
      }
    }
    setBusy(true);
    setError(null);
    conn
      .call('permissions.decide', {
        requestId: r.id,
        decision,
        digest: r.input_digest,
        message,
        ...(input ? { input } : {}),
      })
      .then(onDecided, (err: unknown) => {
        setError(errorText(err));
        onDecided();
      })
      .finally(() => setBusy(false));
  };
  const rule = r.suggested_rule;
  return (
    <article className="pm-card" data-testid={`permission-${r.id}`}>
      <header>
        <strong>{r.agent}</strong> asks to use <code>{r.tool}</code>{' '}
        <span className="muted">
          ({r.id}, on {r.task_id ?? 'no task'})
        </span>
      </header>
      <p className="pm-summary">{r.summary}</p>
      <p className="pm-why">
        <span className="muted">Why asked:</span> {r.reason}
      </p>
      <details>
        <summary>Exact input</summary>
        <pre data-testid="permission-input">{JSON.stringify(r.input, null, 2)}</pre>
        <p className="muted">
          digest {r.input_digest.slice(0, 16)}… · times out {new Date(r.timeout_at).toLocaleString()}
        </p>
      </details>
      {editing && (
        <textarea
          className="pm-edit"
          aria-label="Edited input (JSON)"
          value={edited}
          onChange={(e) => setEdited(e.target.value)}
          rows={5}
        />
      )}
      <input
        className="pm-message"
        aria-label="Message to the agent"
        placeholder="Message the agent reads (a reason for a denial)…"
        value={message}
        onChange={(e) => setMessage(e.target.value)}
      />
      <div className="pm-actions">
        <button type="button" disabled={busy} onClick={() => decide('allow_once')}>
          {PERMISSION_DECISION_LABEL.allow_once}
        </button>
        <button
          type="button"
          disabled={busy || !rule}
          title={rule ? `Allows ${rule} for the rest of this session` : undefined}
          onClick={() => decide('allow_session')}
        >
          {PERMISSION_DECISION_LABEL.allow_session}
        </button>
        <button
          type="button"
          disabled={busy || !rule}
          title={rule ? `Adds ${rule} to agent_permissions.allow` : undefined}
          onClick={() => decide('allow_always')}
        >
          {PERMISSION_DECISION_LABEL.allow_always}
        </button>
        {editing ? (
          <button type="button" disabled={busy} onClick={() => decide('allow_edited')}>
            Allow the edited input
          </button>
        ) : (
          <button type="button" disabled={busy} onClick={() => setEditing(true)}>
            {PERMISSION_DECISION_LABEL.allow_edited}…
          </button>
        )}
        <button type="button" className="danger" disabled={busy} onClick={() => decide('deny')}>
          {PERMISSION_DECISION_LABEL.deny}
        </button>
      </div>
      {rule && (
        <p className="muted pm-rule">
          “For this session” and “always” grant <code>{rule}</code>.
        </p>
      )}
      {error && (
        <p className="card-error" role="alert">
          {error}
        </p>
      )}
    </article>
  );
}
