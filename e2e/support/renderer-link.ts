import type { CDPSession, Page } from 'playwright-core';
import type { FrameLike } from '../../electron/main/ipc.ts';
import type { BridgeNames } from './preload-in-page.ts';

/**
 * The wire between a stand-in window's page and the main process: up through a DevTools-protocol binding
 * (`Runtime.addBinding`, which tells us the calling execution context and so its frame), down through
 * `Runtime.callFunctionOn` in that context. It carries JSON text both ways, as the headless host's
 * WebSocket does. Playwright's own `exposeBinding` would do, but it takes about a second to hand back a
 * 100 kB reply (a timeline page) on a busy machine, and this harness must not be what the tests time.
 */

export interface RendererLink {
  /** The page's main frame as main sees it (Electron's `webContents.mainFrame`). */
  mainFrame(): FrameLike;
  /** Hand messages to the preload's listeners on `channel`, in the main frame. */
  push(channel: string, messages: unknown[]): Promise<void>;
  close(): Promise<void>;
}

/** Main's answer to one invoke: its handler's result, or the error it threw (as Electron rejects the invoke). */
export type InvokeHandler = (frame: FrameLike | null, channel: string, args: unknown[]) => Promise<unknown>;

interface FrameInfo {
  like: FrameLike;
  url: string;
}

type FrameTree = {
  frame: { id: string; parentId?: string; url: string; urlFragment?: string };
  childFrames?: FrameTree[];
};

export async function linkRenderer(
  page: Page,
  names: BridgeNames,
  onInvoke: InvokeHandler,
  onWindowOpen: (url: string) => void,
): Promise<RendererLink> {
  const cdp: CDPSession = await page.context().newCDPSession(page);
  // window.open() in the page, with the address it asked for, before any new window exists.
  cdp.on('Page.windowOpen', ({ url }) => onWindowOpen(url));
  await cdp.send('Page.enable');
  const contexts = new Map<number, { frameId: string; isDefault: boolean }>();
  cdp.on('Runtime.executionContextCreated', ({ context }) => {
    const aux = (context.auxData ?? {}) as { frameId?: string; isDefault?: boolean };
    if (aux.frameId) contexts.set(context.id, { frameId: aux.frameId, isDefault: aux.isDefault === true });
  });
  cdp.on('Runtime.executionContextDestroyed', ({ executionContextId }) => contexts.delete(executionContextId));
  cdp.on('Runtime.executionContextsCleared', () => contexts.clear());
  await cdp.send('Runtime.enable');
  await cdp.send('Runtime.addBinding', { name: names.invoke });
  const mainId = (await cdp.send('Page.getFrameTree')).frameTree.frame.id;

  // One FrameLike per frame for its whole life, so main's identity checks (processId, routingId) hold.
  const frames = new Map<string, FrameInfo>();
  let nextRoutingId = 1;
  const frameInfo = (id: string, parent: FrameLike | null, url: string): FrameInfo => {
    let info = frames.get(id);
    if (!info) {
      const routingId = nextRoutingId++;
      const entry: FrameInfo = {
        url,
        like: {
          get url() {
            // The main frame's address, hash and all, as Chromium has it now; a subframe's as last looked up.
            return id === mainId ? page.mainFrame().url() : entry.url;
          },
          parent,
          processId: 1,
          routingId,
        },
      };
      info = entry;
      frames.set(id, info);
    }
    info.url = url;
    return info;
  };
  frameInfo(mainId, null, page.mainFrame().url());

  /** The calling frame, looked up fresh: its parent chain and address as Chromium has them now. */
  async function frameOf(frameId: string): Promise<FrameLike | null> {
    const { frameTree } = await cdp.send('Page.getFrameTree');
    const walk = (t: FrameTree, parent: FrameLike | null): FrameLike | null => {
      const me = frameInfo(t.frame.id, parent, `${t.frame.url}${t.frame.urlFragment ?? ''}`).like;
      if (t.frame.id === frameId) return me;
      for (const child of t.childFrames ?? []) {
        const found = walk(child, me);
        if (found) return found;
      }
      return null;
    };
    return walk(frameTree, null);
  }

  const receive = `function (...args) { const r = globalThis[${JSON.stringify(names.receive)}]; if (r) r(...args); }`;
  const deliver = (executionContextId: number, args: unknown[]) =>
    cdp
      .send('Runtime.callFunctionOn', {
        functionDeclaration: receive,
        executionContextId,
        arguments: args.map((value) => ({ value })),
      })
      // A page that is reloading or closing misses what was sent meanwhile, as a real one would.
      .catch(() => {});

  cdp.on('Runtime.bindingCalled', ({ name, payload, executionContextId }) => {
    if (name !== names.invoke) return;
    void (async () => {
      let id: unknown = null;
      try {
        const call = JSON.parse(payload) as { id: unknown; channel: unknown; args: unknown };
        id = call.id;
        const ctx = contexts.get(executionContextId);
        const frame = ctx ? await frameOf(ctx.frameId) : null;
        const result = await onInvoke(frame, String(call.channel), Array.isArray(call.args) ? call.args : []);
        await deliver(executionContextId, ['reply', id, true, JSON.stringify(result) ?? 'null']);
      } catch (err) {
        await deliver(executionContextId, ['reply', id, false, err instanceof Error ? err.message : String(err)]);
      }
    })();
  });

  return {
    mainFrame: () => frameInfo(mainId, null, page.mainFrame().url()).like,
    async push(channel, messages) {
      const main = [...contexts].find(([, c]) => c.frameId === mainId && c.isDefault)?.[0];
      if (main !== undefined) await deliver(main, ['event', channel, JSON.stringify(messages)]);
    },
    close: () => cdp.detach().catch(() => {}),
  };
}
