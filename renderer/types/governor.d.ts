import type { CallName, EventName } from '../../shared/contract.ts';

/**
 * What the Electron preload exposes through `contextBridge` as `window.governor`. It is deliberately this
 * small: two verbs named by the contract, and no raw Electron API. Payloads cross the bridge untyped and
 * are validated again on this side, because the renderer trusts nothing it did not check.
 */
export interface GovernorBridge {
  /**
   * Resolves with an envelope, `{ ok: true, result }` or `{ ok: false, error: { code, message } }`: errors
   * travel as data because Electron flattens a thrown error to its text and the code would be lost.
   */
  call(name: CallName, params: unknown): Promise<unknown>;
  /** Subscribes to one pushed contract event; returns the unsubscribe function. */
  on(event: EventName, listener: (data: unknown) => void): () => void;
}

declare global {
  interface Window {
    governor?: GovernorBridge;
  }
}
