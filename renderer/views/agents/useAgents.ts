import { useEffect } from 'react';
import type { Transport } from '../../../shared/contract.ts';
import type { AgentState } from '../../../shared/domain/agent.ts';
import { createListStore, type ListState } from '../../stores/list-store.ts';

const agents = createListStore<AgentState>();
export const useAgentsStore = agents.store;
export const refreshAgents = (t: Transport): Promise<void> => agents.refresh(() => t.call('agents.list', {}));

/** Agents as the engine lists them, refetched when an agent event lands on the ledger. */
export function useAgents(conn: Transport): ListState<AgentState> {
  const state = useAgentsStore();
  useEffect(() => {
    void refreshAgents(conn);
    return conn.on('ledger.appended', ({ events }) => {
      if (events.some((e) => e.type.startsWith('agent.') || e.type === 'task.assigned')) void refreshAgents(conn);
    });
  }, [conn]);
  return state;
}
