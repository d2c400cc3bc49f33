import { useCallback, useEffect, useState } from 'react';
import type { CallResponse, Transport } from '../../../shared/contract.ts';

export type TrendPoints = CallResponse<'qa.trends'>;
export type UsageSummary = CallResponse<'usage.summary'>;

export interface Loaded<T> {
  data: T | null;
  error: string | null;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * The two dashboard cards that read more than the status snapshot: the QA trend and the spend against
 * budgets. Each is refetched only when the ledger gains an event of its kind (a gate, a model call), and on
 * every (re)connect: the dashboard mounts with the page, often before the link is up, and events sent while
 * it was down are not replayed.
 */
export function useDashboardData(
  conn: Transport,
  connected: boolean,
): { trends: Loaded<TrendPoints>; usage: Loaded<UsageSummary> } {
  const [trends, setTrends] = useState<Loaded<TrendPoints>>({ data: null, error: null });
  const [usage, setUsage] = useState<Loaded<UsageSummary>>({ data: null, error: null });

  const loadTrends = useCallback(() => {
    conn.call('qa.trends', {}).then(
      (data) => setTrends({ data, error: null }),
      (err: unknown) => setTrends((s) => ({ ...s, error: message(err) })),
    );
  }, [conn]);
  const loadUsage = useCallback(() => {
    conn.call('usage.summary', {}).then(
      (data) => setUsage({ data, error: null }),
      (err: unknown) => setUsage((s) => ({ ...s, error: message(err) })),
    );
  }, [conn]);

  useEffect(() => {
    if (!connected) return;
    loadTrends();
    loadUsage();
    return conn.on('ledger.appended', ({ events }) => {
      if (events.some((e) => e.type === 'qa.gate_evaluated')) loadTrends();
      // A crossed budget also pauses the agent and raises a concern; the card only needs the usage itself.
      if (events.some((e) => e.type === 'agent.usage_recorded')) loadUsage();
    });
  }, [conn, connected, loadTrends, loadUsage]);

  return { trends, usage };
}
