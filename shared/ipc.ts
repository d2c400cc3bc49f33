import { z } from 'zod';
import { CALL_NAMES, type CallName, EVENT_NAMES, type EventName } from './contract.ts';

/**
 * The contract over Electron IPC, declared once: the two channels, what goes down `governor:call`, what
 * comes back, and what `governor:event` carries. The main process (electron/main/ipc.ts), the preload
 * bridge (electron/main/preload.ts) and the renderer's transport (renderer/transport/ipc.ts) all parse
 * with these schemas, so the two ends cannot drift apart: a reply one side writes is, by construction,
 * the reply the other side reads. (They once did drift: the preload unwrapped `result` while the
 * renderer expected the envelope, and every successful call was refused.)
 */

/** Everything the page asks for goes through CALL; everything pushed back through EVENT. There is no third channel. */
export const IPC_CHANNELS = { call: 'governor:call', event: 'governor:event' } as const;

const callName = z.enum(CALL_NAMES as [CallName, ...CallName[]]);
const eventName = z.enum(EVENT_NAMES as [EventName, ...EventName[]]);

/** What the preload sends down `governor:call`: a contract call's name and its (still unvalidated) params. */
export const IpcCall = z.object({ name: callName, params: z.unknown() }).strict();
export type IpcCall = z.infer<typeof IpcCall>;

export const IpcError = z.object({ code: z.string().min(1), message: z.string() }).strict();
export type IpcError = z.infer<typeof IpcError>;

/**
 * The answer to one call, from the main process through the preload to the page, unchanged. Errors travel
 * as data rather than as a rejection, because Electron flattens a thrown error to its message and the
 * engine's error code would be lost on the way.
 */
export const IpcReply = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), result: z.unknown() }).strict(),
  z.object({ ok: z.literal(false), error: IpcError }).strict(),
]);
export type IpcReply = z.infer<typeof IpcReply>;

/** One pushed contract event on `governor:event`; its data is checked against the event's schema by the renderer. */
export const IpcEvent = z.object({ event: eventName, data: z.unknown() }).strict();
export type IpcEvent = z.infer<typeof IpcEvent>;

export const ipcOk = (result: unknown): IpcReply => ({ ok: true, result });
export const ipcFail = (code: string, message: string): IpcReply => ({ ok: false, error: { code, message } });

/**
 * What the preload exposes to the page as `window.governor`, and nothing else: two verbs named by the
 * contract, no raw Electron API. `call` always resolves, with an `IpcReply` (a refusal is a reply too);
 * `on` throws for an event outside the contract.
 */
export interface GovernorBridge {
  call(name: CallName, params: unknown): Promise<IpcReply>;
  on(event: EventName, listener: (data: unknown) => void): () => void;
}
