import { type FSWatcher, watch } from 'node:fs';
import { join } from 'node:path';
import { type EventData, type EventName, type LedgerEvent, type StatusSnapshot, contract } from '../../shared/index.ts';
import { type LoopRunner, statusSnapshot } from '../core/api.ts';
import type { OpenedProject } from '../core/host.ts';
import { notificationFor } from '../core/notify/alerts.ts';
import type { Notification } from '../core/notify/notifications.ts';
import type { Progress } from '../core/workflow/engine.ts';

/**
 * Turns what happens in the engine into pushed contract events for the window, the tray's status and the
 * desktop notifications. No Electron here: the window is reached through `send`, so tests drive this with
 * a real project and a recording sink.
 */

export type EventSink = (event: EventName, data: unknown) => void;

export interface EventPumpOptions {
  send: EventSink;
  onStatus?: (s: StatusSnapshot) => void;
  onNotifications?: (batch: Notification[]) => void;
  /** Coalesce status pushes: a loop step appends several events in a row. */
  debounceMs?: number;
  /** Watch the ledger file for appends by other processes (a CLI `decide`, the Discord bridge). */
  watchFiles?: boolean;
  /** Events another process appended (a `governor decide` in a terminal), after they were pushed. */
  onForeign?: (events: readonly LedgerEvent[]) => void;
  onError?: (err: unknown) => void;
}

export interface EventPump {
  /** Hand to `openProject({ progress })`: called before `attach`, so it is safe without a project. */
  progress(p: Progress): void;
  /** Hand to `createLoopRunner`: the loop started or stopped. */
  statusChanged(): void;
  /**
   * Start announcing this project's appends. It pushes no status of its own: a page learns the new project
   * from `project.switched` first, then its status (`pushStatus`), never the other way round.
   */
  attach(p: OpenedProject, loop: LoopRunner): void;
  /** The current status, or null with no project (or a project that is closing). */
  snapshot(): StatusSnapshot | null;
  /** Push the current status now (a page that just loaded needs it at once). */
  pushStatus(): void;
  close(): void;
}

/** How long after another process's write to look again, and how often to check for writes the watcher missed. */
const FOREIGN_SETTLE_MS = 150;
const FOREIGN_POLL_MS = 1000;

export function createEventPump(o: EventPumpOptions): EventPump {
  const debounce = o.debounceMs ?? 30;
  let project: OpenedProject | null = null;
  let loop: LoopRunner | null = null;
  let lastSeq = 0;
  let timer: NodeJS.Timeout | null = null;
  let offAppend: (() => void) | null = null;
  let watcher: FSWatcher | null = null;
  let settle: NodeJS.Timeout | null = null;
  let poll: NodeJS.Timeout | null = null;
  let dataVersion = 0;
  let closed = false;

  /** SQLite's count of commits by other connections, as this connection sees it. */
  function readDataVersion(): number {
    try {
      return Number(project?.ledger.db.pragma('data_version', { simple: true }) ?? 0);
    } catch {
      return dataVersion; // the ledger is closing
    }
  }

  /** Another process wrote: look now, and once more when its commit has surely landed (see attach). */
  function foreignWrite(): void {
    announce('file');
    if (settle) clearTimeout(settle);
    settle = setTimeout(() => {
      settle = null;
      announce('file');
    }, FOREIGN_SETTLE_MS);
  }

  /** Checked against the contract on the way out: a malformed event is our bug and must not reach the page. */
  function emit<N extends EventName>(event: N, data: EventData<N>): void {
    const parsed = contract.events[event].safeParse(data);
    if (!parsed.success) {
      o.onError?.(
        new Error(`dropped a "${event}" event outside the contract: ${parsed.error.issues[0]?.message ?? 'invalid'}`),
      );
      return;
    }
    o.send(event, parsed.data);
  }

  function snapshot(): StatusSnapshot | null {
    if (!project || !loop || closed) return null;
    try {
      return statusSnapshot(project, { running: loop.running, waiting: loop.waiting });
    } catch (err) {
      o.onError?.(err);
      return null;
    }
  }

  function pushNow(): void {
    const s = snapshot();
    if (!s) return;
    emit('status.changed', s);
    o.onStatus?.(s);
  }

  function scheduleStatus(): void {
    if (timer || closed) return;
    timer = setTimeout(() => {
      timer = null;
      pushNow();
    }, debounce);
  }

  /**
   * Everything appended since we last looked, whoever appended it. This process's own appends are announced
   * synchronously by the ledger's append hook, so whatever the file watcher finds first came from elsewhere.
   */
  function announce(origin: 'self' | 'file'): void {
    if (!project || closed) return;
    if (origin === 'file') dataVersion = readDataVersion();
    for (;;) {
      const fresh = project.ledger.read(lastSeq, 500);
      if (fresh.length === 0) break;
      lastSeq = fresh.at(-1)?.seq ?? lastSeq;
      emit('ledger.appended', { events: fresh.map(({ seq, id, ts, type, actor }) => ({ seq, id, ts, type, actor })) });
      if (o.onNotifications) {
        const batch: Notification[] = [];
        for (const ev of fresh) {
          try {
            const n = notificationFor(ev, project.read);
            if (n) batch.push(n);
          } catch (err) {
            o.onError?.(err);
          }
        }
        if (batch.length > 0) o.onNotifications(batch);
      }
      if (origin === 'file') o.onForeign?.(fresh);
      if (fresh.length < 500) break;
    }
    scheduleStatus();
  }

  return {
    progress(p) {
      if (!closed) emit('progress', p);
    },
    statusChanged: scheduleStatus,
    attach(p, l) {
      project = p;
      loop = l;
      // Start from the head: opening the app must not replay old reviews as fresh notifications.
      lastSeq = p.ledger.count();
      offAppend = p.ledger.onAppend(() => announce('self'));
      if (o.watchFiles) {
        watcher = watch(join(p.dir, '.governor'), (_e, name) => {
          if (name && String(name).startsWith('governor.db')) foreignWrite();
        });
        watcher.on('error', (err) => o.onError?.(err));
        // The watcher is quick but not enough alone: it can fire before the other process's commit is
        // visible (SQLite publishes a commit through the -shm file, which is memory-mapped and raises no
        // file event), and some filesystems raise none at all. `data_version` changes with every commit
        // made through another connection, so a cheap look every second catches what the watcher missed.
        dataVersion = readDataVersion();
        poll = setInterval(() => {
          const v = readDataVersion();
          if (v !== dataVersion) announce('file');
        }, FOREIGN_POLL_MS);
        poll.unref();
      }
    },
    snapshot,
    pushStatus: pushNow,
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      if (settle) clearTimeout(settle);
      if (poll) clearInterval(poll);
      offAppend?.();
      watcher?.close();
    },
  };
}
