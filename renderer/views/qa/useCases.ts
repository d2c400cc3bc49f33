import { useEffect, useState } from 'react';
import type { CallResponse, Transport } from '../../../shared/contract.ts';
import { errorText } from '../../lib/error-text.ts';

export type QaCasesResult = CallResponse<'qa.cases'>;
export type QaCaseRow = QaCasesResult['cases'][number];

/**
 * The failed, flaky and skipped cases of one gate. A gate's evidence never changes, so one fetch per gate is enough.
 */
export function useCases(conn: Transport, eventId: string): { data: QaCasesResult | null; error: string | null } {
  const [state, setState] = useState<{ id: string; data: QaCasesResult | null; error: string | null }>({
    id: eventId,
    data: null,
    error: null,
  });
  useEffect(() => {
    let live = true;
    setState({ id: eventId, data: null, error: null });
    conn.call('qa.cases', { event_id: eventId }).then(
      (data) => live && setState({ id: eventId, data, error: null }),
      (err: unknown) => live && setState({ id: eventId, data: null, error: errorText(err) }),
    );
    return () => {
      live = false;
    };
  }, [conn, eventId]);
  // Until the new gate's cases arrive, show nothing rather than the previous gate's.
  return state.id === eventId ? { data: state.data, error: state.error } : { data: null, error: null };
}
