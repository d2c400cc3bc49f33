import { useState } from 'react';
import type { Transport } from '../../../shared/contract.ts';

/**
 * After a promotion, when the policy waits for the human (`next_phase: on_command`) or the human wants it
 * now: start the next phase of the roadmap. The same command as `/phase next` in the console, the CLI and
 * Discord; its answer, or why not, shows beside the button.
 */
export function StartPhaseButton({ conn, next, disabled }: { conn: Transport; next: { number: number; name: string }; disabled: boolean }) {
  const [state, setState] = useState<{ busy: boolean; message: string | null; failed: boolean }>({ busy: false, message: null, failed: false });
  const start = async () => {
    setState({ busy: true, message: null, failed: false });
    try {
      const r = await conn.call('phase.next', {});
      setState({ busy: false, message: r.response, failed: !r.ok });
    } catch (err) {
      setState({ busy: false, message: err instanceof Error ? err.message : String(err), failed: true });
    }
  };
  return (
    <>
      {state.message && (
        <span className={state.failed ? 'run-note text-bad' : 'run-note'} role="status" data-testid="start-phase-note">
          {state.message}
        </span>
      )}
      <button type="button" data-testid="start-phase" onClick={() => void start()} disabled={disabled || state.busy} title={`Start phase ${next.number} — ${next.name}: the PM plans it, and you review that plan (same as /phase next)`}>
        Start phase {next.number}
      </button>
    </>
  );
}
