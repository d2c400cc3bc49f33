import { z } from 'zod';
import { CALL_NAMES, type CallName, EVENT_NAMES, type EventName } from '../../shared/index.ts';
import { type createApi, dispatch } from '../core/api.ts';
import { GovernorError, errorMessage } from '../core/errors.ts';
import { CALL_CHANNEL, type CallEnvelope, EVENT_CHANNEL } from './channels.ts';
import { isAllowedSender } from './security.ts';

/**
 * The main-process end of the contract over IPC: one handler for every call, derived from the contract,
 * and one push channel for its events. Electron objects are described structurally (the few members used),
 * so this module runs under plain Node in tests with fakes, and `main.ts` passes the real ipcMain and window.
 */

export interface FrameLike {
  readonly url: string;
  readonly parent: unknown;
  readonly processId: number;
  readonly routingId: number;
}

export interface InvokeEventLike {
  readonly sender: unknown;
  readonly senderFrame: FrameLike | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export interface WindowLike {
  isDestroyed(): boolean;
  readonly webContents: { readonly mainFrame: FrameLike; send(channel: string, payload: unknown): void };
}

export type Api = ReturnType<typeof createApi>;

/** The one payload `governor:call` accepts: a contract call name and its (still unvalidated) params. */
export const CallPayload = z.object({ name: z.enum(CALL_NAMES as [CallName, ...CallName[]]), params: z.unknown() }).strict();

/**
 * Why this invocation may not call in, or null when it may: it must come from our window's main frame
 * (same process and routing id, no parent), showing our own renderer's index.html from disk.
 */
export function senderProblem(event: InvokeEventLike, win: WindowLike | null, rendererIndexUrl: string): string | null {
  if (!win || win.isDestroyed()) return 'there is no Governor window';
  if (event.sender !== win.webContents) return 'the call did not come from the Governor window';
  const frame = event.senderFrame;
  if (!frame) return 'the calling frame is gone';
  const main = win.webContents.mainFrame;
  const isMain = frame.parent === null && frame.processId === main.processId && frame.routingId === main.routingId;
  if (!isAllowedSender(frame.url, isMain, rendererIndexUrl)) return `calls are only accepted from the main frame of ${rendererIndexUrl}`;
  return null;
}

export interface ContractIpcOptions {
  ipcMain: IpcMainLike;
  window: () => WindowLike | null;
  rendererIndexUrl: string;
  /** The engine's handlers, or null while no project is open. */
  api: () => Api | null;
  onRefused?: (reason: string, frameUrl: string) => void;
}

export interface ContractIpc {
  /** Push one contract event to the window (dropped when there is no window). */
  send(event: EventName, data: unknown): void;
  dispose(): void;
}

const fail = (code: string, message: string): CallEnvelope => ({ ok: false, error: { code, message } });

export function bindContractIpc(o: ContractIpcOptions): ContractIpc {
  const eventNames = new Set<string>(EVENT_NAMES);
  o.ipcMain.handle(CALL_CHANNEL, async (event, ...args): Promise<CallEnvelope> => {
    const problem = senderProblem(event, o.window(), o.rendererIndexUrl);
    if (problem) {
      o.onRefused?.(problem, event.senderFrame?.url ?? '');
      return fail('forbidden', problem);
    }
    const payload = CallPayload.safeParse(args[0]);
    if (args.length !== 1 || !payload.success) return fail('bad_request', 'governor:call takes one { name, params } object naming a contract call');
    const api = o.api();
    if (!api) return fail('no_project', 'no project is open yet');
    try {
      // dispatch validates params against the call's request schema and the result against its response schema.
      return { ok: true, result: await dispatch(api, payload.data.name, payload.data.params) };
    } catch (err) {
      return fail(err instanceof GovernorError ? err.code : 'internal', errorMessage(err));
    }
  });
  return {
    send(event, data) {
      if (!eventNames.has(event)) return;
      const win = o.window();
      if (win && !win.isDestroyed()) win.webContents.send(EVENT_CHANNEL, { event, data });
    },
    dispose() {
      o.ipcMain.removeHandler(CALL_CHANNEL);
    },
  };
}
