import type { Transport } from '../../shared/contract.ts';
import type { Concern } from '../../shared/domain/concern.ts';
import { createListStore } from './list-store.ts';

/** Open concerns (open, acknowledged or assigned): anything the chain has not resolved yet, the newest 500. */
const concerns = createListStore<Concern>();
export const useConcernsStore = concerns.store;

export const refreshConcerns = (t: Transport): Promise<void> =>
  concerns.refresh(() => t.call('concerns.list', { open: true, limit: 500 }).then((page) => page.items));
