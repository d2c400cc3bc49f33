/**
 * No frame takes the host down: a frame over the limit, invalid UTF-8 and an unmasked frame each close the
 * offending socket with its code while the host goes on serving; the largest legitimate message (500,000
 * CJK characters of Settings text) fits. The HTTP side checks the Host header as the WebSocket checks Origin.
 */
import { request as httpRequest } from 'node:http';
import { connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initProject } from '../electron/core/project.ts';
import { wsMaxPayload } from '../electron/server/host/frame-limit.ts';
import { type RunningHost, startHost } from '../electron/server/host/server.ts';
import { tempDir } from './support/tmp.ts';

type Frame = { id?: number | null; ok?: boolean; result?: unknown; error?: { code: string; message: string } };

function open(host: RunningHost): Promise<{ ws: WebSocket; frames: Frame[]; closed: Promise<number> }> {
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}/ws?token=${host.token}`, {
    headers: { origin: `http://127.0.0.1:${host.port}` },
    maxPayload: 64 * 1024 * 1024,
  });
  const frames: Frame[] = [];
  ws.on('message', (raw) => frames.push(JSON.parse(raw.toString()) as Frame));
  ws.on('error', () => {});
  const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
  return new Promise((resolve, reject) => {
    ws.on('open', () => resolve({ ws, frames, closed }));
    ws.on('unexpected-response', (_q, res) => reject(new Error(`refused ${res.statusCode}`)));
  });
}

async function answer(c: { frames: Frame[] }, id: number): Promise<Frame> {
  for (let i = 0; i < 1000; i++) {
    const hit = c.frames.find((f) => f.id === id);
    if (hit) return hit;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('no answer');
}

/** The host still answers a contract call on a fresh socket. */
async function alive(host: RunningHost): Promise<void> {
  const c = await open(host);
  c.ws.send(JSON.stringify({ id: 7, call: 'project.status', params: {} }));
  expect(await answer(c, 7)).toMatchObject({ ok: true });
  c.ws.close();
}

/**
 * A raw WebSocket handshake on a TCP socket, then `frame` as written bytes; resolves with the close code the
 * host sent back (the first two payload bytes of its close frame).
 */
function rawFrame(host: RunningHost, frame: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = tcpConnect(host.port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let upgraded = false;
    sock.on('error', reject);
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        if (!buf.subarray(0, end).toString().startsWith('HTTP/1.1 101')) return reject(new Error(buf.toString()));
        upgraded = true;
        buf = buf.subarray(end + 4);
        sock.write(frame);
      }
      // Skip the server's first frames (status.changed) until a close frame (opcode 8).
      while (buf.length >= 2) {
        const op = (buf[0] ?? 0) & 0x0f;
        let len = (buf[1] ?? 0) & 0x7f;
        let off = 2;
        if (len === 126) [len, off] = [buf.readUInt16BE(2), 4];
        else if (len === 127) [len, off] = [Number(buf.readBigUInt64BE(2)), 10];
        if (buf.length < off + len) return;
        if (op === 8) {
          sock.destroy();
          return resolve(buf.readUInt16BE(off));
        }
        buf = buf.subarray(off + len);
      }
    });
    sock.write(
      `GET /ws?token=${host.token} HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nOrigin: http://127.0.0.1:${host.port}\r\n` +
        'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
  });
}

/** A client frame (masked unless told otherwise) carrying `payload` as text. */
function textFrame(payload: Buffer, masked = true): Buffer {
  const mask = Buffer.from([1, 2, 3, 4]);
  const head =
    payload.length < 126
      ? Buffer.from([0x81, (masked ? 0x80 : 0) | payload.length])
      : Buffer.from([0x81, (masked ? 0x80 : 0) | 126, payload.length >> 8, payload.length & 0xff]);
  const body = masked ? Buffer.from(payload.map((b, i) => b ^ (mask[i % 4] ?? 0))) : payload;
  return Buffer.concat([head, ...(masked ? [mask] : []), body]);
}

function get(host: RunningHost, hostHeader: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: host.port, path: `/?token=${host.token}`, headers: { host: hostHeader } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('the host survives any frame', () => {
  let host: RunningHost;
  beforeAll(async () => {
    const dir = join(tempDir(), 'hosted');
    await initProject(dir, { sample: true });
    host = await startHost({ dir, port: 0, rendererDir: join(tempDir(), 'no-renderer') });
  });
  afterAll(() => host?.close());

  it('takes a 500,000-character CJK Settings text (about 1.5 MB of UTF-8), the largest message the contract allows', async () => {
    const text = `# ${'漢'.repeat(499_990)}\n`;
    expect(text.length).toBeLessThanOrEqual(500_000);
    expect(
      Buffer.byteLength(JSON.stringify({ id: 1, call: 'config.validate', params: { file: 'agents.yaml', text } })),
    ).toBeGreaterThan(1024 * 1024);
    const c = await open(host);
    c.ws.send(JSON.stringify({ id: 1, call: 'config.validate', params: { file: 'agents.yaml', text } }));
    // An all-comment agents.yaml is empty: a clear issue, not a transport failure.
    expect(await answer(c, 1)).toMatchObject({ ok: true, result: { ok: false } });
    c.ws.close();
  });

  it('closes a frame over the limit with 1009 and serves on', async () => {
    const c = await open(host);
    c.ws.send(Buffer.alloc(wsMaxPayload() + 1, 0x61).toString());
    expect(await c.closed).toBe(1009);
    await alive(host);
  });

  it('closes invalid UTF-8 with 1007 and serves on', async () => {
    expect(await rawFrame(host, textFrame(Buffer.from([0x7b, 0xc3, 0x28, 0xff, 0x7d])))).toBe(1007);
    await alive(host);
  });

  it('closes an unmasked client frame with 1002 and serves on', async () => {
    expect(await rawFrame(host, textFrame(Buffer.from('{"id":1}'), false))).toBe(1002);
    await alive(host);
  });

  it('refuses a page load under a foreign Host header (DNS rebinding) with 421', async () => {
    expect(await get(host, 'evil.example')).toBe(421);
    expect(await get(host, `evil.example:${host.port}`)).toBe(421);
    // Under its own names the token decides (no UI is built here, hence 503 rather than 200).
    expect(await get(host, `127.0.0.1:${host.port}`)).toBe(503);
    expect(await get(host, `localhost:${host.port}`)).toBe(503);
  });

  it('derives the frame limit from the contract: six bytes for each of 500,000 characters, plus the envelope', () => {
    expect(wsMaxPayload()).toBeGreaterThanOrEqual(6 * 500_000);
    expect(wsMaxPayload()).toBeLessThan(4 * 1024 * 1024);
  });
});
