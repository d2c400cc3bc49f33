/**
 * The child side of a stepped kill test (see stepped-kill.ts): counts steps, appends each label to the trace
 * file, and SIGKILLs the process right after step GOVERNOR_STEP_KILL_AT. Synchronous on purpose: the kill
 * lands before anything else runs, exactly at the boundary.
 */
import { appendFileSync } from 'node:fs';
import { setStepHook } from '../../electron/core/crash-points.ts';
import type { Ledger } from '../../electron/core/store/ledger.ts';
import { STEP_KILL_AT, STEP_TRACE } from './stepped-kill.ts';

export interface Stepper {
  step(label: string): void;
  /** Every commit of this ledger is a step, labelled with the event types it carried. */
  watchLedger(ledger: Ledger): void;
}

export function installStepper(): Stepper {
  const killAt = Number(process.env[STEP_KILL_AT] ?? 0);
  const trace = process.env[STEP_TRACE];
  let n = 0;
  const step = (label: string) => {
    n += 1;
    if (trace) appendFileSync(trace, `${label}\n`);
    if (n === killAt) process.kill(process.pid, 'SIGKILL');
  };
  setStepHook(step);
  return {
    step,
    watchLedger(ledger) {
      ledger.onAppend((events) => step(events.map((e) => e.type).join(',')));
    },
  };
}
