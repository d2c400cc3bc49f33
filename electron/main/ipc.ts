import { type EventName, contract } from '../../shared/index.ts';
import { IPC_CHANNELS, IpcCall, IpcEvent, type IpcReply, ipcFail, ipcOk } from '../../shared/ipc.ts';
import { type createApi, dispatch } from '../core/api.ts';
import { GovernorError, errorMessage } from '../core/errors.ts';
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
  if (!isAllowedSender(frame.url, isMain, rendererIndexUrl))
    return `calls are only accepted from the main frame of ${rendererIndexUrl}`;
  return null;
}

export interface ContractIpcOptions {
  ipcMain: IpcMainLike;
  window: () => WindowLike | null;
  rendererIndexUrl: string;
  /** The engine's handlers, or null while no project is open. */
  api: () => Api | null;
  onRefused?: (reason: string, frameUrl: string) => void;
  /** An event main tried to push outside the contract (dropped). */
  onDropped?: (reason: string) => void;
}

export interface ContractIpc {
  /**
   * Push one contract event to the window. An event outside the contract (a name it does not have, data
   * its schema refuses) is our bug: it is reported through `onDropped` and never reaches the page.
   */
  send(event: EventName, data: unknown): void;
  dispose(): void;
}

export function bindContractIpc(o: ContractIpcOptions): ContractIpc {
  o.ipcMain.handle(IPC_CHANNELS.call, async (event, ...args): Promise<IpcReply> => {
    const problem = senderProblem(event, o.window(), o.rendererIndexUrl);
    if (problem) {
      o.onRefused?.(problem, event.senderFrame?.url ?? '');
      return ipcFail('forbidden', problem);
    }
    const payload = IpcCall.safeParse(args[0]);
    if (args.length !== 1 || !payload.success) {
      return ipcFail('bad_request', `${IPC_CHANNELS.call} takes one { name, params } object naming a contract call`);
    }
    const api = o.api();
    if (!api) return ipcFail('no_project', 'no project is open yet');
    try {
      // dispatch validates params against the call's request schema and the result against its response schema.
      return ipcOk(await dispatch(api, payload.data.name, payload.data.params));
    } catch (err) {
      return ipcFail(err instanceof GovernorError ? err.code : 'internal', errorMessage(err));
    }
  });
  return {
    send(event, data) {
      const message = IpcEvent.safeParse({ event, data });
      const checked = message.success ? contract.events[message.data.event].safeParse(data) : null;
      if (!message.success || !checked?.success) {
        o.onDropped?.(`"${String(event)}" is not an event of the contract, or its data does not fit it`);
        return;
      }
      const win = o.window();
      if (!win || win.isDestroyed()) return;
      win.webContents.send(IPC_CHANNELS.event, { event: message.data.event, data: checked.data });
    },
    dispose() {
      o.ipcMain.removeHandler(IPC_CHANNELS.call);
    },
  };
}
