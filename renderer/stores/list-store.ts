import { create } from 'zustand';
import { CallError } from '../transport/index.ts';

export interface ListState<T> {
  items: T[];
  /** False until the first answer, so views can tell "nothing yet" from "nothing at all". */
  loaded: boolean;
  error: string | null;
}

/**
 * A list kept in step with the engine: `refresh` refetches it, and refreshes asked for while one is in
 * flight collapse into a single follow-up, so a burst of ledger events costs at most two round trips.
 */
export function createListStore<T>() {
  const store = create<ListState<T>>()(() => ({ items: [], loaded: false, error: null }));
  let inFlight: Promise<void> | null = null;
  let again = false;
  let latest: () => Promise<T[]> = async () => [];
  const once = async () => {
    try {
      store.setState({ items: await latest(), loaded: true, error: null });
    } catch (err) {
      // A dropped link is shown by the connection indicator; the list keeps its last known rows meanwhile.
      if (err instanceof CallError && err.code === 'disconnected') return;
      store.setState({ error: err instanceof Error ? err.message : String(err) });
    }
  };
  const refresh = (fetch: () => Promise<T[]>): Promise<void> => {
    latest = fetch;
    if (inFlight) {
      again = true;
      return inFlight;
    }
    inFlight = (async () => {
      do {
        again = false;
        await once();
      } while (again);
      inFlight = null;
    })();
    return inFlight;
  };
  return { store, refresh };
}
