import type { ConnectionState } from '../transport/index.ts';
import { useNow } from '../clock.ts';

function label(s: ConnectionState, kind: 'ws' | 'ipc', now: number): string {
  if (s.status === 'connected') return kind === 'ipc' ? 'Connected to the engine' : 'Connected';
  if (s.status === 'connecting') return s.attempt === 0 ? 'Connecting…' : 'Reconnecting…';
  const secs = Math.max(0, Math.ceil((s.retryAt - now) / 1000));
  return secs > 0 ? `Disconnected · retrying in ${secs} s` : 'Disconnected · retrying';
}

/** A dot and a word: where the link stands, always visible in the header. */
export function ConnectionIndicator({
  state,
  kind,
  onRetry,
}: {
  state: ConnectionState;
  kind: 'ws' | 'ipc';
  onRetry: () => void;
}) {
  // Tick each second only while a countdown is on screen; a calm header does not re-render for nothing.
  const now = useNow(state.status === 'disconnected' ? 1000 : 60_000);
  return (
    <div
      className="connection"
      data-testid="connection"
      data-state={state.status}
      role="status"
      aria-live="polite"
      title={state.status === 'disconnected' ? state.reason : undefined}
    >
      <span className="connection-dot" aria-hidden="true" />
      <span>{label(state, kind, now)}</span>
      {state.status === 'disconnected' && (
        <button type="button" className="link-button" onClick={onRetry}>
          Retry now
        </button>
      )}
    </div>
  );
}
