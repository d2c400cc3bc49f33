import { create } from 'zustand';
import type { EventData } from '../../shared/contract.ts';

export type ActivityLine = EventData<'progress'> & { at: string; n: number };

interface ActivityStore {
  lines: ActivityLine[];
}

/** How many steps the dashboard keeps: enough to see what the loop just did, not a log (the audit view is). */
const KEEP = 8;

/**
 * The engine's step-by-step progress (handoffs, stage changes, escalations, answers), as pushed while the
 * loop runs. Kept here rather than in the dashboard so switching views does not lose it; it is not
 * replayed on reconnect, which is fine for "what is happening now".
 */
export const useActivityStore = create<ActivityStore>()(() => ({ lines: [] }));

let counter = 0;
export function receiveProgress(p: EventData<'progress'>): void {
  // A verification's page-by-page count belongs to the Verify button that asked for it, not to the loop's story.
  if (p.kind === 'verify') return;
  const line: ActivityLine = { ...p, at: new Date().toISOString(), n: ++counter };
  useActivityStore.setState((s) => ({ lines: [...s.lines, line].slice(-KEEP) }));
}

export function clearActivity(): void {
  useActivityStore.setState({ lines: [] });
}
