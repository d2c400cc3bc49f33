import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { CALL_NAMES, EVENT_NAMES } from '../shared/index.ts';
import { IPC_CHANNELS } from '../shared/ipc.ts';
import { bundle, requireCalls, staticImports } from '../scripts/prepare-electron.ts';
import { tempDir } from './support/tmp.ts';

interface Bridge {
  call(name: unknown, params?: unknown): Promise<unknown>;
  on(event: unknown, listener: unknown): () => void;
}

describe('the bundled preload, run as the sandbox runs it', () => {
  let preload = '';
  let main = '';
  beforeAll(async () => {
    const out = await bundle(tempDir('governor-bundle-'));
    preload = readFileSync(out.preload, 'utf8');
    main = readFileSync(out.main, 'utf8');
  });

  function load(reply: (payload: { name: string; params: unknown }) => unknown) {
    const exposed: Array<[string, unknown]> = [];
    const invokes: Array<[string, unknown]> = [];
    const subscriptions = new Map<string, (event: unknown, message: unknown) => void>();
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.push([key, api]) },
      ipcRenderer: {
        on: (channel: string, fn: (event: unknown, message: unknown) => void) => subscriptions.set(channel, fn),
        invoke: async (channel: string, payload: { name: string; params: unknown }) => {
          invokes.push([channel, payload]);
          return reply(payload);
        },
      },
    };
    const module = { exports: {} };
    const sandboxRequire = (name: string) => {
      if (name === 'electron') return electron;
      throw new Error(`a sandboxed preload cannot require ${name}`);
    };
    runInNewContext(preload, { require: sandboxRequire, module, exports: module.exports, console });
    const push = (message: unknown) => subscriptions.get(IPC_CHANNELS.event)?.({ sender: 'secret' }, message);
    return { exposed, invokes, push, subscriptions };
  }

  it('requires nothing but electron (a sandboxed preload can load nothing else)', () => {
    expect(requireCalls(preload)).toEqual(['electron']);
    expect(staticImports(preload)).toEqual([]);
  });

  it('the main bundle loads better-sqlite3 only through the Electron-ABI shim', () => {
    expect(staticImports(main)).toContain('electron');
    expect(staticImports(main)).not.toContain('better-sqlite3');
    expect(main).toMatch(/function setNativeBinding\(/);
    expect(main).toMatch(/nativeBinding: binding/);
  });

  it('exposes exactly one object, window.governor = { call, on }', () => {
    const { exposed, subscriptions } = load(() => ({ ok: true, result: null }));
    expect(exposed.map(([k]) => k)).toEqual(['governor']);
    const api = exposed[0]?.[1] as Record<string, unknown>;
    expect(Object.keys(api).sort()).toEqual(['call', 'on']);
    expect([...subscriptions.keys()]).toEqual([IPC_CHANNELS.event]);
  });

  it('call() sends contract calls down the one channel and hands the page the envelope main wrote', async () => {
    const answers: Record<string, unknown> = {
      'project.status': { ok: true, result: { name: 'backtester' } },
      'agents.list': { ok: true, result: [] },
      'reviews.get': { ok: false, error: { code: 'not_found', message: 'review review_9 not found' } },
    };
    const { exposed, invokes } = load(({ name }) => answers[name]);
    const api = exposed[0]?.[1] as Bridge;
    expect(await api.call('project.status', {})).toEqual({ ok: true, result: { name: 'backtester' } });
    const notFound = { ok: false, error: { code: 'not_found', message: 'review review_9 not found' } };
    expect(await api.call('reviews.get', { id: 'review_9' })).toEqual(notFound);
    // Params left out travel as {}, which every parameterless call accepts.
    expect(await api.call('agents.list')).toEqual({ ok: true, result: [] });
    expect(invokes).toEqual([
      [IPC_CHANNELS.call, { name: 'project.status', params: {} }],
      [IPC_CHANNELS.call, { name: 'reviews.get', params: { id: 'review_9' } }],
      [IPC_CHANNELS.call, { name: 'agents.list', params: {} }],
    ]);
  });

  it('call() refuses names outside the contract with a typed error, without touching IPC', async () => {
    const { exposed, invokes } = load(() => ({ ok: true, result: null }));
    const api = exposed[0]?.[1] as Bridge;
    for (const bad of ['shell.openExternal', 'governor:call', '__proto__', '', 42, null]) {
      expect(await api.call(bad, {})).toMatchObject({ ok: false, error: { code: 'unknown_call' } });
    }
    expect(invokes).toEqual([]);
    expect(CALL_NAMES.length).toBeGreaterThan(5);
  });

  it('call() turns an answer outside the envelope, or a failed invoke, into a typed error', async () => {
    const answers: Record<string, () => unknown> = {
      'project.status': () => ({ name: 'backtester' }),
      'agents.list': () => ({ ok: true, result: [], extra: 1 }),
      'reviews.list': () => {
        throw new Error("No handler registered for 'governor:call'");
      },
    };
    const { exposed } = load(({ name }) => answers[name]?.());
    const api = exposed[0]?.[1] as Bridge;
    expect(await api.call('project.status', {})).toMatchObject({ ok: false, error: { code: 'bad_response' } });
    expect(await api.call('agents.list', {})).toMatchObject({ ok: false, error: { code: 'bad_response' } });
    const unavailable = {
      ok: false,
      error: { code: 'ipc_unavailable', message: expect.stringContaining('No handler') },
    };
    expect(await api.call('reviews.list', {})).toMatchObject(unavailable);
  });

  it('on() delivers only contract events, only their data, and unsubscribes', () => {
    const { exposed, push } = load(() => ({ ok: true, result: null }));
    const api = exposed[0]?.[1] as Bridge;
    const got: unknown[][] = [];
    // Every argument the listener gets is recorded: the page must see the data alone, never the IPC event.
    const off = api.on('status.changed', (...args: unknown[]) => got.push(args));
    expect(() => api.on('will-navigate', () => {})).toThrow(/unknown_event/);
    expect(() => api.on('progress', 'not a function')).toThrow(/bad_listener/);
    push({ event: 'status.changed', data: { stage: 'plan' } });
    push({ event: 'progress', data: { kind: 'info', text: 'not subscribed' } });
    push({ event: 'evil.event', data: 1 });
    push('garbage');
    off();
    push({ event: 'status.changed', data: { stage: 'design' } });
    expect(got).toEqual([[{ stage: 'plan' }]]);
    expect(EVENT_NAMES).toContain('status.changed');
  });
});
