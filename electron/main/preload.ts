import { contextBridge, ipcRenderer } from 'electron';
import { CALL_NAMES, EVENT_NAMES } from '../../shared/contract.ts';
import { CALL_CHANNEL, type CallEnvelope, EVENT_CHANNEL } from './channels.ts';

/**
 * The preload bridge: the page gets `window.governor` with two verbs named by the contract, and nothing
 * else. No ipcRenderer, no channel names, no Node. It runs sandboxed, so `scripts/prepare-electron.ts`
 * bundles it (with the contract's names) into one CommonJS file that only requires 'electron'.
 */

const calls = new Set<string>(CALL_NAMES);
const events = new Set<string>(EVENT_NAMES);
const listeners = new Map<string, Set<(data: unknown) => void>>();

// One subscription for all events; the page's listeners never see the IPC event object (it carries `sender`).
ipcRenderer.on(EVENT_CHANNEL, (_event, message: unknown) => {
  if (typeof message !== 'object' || message === null) return;
  const { event, data } = message as { event?: unknown; data?: unknown };
  if (typeof event !== 'string' || !events.has(event)) return;
  for (const listener of listeners.get(event) ?? []) {
    try {
      listener(data);
    } catch (err) {
      console.error(`governor: a "${event}" listener threw`, err);
    }
  }
});

/**
 * Errors cross contextBridge as their message only (custom properties such as `code` are dropped), so the
 * engine's error code rides in front of the message as `[code] `; the renderer's transport reads it back.
 */
function callError(code: string, message: string): Error {
  return Object.assign(new Error(`[${code}] ${message}`), { code });
}

contextBridge.exposeInMainWorld('governor', {
  async call(name: unknown, params: unknown): Promise<unknown> {
    if (typeof name !== 'string' || !calls.has(name)) throw callError('unknown_call', `"${String(name)}" is not a call of the Governor contract`);
    const reply = (await ipcRenderer.invoke(CALL_CHANNEL, { name, params: params ?? {} })) as CallEnvelope;
    if (reply.ok) return reply.result;
    throw callError(reply.error.code, reply.error.message);
  },
  on(event: unknown, listener: unknown): () => void {
    if (typeof event !== 'string' || !events.has(event)) throw callError('unknown_event', `"${String(event)}" is not an event of the Governor contract`);
    if (typeof listener !== 'function') throw callError('bad_listener', 'on(event, listener) needs a function');
    const set = listeners.get(event) ?? new Set<(data: unknown) => void>();
    listeners.set(event, set);
    const fn = listener as (data: unknown) => void;
    set.add(fn);
    return () => {
      set.delete(fn);
    };
  },
});
