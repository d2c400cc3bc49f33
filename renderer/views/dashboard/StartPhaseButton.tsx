import { useState } from 'react';
import type { Transport } from '../../../shared/contract.ts';

/**
 * After a promotion, when the policy waits for the human (`next_phase: on_command`) or the human wants it
 * now: start the next phase of the roadmap. The same command as `/phase next` in the console, the CLI and
 * Discord; its answer goes to `onResult`, which outlives the button (it goes once the phase starts).
 */
export function StartPhaseButton({
  conn,
  next,
  disabled,
  onResult,
}: {
  conn: Transport;
  next: { number: number; name: string };
  disabled: boolean;
  onResult: (r: { text: string; failed: boolean }) => void;
}) {
  const [busy, setBusy] = useState(false);
  const start = async () => {
    setBusy(true);
    try {
      const r = await conn.call('phase.next', {});
      onResult({ text: r.response, failed: !r.ok });
    } catch (err) {
      onResult({ text: err instanceof Error ? err.message : String(err), failed: true });
    } finally {
      setBusy(false);
    }
  };
  return (
    <button
      type="button"
      data-testid="start-phase"
      onClick={() => void start()}
      disabled={disabled || busy}
      title={`Start phase ${next.number} — ${next.name}: the PM plans it, and you review that plan (same as /phase next)`}
    >
      Start phase {next.number}
    </button>
  );
}
