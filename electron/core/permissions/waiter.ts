import { type FSWatcher, watch } from 'node:fs';
import { dirname } from 'node:path';
import type { PermissionRequest } from '../../../shared/index.ts';
import type { Ledger } from '../store/ledger.ts';
import type { Reader } from '../store/read.ts';

const clearTimeoutOf = (t: NodeJS.Timeout) => () => clearTimeout(t);

export type WaitOutcome = { kind: 'decided'; request: PermissionRequest } | { kind: 'deadline' } | { kind: 'aborted' };

/**
 * Wait until a permission request leaves `pending`. A decision made in this process (the host's UI,
 * Discord) arrives through the ledger's append listener at once; one made by another process (a second
 * terminal's `governor decide`) changes the database's WAL file, which fs.watch reports. A poll every
 * 50 ms (one indexed read) covers file systems where watching is not reliable, and the moment between
 * the WAL write and the WAL index update that readers go by.
 */
export function waitForDecision(
  ledger: Ledger,
  read: Reader,
  id: string,
  deadline: Date,
  signal?: AbortSignal,
  pollMs = 50,
): Promise<WaitOutcome> {
  return new Promise((resolve) => {
    let watcher: FSWatcher | null = null;
    const cleanups: Array<() => void> = [];
    let done = false;
    const finish = (o: WaitOutcome) => {
      if (done) return;
      done = true;
      for (const c of cleanups) c();
      watcher?.close();
      resolve(o);
    };
    const check = () => {
      if (done || !ledger.db.open) return;
      const r = read.permissionRequest(id);
      if (r && r.status !== 'pending') finish({ kind: 'decided', request: r });
    };
    cleanups.push(ledger.onAppend(check));
    try {
      // The WAL write fires the event, but readers see the commit only once the writer has updated the
      // WAL index (shared memory, which fires none): look again a moment later too.
      watcher = watch(dirname(ledger.path), (_e, name) => {
        if (!name || !String(name).startsWith('governor.db')) return;
        check();
        for (const ms of [5, 25, 100]) cleanups.push(clearTimeoutOf(setTimeout(check, ms)));
      });
    } catch {
      // No watching here: the poll below still sees the decision.
    }
    const poll = setInterval(check, pollMs);
    cleanups.push(() => clearInterval(poll));
    const left = Math.max(0, deadline.getTime() - Date.now());
    // setTimeout cannot wait longer than ~24.8 days; requests time out well before that.
    const timer = setTimeout(() => finish({ kind: 'deadline' }), Math.min(left, 2 ** 31 - 1));
    cleanups.push(() => clearTimeout(timer));
    if (signal) {
      const onAbort = () => finish({ kind: 'aborted' });
      if (signal.aborted) onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      cleanups.push(() => signal.removeEventListener('abort', onAbort));
    }
    check();
  });
}
