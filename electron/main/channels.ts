/**
 * The two IPC channels between the preload bridge and the main process. Everything the renderer can ask
 * for goes through `CALL` (one handler that validates sender and payload against the contract), and
 * everything pushed back goes through `EVENT`; there is deliberately no third, generic channel.
 */
export const CALL_CHANNEL = 'governor:call';
export const EVENT_CHANNEL = 'governor:event';

/** What `governor:call` answers: errors travel as data, because Electron flattens thrown errors to text. */
export type CallEnvelope = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } };
