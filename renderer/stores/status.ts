import { create } from 'zustand';
import type { StatusSnapshot } from '../../shared/contract.ts';

interface StatusStore {
  snapshot: StatusSnapshot | null;
}

/** The dashboard's at-a-glance numbers; replaced whole by every `status.changed` the engine pushes. */
export const useStatusStore = create<StatusStore>()(() => ({ snapshot: null }));

export function receiveStatus(snapshot: StatusSnapshot): void {
  // Answers to an older request can land after a newer push; the ledger sequence says which is fresher.
  const current = useStatusStore.getState().snapshot;
  if (current && current.last_seq > snapshot.last_seq) return;
  useStatusStore.setState({ snapshot });
}
