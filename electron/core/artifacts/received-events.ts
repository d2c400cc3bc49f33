/**
 * The events of some types that this process appended, as the ledger handed them to its listeners after
 * each commit: validated there, payloads as its schemas output them. The audit streams take their new lines
 * from these instead of reading the events back from SQLite and parsing them again (a fifth of a sync's CPU
 * after every step), but only over a run of seqs this process saw whole: a gap means another process (a CLI
 * `decide`) appended in between, and the events after the gap are read from the ledger as before.
 */
import type { EventType, LedgerEvent } from '../../../shared/index.ts';
import type { Ledger } from '../store/ledger.ts';

export interface ReceivedEvents {
  /**
   * The kept events after `seq`, oldest first, and the seq up to which they are complete; null when this
   * process did not see every event after `seq` (then the caller reads them).
   */
  after(seq: number): { events: LedgerEvent[]; through: number } | null;
  /** Forget the events at or before `seq` (they are in their files now). */
  drop(seq: number): void;
}

/** Held at most: a process that appends without syncing (a bulk import) falls back to reading. */
const MAX_KEPT = 5000;

/** `types` null: events of every type. */
export function receiveAppends(ledger: Ledger, types: readonly EventType[] | null): ReceivedEvents {
  const wanted = types ? new Set<string>(types) : null;
  // Every wanted event with from < seq <= through is in `kept`; none seen yet while through < 0.
  let from = -1;
  let through = -1;
  let kept: LedgerEvent[] = [];
  ledger.onAppend((events) => {
    const first = events[0];
    const last = events.at(-1);
    if (!first || !last) return;
    if (through < 0 || first.seq !== through + 1) {
      from = first.seq - 1;
      kept = [];
    }
    through = last.seq;
    for (const e of events) if (!wanted || wanted.has(e.type)) kept.push(e);
    if (kept.length > MAX_KEPT) {
      kept = [];
      from = through;
    }
  });
  return {
    after(seq) {
      if (through < 0 || seq < from) return null;
      return { events: kept.filter((e) => e.seq > seq), through };
    },
    drop(seq) {
      if (through < 0) return;
      kept = kept.filter((e) => e.seq > seq);
      from = Math.max(from, Math.min(seq, through));
    },
  };
}
