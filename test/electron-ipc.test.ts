import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoopRunner, createApi, createLoopRunner } from '../electron/core/api.ts';
import { type OpenedProject, openProject } from '../electron/core/host.ts';
import type { Notification } from '../electron/core/notify/notifications.ts';
import { initProject } from '../electron/core/project.ts';
import { IPC_CHANNELS, type IpcReply } from '../shared/ipc.ts';
import { type EventPump, createEventPump } from '../electron/main/events.ts';
import {
  type Api,
  type FrameLike,
  type InvokeEventLike,
  type IpcMainLike,
  type WindowLike,
  bindContractIpc,
} from '../electron/main/ipc.ts';
import { nativeNotices } from '../electron/main/notification-logic.ts';
import { rendererIndexUrl } from '../electron/main/security.ts';
import { tempDir } from './support/tmp.ts';

const rendererDir = '/opt/Governor/resources/app.asar/dist/renderer';
const index = rendererIndexUrl(rendererDir);

/** A window as far as ipc.ts can see one: its main frame, and what was sent to it. */
function fakeWindow(url = `${index}#/dashboard`) {
  const mainFrame: FrameLike = { url, parent: null, processId: 4, routingId: 1 };
  const sent: Array<{ channel: string; payload: unknown }> = [];
  const win: WindowLike & { destroyed: boolean } = {
    destroyed: false,
    isDestroyed: () => win.destroyed,
    webContents: { mainFrame, send: (channel, payload) => sent.push({ channel, payload }) },
  };
  return { win, mainFrame, sent };
}

function fakeIpcMain() {
  const handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>>();
  const ipcMain: IpcMainLike = {
    handle: (channel, fn) => void handlers.set(channel, fn),
    removeHandler: (channel) => void handlers.delete(channel),
  };
  return { ipcMain, handlers };
}

