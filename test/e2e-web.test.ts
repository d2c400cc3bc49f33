import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ServerFrame } from '../shared/contract.ts';
import type { RunningHost } from '../electron/server/host/server.ts';
import { uiTransports } from '../e2e/targets/target.ts';
import { sampleHost } from '../e2e/targets/web.ts';

/**
 * The headless host's boundary, probed the way an attacker would: its token, its Origin check, and
 * malformed contract frames. (The UI stories run on it in e2e-ui.test.ts; the desktop app's IPC boundary
 * is probed in e2e-desktop.test.ts.)
 */

type Frame = ReturnType<typeof ServerFrame.parse>;

/** A contract client for the probes: every frame it receives must itself be a valid ServerFrame. */
function openSocket(
  url: string,
  origin: string,
): Promise<{ ws: WebSocket; next(pred: (f: Frame) => boolean): Promise<Frame> }> {
  const frames: Frame[] = [];
  const waiters: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  const ws = new WebSocket(url, { headers: { origin } });
  ws.on('message', (raw) => {
    const f = ServerFrame.parse(JSON.parse(String(raw)));
    const w = waiters.find((x) => x.pred(f));
    if (w) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(f);
    } else frames.push(f);
  });
  const next = (pred: (f: Frame) => boolean) =>
    new Promise<Frame>((resolve) => {
      const i = frames.findIndex(pred);
      if (i >= 0) resolve(frames.splice(i, 1)[0] as Frame);
      else waiters.push({ pred, resolve });
    });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, next }));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused with HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** How the host answers an upgrade it should refuse: the HTTP status of the failed handshake. */
function refusal(url: string, origin: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { origin } });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => {
      ws.close();
      reject(new Error('the host accepted a connection it should have refused'));
    });
    ws.once('error', () => resolve(-1));
  });
}

// The web transport's own probes: skipped when only other transports are asked for (npm run e2e:electron).
describe.skipIf(!uiTransports().includes('web'))('the headless host boundary', () => {
  let host: RunningHost;
  let dispose: () => Promise<void>;
  let origin: string;
  let wsUrl: (token: string) => string;

  beforeAll(async () => {
    ({ host, dispose } = await sampleHost());
    origin = `http://127.0.0.1:${host.port}`;
    wsUrl = (token) => `ws://127.0.0.1:${host.port}/ws?token=${encodeURIComponent(token)}`;
  });
  afterAll(async () => {
    await dispose?.();
  });

  it('serves the page only with its token: 401 without it or with a wrong one', async () => {
    const ok = await fetch(host.url);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('<div id="root">');
    for (const url of [
      `${origin}/`,
      `${origin}/?token=`,
      `${origin}/?token=${host.token}x`,
      `${origin}/index.html?token=nope`,
    ]) {
      const res = await fetch(url);
      expect(res.status, url).toBe(401);
      expect(await res.text()).toMatch(/needs its token/);
    }
  });

  it('refuses a WebSocket with a wrong or missing token', async () => {
    expect(await refusal(wsUrl(`${host.token}x`), origin)).toBe(403);
    expect(await refusal(wsUrl(''), origin)).toBe(403);
  });

  it('refuses a WebSocket from a foreign Origin, even with the right token', async () => {
    expect(await refusal(wsUrl(host.token), 'http://evil.example')).toBe(403);
    expect(await refusal(wsUrl(host.token), `http://127.0.0.1:${host.port + 1}`)).toBe(403);
    // The same token from the host's own origin is let in and greeted with the status: the refusals above are about origin.
    const { ws, next } = await openSocket(wsUrl(host.token), origin);
    const first = await next(() => true);
    expect('event' in first && first.event).toBe('status.changed');
    ws.close();
  });

  it('answers malformed contract requests with typed error frames and changes nothing', async () => {
    const { ws, next } = await openSocket(wsUrl(host.token), origin);
    await next((f) => 'event' in f && f.event === 'status.changed');
    const count = host.project.ledger.count();
    const pendingBefore = host.project.read.pendingReviews().length;

    ws.send('{ this is not json');
    const notJson = await next((f) => 'ok' in f && f.id === null);
    expect(notJson).toMatchObject({ ok: false, error: { code: 'bad_frame' } });

    ws.send(JSON.stringify({ id: 1, call: 'ledger.drop', params: {} }));
    expect(await next((f) => 'ok' in f && f.id === null)).toMatchObject({ ok: false, error: { code: 'bad_frame' } });

    ws.send(
      JSON.stringify({
        id: 2,
        call: 'reviews.decide',
        params: { reviewId: 'R-001', decision: 'approve_quietly', comment: '' },
      }),
    );
    const badDecision = await next((f) => 'id' in f && f.id === 2);
    expect(badDecision).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect('error' in badDecision && badDecision.error.message).toMatch(/decision/);

    ws.send(
      JSON.stringify({ id: 3, call: 'concerns.act', params: { concernId: 'C-001', action: 'resolve', sudo: true } }),
    );
    expect(await next((f) => 'id' in f && f.id === 3)).toMatchObject({ ok: false, error: { code: 'invalid_input' } });

    // The socket is still good for honest calls, and the ledger has not moved.
    ws.send(JSON.stringify({ id: 4, call: 'project.status', params: {} }));
    const status = await next((f) => 'id' in f && f.id === 4);
    expect(status).toMatchObject({ ok: true, result: { last_seq: count } });
    expect(host.project.ledger.count()).toBe(count);
    expect(host.project.read.pendingReviews()).toHaveLength(pendingBefore);
    ws.close();
  });
});
