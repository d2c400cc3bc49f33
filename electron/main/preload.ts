import { contextBridge, ipcRenderer } from 'electron';
import { CALL_NAMES, EVENT_NAMES } from '../../shared/contract.ts';
import {
  type GovernorBridge,
  IPC_CHANNELS,
  IpcEvent,
  type IpcReply,
  IpcReply as Reply,
  ipcFail,
} from '../../shared/ipc.ts';

/**
 * The preload bridge: the page gets `window.governor` with two verbs named by the contract, and nothing
 * else. No ipcRenderer, no channel names, no Node. It runs sandboxed, so `scripts/prepare-electron.ts`
 * bundles it (with the contract's names and the IPC envelope) into one CommonJS file that only requires
 * 'electron'. Replies pass to the page as the envelope the main process wrote, checked with the same
 * schema the renderer's transport reads them with (shared/ipc.ts).
 */

const calls = new Set<string>(CALL_NAMES);
const events = new Set<string>(EVENT_NAMES);
const listeners = new Map<string, Set<(data: unknown) => void>>();

// One subscription for all events; the page's listeners never see the IPC event object (it carries `sender`).
ipcRenderer.on(IPC_CHANNELS.event, (_event, message: unknown) => {
  const parsed = IpcEvent.safeParse(message);
  if (!parsed.success) {
    console.warn('governor: dropped a pushed message outside the IPC envelope');
    return;
  }
  const { event, data } = parsed.data;
  for (const listener of listeners.get(event) ?? []) {
    try {
      listener(data);
    } catch (err) {
      console.error(`governor: a "${event}" listener threw`, err);
    }
  }
});

/**
 * A synchronous refusal (on() must throw); the code rides in front of the message, since an error loses its
 * other fields across the bridge.
 */
function refusal(code: string, message: string): Error {
  return Object.assign(new Error(`[${code}] ${message}`), { code });
}

// The object literal is the whole API the page gets; `satisfies` ties it to the declared bridge.
contextBridge.exposeInMainWorld('governor', {
  async call(name: unknown, params: unknown): Promise<IpcReply> {
    if (typeof name !== 'string' || !calls.has(name))
      return ipcFail('unknown_call', `"${String(name)}" is not a call of the Governor contract`);
    let reply: unknown;
    try {
      reply = await ipcRenderer.invoke(IPC_CHANNELS.call, { name, params: params ?? {} });
    } catch (err) {
      // No handler in the main process (it is starting, or quitting): still an answer with a code.
      return ipcFail('ipc_unavailable', err instanceof Error ? err.message : String(err));
    }
    const parsed = Reply.safeParse(reply);
    return parsed.success
      ? parsed.data
      : ipcFail('bad_response', `${name}: the main process answered outside the IPC envelope`);
  },
  on(event: unknown, listener: unknown): () => void {
    if (typeof event !== 'string' || !events.has(event))
      throw refusal('unknown_event', `"${String(event)}" is not an event of the Governor contract`);
    if (typeof listener !== 'function') throw refusal('bad_listener', 'on(event, listener) needs a function');
    const set = listeners.get(event) ?? new Set<(data: unknown) => void>();
    listeners.set(event, set);
    const fn = listener as (data: unknown) => void;
    set.add(fn);
    return () => {
      set.delete(fn);
    };
  },
} satisfies GovernorBridge);
