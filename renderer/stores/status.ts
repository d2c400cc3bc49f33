import { create } from 'zustand';
import type { StatusSnapshot } from '../../shared/contract.ts';

interface StatusStore {
  snapshot: StatusSnapshot | null;
  /** Bumped when the host switches to another project: views keyed on it start afresh. */
  epoch: number;
}

/** The dashboard's at-a-glance numbers; replaced whole by every `status.changed` the engine pushes. */
export const useStatusStore = create<StatusStore>()(() => ({ snapshot: null, epoch: 0 }));

export function receiveStatus(snapshot: StatusSnapshot): void {
  // Answers to an older request can land after a newer push; the ledger sequence says which is fresher.
  const current = useStatusStore.getState().snapshot;
  if (current && current.last_seq > snapshot.last_seq) return;
  useStatusStore.setState({ snapshot });
}

/** Another project is served now: its ledger sequence has nothing to do with the old one's, so start over. */
export function projectSwitched(): void {
  useStatusStore.setState((s) => ({ snapshot: null, epoch: s.epoch + 1 }));
}
