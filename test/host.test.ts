import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initProject } from '../electron/core/project.ts';
import { type RunningHost, startHost } from '../electron/server/host/server.ts';
import { governorAsync } from './support/cli.ts';
import { tempDir } from './support/tmp.ts';

type Frame = {
  id?: number | null;
  ok?: boolean;
  result?: unknown;
  error?: { code: string; message: string };
  event?: string;
  data?: unknown;
};

function connect(
  host: RunningHost,
  opts: { token?: string; origin?: string; cli?: boolean } = {},
): Promise<{ ws: WebSocket; frames: Frame[] } | { status: number }> {
  const headers: Record<string, string> = {};
  if (opts.origin) headers.origin = opts.origin;
  if (opts.cli) headers['x-governor-client'] = 'cli';
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}/ws?token=${opts.token ?? host.token}`, { headers });
  const frames: Frame[] = [];
  ws.on('message', (raw) => frames.push(JSON.parse(raw.toString()) as Frame));
  return new Promise((resolve) => {
    ws.on('open', () => resolve({ ws, frames }));
    ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    ws.on('error', () => resolve({ status: -1 }));
  });
}

async function request(c: { ws: WebSocket; frames: Frame[] }, frame: unknown, id: number): Promise<Frame> {
  c.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  for (let i = 0; i < 200; i++) {
    const hit = c.frames.find((f) => f.id === id || (id < 0 && f.id === null));
    if (hit) return hit;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('no answer');
}

describe('headless host: the contract over WebSocket, behind a token and an Origin check', () => {
  let host: RunningHost;
  let dir: string;
  beforeAll(async () => {
    dir = join(tempDir(), 'hosted');
    await initProject(dir, { sample: true });
    host = await startHost({ dir, port: 0, rendererDir: join(tempDir(), 'no-renderer') });
  });
  afterAll(() => host?.close());

  it('answers contract calls from a client with the token', async () => {
    const c = await connect(host, { origin: `http://127.0.0.1:${host.port}` });
    if ('status' in c) throw new Error(`refused ${c.status}`);
    const status = await request(c, { id: 1, call: 'project.status', params: {} }, 1);
    expect(status).toMatchObject({
      ok: true,
      result: { name: 'build base backtester skeleton', stage: 'plan', pending_reviews: 0 },
    });
    expect(c.frames.some((f) => f.event === 'status.changed')).toBe(true);
    c.ws.close();
  });

  it('refuses a wrong token, a foreign Origin, and a page load without the token', async () => {
    expect(await connect(host, { token: 'wrong', origin: `http://127.0.0.1:${host.port}` })).toEqual({ status: 403 });
    expect(await connect(host, { origin: 'http://evil.example' })).toEqual({ status: 403 });
    expect(await connect(host, {})).toEqual({ status: 403 });
    const page = await fetch(`http://127.0.0.1:${host.port}/`);
    expect(page.status).toBe(401);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    const withToken = await fetch(`http://127.0.0.1:${host.port}/?token=${host.token}`);
    expect(withToken.status).toBe(503); // no renderer built in this test; the message says how to build it
    expect(await withToken.text()).toMatch(/npm run build:renderer/);
  });

  it('gives a malformed request a typed error and changes nothing', async () => {
    const c = await connect(host, { cli: true });
    if ('status' in c) throw new Error(`refused ${c.status}`);
    const before = host.project.ledger.count();
    expect(await request(c, 'not json at all', -1)).toMatchObject({ ok: false, error: { code: 'bad_frame' } });
    expect(
      await request(
        c,
        { id: 7, call: 'reviews.decide', params: { reviewId: 'review_0001', decision: 'maybe', comment: '' } },
        7,
      ),
    ).toMatchObject({
      ok: false,
      error: { code: 'invalid_input', message: expect.stringMatching(/reviews\.decide: decision/) },
    });
    expect(
      await request(
        c,
        { id: 8, call: 'reviews.decide', params: { reviewId: 'review_0099', decision: 'approve', comment: '' } },
        8,
      ),
    ).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(host.project.ledger.count()).toBe(before);
    c.ws.close();
  });

  it('runs the loop on request and pushes live events; a second terminal decides through the host', async () => {
    const c = await connect(host, { cli: true });
    if ('status' in c) throw new Error(`refused ${c.status}`);
    expect(await request(c, { id: 2, call: 'loop.run', params: {} }, 2)).toMatchObject({
      ok: true,
      result: { started: true },
    });
    for (let i = 0; i < 300 && host.project.read.pendingReviews().length === 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    for (
      let i = 0;
      i < 100 &&
      !c.frames.some((f) => f.event === 'status.changed' && (f.data as { stage?: string }).stage === 'plan_review');
      i++
    )
      await new Promise((r) => setTimeout(r, 20));
    expect(c.frames.some((f) => f.event === 'ledger.appended')).toBe(true);
    expect(c.frames.some((f) => f.event === 'progress')).toBe(true);
    expect(
      c.frames.some((f) => f.event === 'status.changed' && (f.data as { stage?: string }).stage === 'plan_review'),
    ).toBe(true);
    // `governor decide` in another process finds host.json and goes through the host's contract.
    const child = governorAsync(['decide', '1', 'approve', '--comment', 'from a second terminal', '--dir', dir]);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code, out).toBe(0);
    expect(out).toMatch(/through the running host/);
    expect(host.project.read.review('review_0001')?.decision).toMatchObject({
      decision: 'approve',
      source: 'cli',
      comment: 'from a second terminal',
    });
    c.ws.close();
  });

  it('refuses to bind beyond loopback unless asked', async () => {
    await expect(startHost({ dir, port: 0, host: '0.0.0.0' })).rejects.toThrow(/--allow-remote/);
  });
});
