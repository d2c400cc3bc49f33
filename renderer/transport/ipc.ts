import { z } from 'zod';
import type { CallName, CallRequest, CallResponse } from '../../shared/contract.ts';
import { EVENT_NAMES } from '../../shared/contract.ts';
import type { GovernorBridge } from '../types/governor.d.ts';
import { CallError, type Connection, checkRequest, checkResponse, createEventHub, createStateCell } from './connection.ts';

/** The main process's answer to `governor:call` (electron/main/channels.ts has the same shape). */
const Envelope = z.union([z.object({ ok: z.literal(true), result: z.unknown() }), z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) })]);

/** Electron drops an error's fields across the bridge; the preload keeps the code as a `[code] ` prefix. */
function codeOf(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  const m = /^\[([a-z_]+)\] /.exec(err instanceof Error ? err.message : String(err));
  return m?.[1] ?? 'ipc';
}

/**
 * The contract over the Electron preload bridge. The main process validates too, but this side checks
 * every request, result and event again: the bridge is a boundary, and both ends guard their own.
 * IPC has no link to lose, so the state is always `connected`.
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
        // The bridge itself failed (the main process has no handler, say): still an error with a code.
        throw new CallError(codeOf(err), err instanceof Error ? err.message : String(err), name);
      }
      const envelope = Envelope.safeParse(answer);
      if (!envelope.success) throw new CallError('bad_response', `${name}: the desktop shell answered outside the call envelope`, name);
      if (!envelope.data.ok) throw new CallError(envelope.data.error.code, envelope.data.error.message, name);
      return checkResponse(name, envelope.data.result) as CallResponse<N>;
    },
    retryNow() {},
    close() {
      for (const off of unsubscribe) off();
    },
  };
}
