import { join } from 'node:path';
import { openProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import { syncRecords } from '../electron/core/workflow/loop.ts';
import { fillHistory } from './history.ts';
import { tempDir } from './util.ts';

/** Projects with a history, made once per bench run and shared by the sections that only read them. */
const shared = new Map<number, string>();

/** Offer a (closed) project holding at least `events` events of history to the sections that follow. */
export function shareHistoryProject(events: number, dir: string): void {
  shared.set(events, dir);
}

/** A sample project with `events` events of history (bench/history.ts), its exports in step; once per run. */
export async function historyProject(events: number): Promise<string> {
  const have = shared.get(events);
  if (have) return have;
  const dir = join(tempDir(), `history-${events}`);
  await initProject(dir, { sample: true });
  const p = await openProject(dir);
  try {
    fillHistory(p.ledger, events);
    await syncRecords(p);
  } finally {
    p.close();
  }
  shared.set(events, dir);
  return dir;
}
