import { type CallName, type CallRequest, type CallResponse, ServerFrame } from '../../shared/contract.ts';
import {
  CallError,
  type Connection,
  checkRequest,
  checkResponse,
  createEventHub,
  createStateCell,
} from './connection.ts';

export interface WsOptions {
  url: string;
  /** First retry delay; each failure doubles it up to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** A call with no answer after this long is failed, so a button never spins forever. */
  callTimeoutMs?: number;
}

/** `ws(s)://<this host>/ws?token=…`, with the token the page itself was opened with. */
export function wsUrlFromLocation(loc: Pick<Location, 'protocol' | 'host' | 'search'>): string {
  const token = new URLSearchParams(loc.search).get('token') ?? '';
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}/ws?token=${encodeURIComponent(token)}`;
}

interface Pending {
  name: CallName;
  resolve: (result: unknown) => void;
  reject: (err: CallError) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * The contract over the headless host's WebSocket. Requests carry ids so answers may arrive in any
 * order; every frame is validated with the contract; a dropped link rejects what was in flight (the
 * engine may or may not have acted, and the pushed events will say which) and reconnects with backoff.
 */
export function createWsTransport(o: WsOptions): Connection {
  const initialDelay = o.initialDelayMs ?? 300;
  const maxDelay = o.maxDelayMs ?? 10_000;
  const callTimeout = o.callTimeoutMs ?? 30_000;
  const hub = createEventHub();
  const cell = createStateCell({ status: 'connecting', attempt: 0 });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let attempt = 0;
  let socket: WebSocket | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;

  const failAll = (reason: string) => {
    for (const [id, p] of pending) {
      clearTimeout(p.timer);
      p.reject(new CallError('disconnected', `${p.name}: ${reason}`, p.name));
      pending.delete(id);
    }
  };

  const onFrame = (text: string) => {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      console.warn('governor: the host sent a frame that is not JSON');
      return;
    }
    const frame = ServerFrame.safeParse(json);
    if (!frame.success) {
      console.warn('governor: the host sent a frame outside the contract', frame.error.issues[0]);
      return;
    }
    const f = frame.data;
    if ('event' in f) return hub.emit(f.event, f.data);
    if (f.id === null) {
      // Only a frame we could not have sent earns an unaddressed error: it is our bug, so say so loudly.
      if (!f.ok) console.error(`governor: the host refused a frame (${f.error.code}): ${f.error.message}`);
      return;
    }
    const p = pending.get(f.id);
    if (!p) return;
    pending.delete(f.id);
    clearTimeout(p.timer);
    if (!f.ok) return p.reject(new CallError(f.error.code, f.error.message, p.name));
    try {
      p.resolve(checkResponse(p.name, f.result));
    } catch (err) {
      p.reject(err instanceof CallError ? err : new CallError('bad_response', String(err), p.name));
    }
  };

  const scheduleRetry = (reason: string) => {
    if (closed) return;
    // Exponential backoff with jitter, so a restarted host is not hit by every tab at the same instant.
    const base = Math.min(maxDelay, initialDelay * 2 ** attempt);
    const delay = Math.round(base * (0.75 + Math.random() * 0.5));
    attempt += 1;
    cell.set({ status: 'disconnected', reason, attempt, retryAt: Date.now() + delay });
    retryTimer = setTimeout(open, delay);
  };

  function open() {
    retryTimer = null;
    if (closed) return;
    cell.set({ status: 'connecting', attempt });
    let ws: WebSocket;
    try {
      ws = new WebSocket(o.url);
    } catch (err) {
      scheduleRetry(err instanceof Error ? err.message : String(err));
      return;
    }
    socket = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      attempt = 0;
      cell.set({ status: 'connected' });
    };
    ws.onmessage = (e: MessageEvent) => {
      if (typeof e.data === 'string') onFrame(e.data);
    };
    ws.onclose = (e: CloseEvent) => {
      if (socket !== ws) return;
      socket = null;
      // A browser hides why a handshake failed (a wrong token and a stopped host look alike), so name both.
      const reason = opened
        ? `the link to the host dropped${e.reason ? `: ${e.reason}` : ''}`
        : 'the host did not accept the connection: `governor serve` may have stopped, or the token in the ' +
          'address may be out of date';
      failAll(reason);
      scheduleRetry(reason);
    };
  }

  open();

  return {
    kind: 'ws',
    state: cell.get,
    onState: cell.on,
    on: hub.on,
    call<N extends CallName>(name: N, params: CallRequest<N>): Promise<CallResponse<N>> {
      let checked: unknown;
      try {
        checked = checkRequest(name, params);
      } catch (err) {
        return Promise.reject(err);
      }
      const ws = socket;
      if (!ws || ws.readyState !== WebSocket.OPEN)
        return Promise.reject(
          new CallError(
            'disconnected',
            `${name}: not connected to the Governor host; it will be retried when the link is back`,
            name,
          ),
        );
      const id = nextId++;
      return new Promise<CallResponse<N>>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(
            new CallError('timeout', `${name}: no answer from the host in ${Math.round(callTimeout / 1000)} s`, name),
          );
        }, callTimeout);
        // checkResponse already validated the result against this call's schema before resolve sees it.
        pending.set(id, { name, resolve: (r) => resolve(r as CallResponse<N>), reject, timer });
        ws.send(JSON.stringify({ id, call: name, params: checked }));
      });
    },
    retryNow() {
      if (closed || socket) return;
      if (retryTimer) clearTimeout(retryTimer);
      attempt = 0;
      open();
    },
    close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      failAll('the transport was closed');
      socket?.close();
      socket = null;
    },
  };
}
