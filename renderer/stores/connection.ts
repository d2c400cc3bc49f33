import { create } from 'zustand';
import type { ConnectionState } from '../transport/index.ts';

interface ConnectionStore {
  state: ConnectionState;
  kind: 'ws' | 'ipc';
}

/** The link to the engine, mirrored from the transport so any view can grey out what needs it. */
export const useConnectionStore = create<ConnectionStore>()(() => ({
  state: { status: 'connecting', attempt: 0 },
  kind: 'ws',
}));