describe('IPC: the contract over governor:call, with sender and payload checked', () => {
  let p: OpenedProject;
  let loop: LoopRunner;
  let api: Api;
  let pump: EventPump;
  const batches: Notification[][] = [];
  const dropped: string[] = [];
  const w = fakeWindow();
  const { ipcMain, handlers } = fakeIpcMain();
  let ipc: ReturnType<typeof bindContractIpc>;
  const call = (args: unknown[], event: InvokeEventLike = { sender: w.win.webContents, senderFrame: w.mainFrame }) => {
    const h = handlers.get(IPC_CHANNELS.call);
    if (!h) throw new Error('no handler');
    return h(event, ...args) as Promise<IpcReply>;
  };

  beforeAll(async () => {
    const dir = join(tempDir(), 'desk');
    await initProject(dir, { sample: true });
    const onDropped = (r: string) => void dropped.push(r);
    ipc = bindContractIpc({ ipcMain, window: () => w.win, rendererIndexUrl: index, api: () => api ?? null, onDropped });
    pump = createEventPump({ send: (e, d) => ipc.send(e, d), onNotifications: (b) => batches.push(b), debounceMs: 5 });
    p = await openProject(dir, { progress: (x) => pump.progress(x) });
    loop = createLoopRunner(p, () => pump.statusChanged());
    api = createApi(p, loop, { user: 'Human', source: 'ui' });
    pump.attach(p, loop);
  });
  afterAll(async () => {
    pump?.close();
    await loop?.idle();
    p?.close();
  });

  it('registers exactly one handler, on governor:call', () => {
    expect([...handlers.keys()]).toEqual([IPC_CHANNELS.call]);
  });

  it('answers a contract call from our window, validated by the contract', async () => {
    const r = await call([{ name: 'project.status', params: {} }]);
    expect(r).toMatchObject({
      ok: true,
      result: { name: 'build base backtester skeleton', stage: 'plan', pending_reviews: 0 },
    });
    expect(await call([{ name: 'reviews.list', params: {} }])).toEqual({
      ok: true,
      result: { items: [], next: null, totals: { pending: 0, decided: 0 } },
    });
  });

  it('passes the engine error code on', async () => {
    expect(await call([{ name: 'reviews.get', params: { id: 'review_9999' } }])).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(await call([{ name: 'reviews.list', params: { open: 'someday' } }])).toMatchObject({
      ok: false,
      error: { code: 'invalid_input' },
    });
    expect(await call([{ name: 'project.status', params: { extra: 1 } }])).toMatchObject({
      ok: false,
      error: { code: 'invalid_input' },
    });
  });

  it('refuses payloads that are not one contract call', async () => {
    for (const args of [
      [{ name: 'shell.openExternal', params: {} }],
      [{ name: 'project.status', params: {}, extra: 1 }],
      ['project.status'],
      [],
      [{ name: 'project.status', params: {} }, 'second'],
    ]) {
      expect(await call(args)).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    }
  });

  it('refuses subframes, other pages, other windows and a destroyed window', async () => {
    const msg = [{ name: 'project.status', params: {} }];
    const iframe: FrameLike = { url: index, parent: w.mainFrame, processId: 4, routingId: 7 };
    expect(await call(msg, { sender: w.win.webContents, senderFrame: iframe })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    const navigated: FrameLike = { ...w.mainFrame, url: 'https://evil.example/' };
    expect(await call(msg, { sender: w.win.webContents, senderFrame: navigated })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    const otherFile: FrameLike = { ...w.mainFrame, url: 'file:///tmp/index.html' };
    expect(await call(msg, { sender: w.win.webContents, senderFrame: otherFile })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    const stranger = fakeWindow();
    expect(await call(msg, { sender: stranger.win.webContents, senderFrame: stranger.mainFrame })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(await call(msg, { sender: w.win.webContents, senderFrame: null })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    w.win.destroyed = true;
    expect(await call(msg)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    w.win.destroyed = false;
  });

  it('pushes ledger and status events to the window as the engine moves', async () => {
    w.sent.length = 0;
    const r = await call([{ name: 'commands.run', params: { text: '/pause all' } }]);
    expect(r).toMatchObject({ ok: true, result: { ok: true } });
    await new Promise((res) => setTimeout(res, 50));
    const events = w.sent.map((s) => (s.payload as { event: string }).event);
    expect(w.sent.every((s) => s.channel === IPC_CHANNELS.event)).toBe(true);
    expect(events).toContain('ledger.appended');
    expect(events).toContain('status.changed');
    const appended = w.sent.find((s) => (s.payload as { event: string }).event === 'ledger.appended')?.payload as {
      data: { events: Array<{ type: string }> };
    };
    expect(appended.data.events.length).toBeGreaterThan(0);
    expect(appended.data.events[0]).not.toHaveProperty('payload');
    await call([{ name: 'commands.run', params: { text: '/resume all' } }]);
  });

  it('a review request from the loop becomes a native notification that opens the review', async () => {
    // `/resume all` above already started the loop (a successful command does); let it settle, then ask again.
    await loop.idle();
    expect(await call([{ name: 'loop.run', params: {} }])).toMatchObject({ ok: true, result: { started: true } });
    await loop.idle();
    const review = p.read.pendingReviews().find((x) => x.kind === 'plan');
    expect(review).toBeDefined();
    const notices = nativeNotices(batches.flat(), new Set());
    expect(notices).toContainEqual(expect.objectContaining({ route: `#/reviews/${review?.id}`, urgency: 'normal' }));
    expect(w.sent.some((s) => (s.payload as { event: string }).event === 'progress')).toBe(true);
  });

  it('does not push to a window that is gone, and drops events outside the contract', () => {
    w.sent.length = 0;
    w.win.destroyed = true;
    ipc.send('progress', { kind: 'info', text: 'x' });
    w.win.destroyed = false;
    ipc.send('made.up' as 'progress', {});
    ipc.send('progress', { kind: 'not a kind', text: 42 });
    expect(w.sent).toEqual([]);
    expect(dropped).toHaveLength(2);
    expect(dropped[0]).toMatch(/"made\.up" is not an event of the contract/);
    ipc.send('progress', { kind: 'info', text: 'x' });
    const progress = { event: 'progress', data: { kind: 'info', text: 'x' } };
    expect(w.sent).toEqual([{ channel: IPC_CHANNELS.event, payload: progress }]);
  });

  it('says so when no project is open', async () => {
    const other = fakeIpcMain();
    const win = fakeWindow();
    bindContractIpc({ ipcMain: other.ipcMain, window: () => win.win, rendererIndexUrl: index, api: () => null });
    const h = other.handlers.get(IPC_CHANNELS.call);
    expect(
      await h?.({ sender: win.win.webContents, senderFrame: win.mainFrame }, { name: 'project.status', params: {} }),
    ).toMatchObject({ ok: false, error: { code: 'no_project' } });
  });

  it('dispose removes the handler', () => {
    const other = fakeIpcMain();
    const b = bindContractIpc({ ipcMain: other.ipcMain, window: () => null, rendererIndexUrl: index, api: () => null });
    b.dispose();
    expect(other.handlers.size).toBe(0);
  });
});
