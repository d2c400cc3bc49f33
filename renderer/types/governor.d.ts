import type { GovernorBridge } from '../../shared/ipc.ts';

/**
 * What the Electron preload exposes through `contextBridge` as `window.governor`: the bridge declared with
 * the IPC envelope in shared/ipc.ts, so the preload and this side agree on it by construction. Payloads
 * cross the bridge untyped and are validated again on this side, because the renderer trusts nothing it
 * did not check.
 */
declare global {
  interface Window {
    governor?: GovernorBridge;
  }
}

export type { GovernorBridge };
