/**
 * Named points between two effects (a run file written, a process started, a ref moved) where a stepped kill
 * test ends the process, to prove each crash window is closed. Production never installs a hook, and a call
 * costs one null check. Ledger commits are steps too; the tests hook those through `ledger.onAppend`.
 * See test/support/stepped-kill.ts.
 */
type Hook = (label: string) => void;
let hook: Hook | null = null;

export function setStepHook(fn: Hook | null): void {
  hook = fn;
}

export function stepPoint(label: string): void {
  hook?.(label);
}
