import type { CallName, CallRequest, CallResponse } from '../../shared/contract.ts';
import { EVENT_NAMES } from '../../shared/contract.ts';
import { type GovernorBridge, IpcReply } from '../../shared/ipc.ts';
import {
  CallError,
  type Connection,
  checkRequest,
  checkResponse,
  createEventHub,
  createStateCell,
} from './connection.ts';

/** A bridge that threw instead of answering keeps its code as a `[code] ` prefix (errors lose fields across it). */
function codeOf(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  const m = /^\[([a-z_]+)\] /.exec(err instanceof Error ? err.message : String(err));
  return m?.[1] ?? 'ipc';
}

/**
 * The contract over the Electron preload bridge. The reply is read with the same envelope schema the main
 * process and the preload use (shared/ipc.ts). The main process validates too, but this side checks every
 * request, result and event again: the bridge is a boundary, and both ends guard their own. IPC has no
 * link to lose, so the state is always `connected`.
 */
export function createIpcTransport(bridge: GovernorBridge): Connection {
  const hub = createEventHub();
  const cell = createStateCell({ status: 'connected' });
  const unsubscribe = EVENT_NAMES.map((name) => bridge.on(name, (data) => hub.emit(name, data)));
  return {
    kind: 'ipc',
    state: cell.get,
    onState: cell.on,
    on: hub.on,
    async call<N extends CallName>(name: N, params: CallRequest<N>): Promise<CallResponse<N>> {
      const checked = checkRequest(name, params);
      let answer: unknown;
      try {
        answer = await bridge.call(name, checked);
      } catch (err) {
        // The bridge promises an answer, never a rejection; one that throws anyway is still an error with a code.
        throw new CallError(codeOf(err), err instanceof Error ? err.message : String(err), name);
      }
      const reply = IpcReply.safeParse(answer);
      if (!reply.success)
        throw new CallError('bad_response', `${name}: the desktop shell answered outside the IPC envelope`, name);
      if (!reply.data.ok) throw new CallError(reply.data.error.code, reply.data.error.message, name);
      return checkResponse(name, reply.data.result) as CallResponse<N>;
    },
    retryNow() {},
    close() {
      for (const off of unsubscribe) off();
    },
  };
}
