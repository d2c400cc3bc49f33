import { useCallback, useEffect, useState } from 'react';
import type { CallResponse, Transport } from '../../../shared/contract.ts';
import { errorText } from '../../lib/error-text.ts';

export type QaGateRow = CallResponse<'qa.gates'>[number];
export type QaTrendPoint = CallResponse<'qa.trends'>[number];
export type QaOutputLine = CallResponse<'qa.output'>[number];

export interface QaState {
  gates: QaGateRow[];
  trends: QaTrendPoint[];
  output: QaOutputLine[];
  loading: boolean;
  error: string | null;
}

const OUTPUT_LIMIT = 200;

/** Gates, trends and live output; refetched when QA or test events land on the ledger. */
export function useQa(conn: Transport): QaState {
  const [state, setState] = useState<QaState>({ gates: [], trends: [], output: [], loading: true, error: null });

  const loadGates = useCallback(() => {
    Promise.all([conn.call('qa.gates', {}), conn.call('qa.trends', {})]).then(
      ([gates, trends]) => setState((s) => ({ ...s, gates, trends, loading: false, error: null })),
      (err: unknown) => setState((s) => ({ ...s, loading: false, error: errorText(err) })),
    );
  }, [conn]);

  const loadOutput = useCallback(() => {
    conn.call('qa.output', { limit: OUTPUT_LIMIT }).then(
      (output) => setState((s) => ({ ...s, output })),
      (err: unknown) => setState((s) => ({ ...s, error: errorText(err) })),
    );
  }, [conn]);

  useEffect(() => {
    loadGates();
    loadOutput();
    return conn.on('ledger.appended', ({ events }) => {
      const types = events.map((e) => e.type);
      if (types.some((t) => t.startsWith('qa.') || t.startsWith('test.'))) {
        if (types.some((t) => t !== 'qa.output_logged')) loadGates();
        if (types.some((t) => t === 'qa.output_logged' || t.startsWith('test.'))) loadOutput();
      }
    });
  }, [conn, loadGates, loadOutput]);

  return state;
}
