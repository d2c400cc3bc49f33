/**
 * The fake Discord gateway: plain JSON text frames (what discord.js 14.28.1 asks for by default:
 * `?v=10&encoding=json`, no `compress` unless the optional zlib-sync package is installed, which it is not).
 *
 * Protocol kept: HELLO (op 10) on connect; IDENTIFY (op 2) → READY then GUILD_CREATE; HEARTBEAT (op 1) →
 * ACK (op 11); RESUME (op 6) → missed events replayed in order, then RESUMED, or INVALID_SESSION (op 9,
 * d: false) for an unknown session; close codes 4001/4002/4003/4004/4005/4007/4012 as Discord uses them.
 * Sessions outlive their sockets, so events dispatched while the bot is disconnected are delivered on
 * RESUME, exactly what `dropGateway()` exercises. A client closing with 1000/1001 ends its session.
 */
import type { IncomingMessage } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { isObject } from './payloads.ts';
import type { DiscordState } from './state.ts';

/** Discord's usual interval; discord.js beats at a random fraction of it first, then at the interval. */
const HEARTBEAT_INTERVAL_MS = 41_250;

interface Session {
  id: string;
  seq: number;
  intents: number;
  /** every dispatch of this session, for replay on RESUME */
  events: { s: number; t: string; d: unknown }[];
  socket: WebSocket | null;
}

export class FakeGateway {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sessions = new Map<string, Session>();
  private readonly sockets = new Set<WebSocket>();
  private connections = 0;

  constructor(
    private readonly state: DiscordState,
    private readonly resumeUrl: () => string,
  ) {}

  get connectionCount(): number {
    return this.connections;
  }

  hasSession(): boolean {
    return this.sessions.size > 0;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!url.pathname.startsWith('/gateway')) {
      socket.destroy();
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, url.searchParams));
  }

  private onConnection(ws: WebSocket, query: URLSearchParams): void {
    this.sockets.add(ws);
    let session: Session | null = null;
    ws.on('close', (code) => {
      this.sockets.delete(ws);
      if (session && session.socket === ws) {
        session.socket = null;
        if (code === 1000 || code === 1001) this.sessions.delete(session.id);
      }
    });
    ws.on('error', () => undefined); // abrupt client disconnects are normal here
    if (query.get('v') !== null && query.get('v') !== '10') {
      ws.close(4012, 'Invalid API version.');
      return;
    }
    if ((query.get('encoding') ?? 'json') !== 'json') {
      ws.close(4002, 'Error while decoding payload.');
      return;
    }
    if (query.get('compress') !== null) {
      ws.close(4002, 'fake-discord: transport compression is not supported');
      return;
    }
    send(ws, {
      op: 10,
      d: { heartbeat_interval: HEARTBEAT_INTERVAL_MS, _trace: ['["fake-discord-gateway",{"micros":0}]'] },
      s: null,
      t: null,
    });

    ws.on('message', (raw, isBinary) => {
      let msg: unknown;
      try {
        msg = JSON.parse(isBinary ? Buffer.from(raw as Buffer).toString('utf8') : raw.toString());
      } catch {
        return ws.close(4002, 'Error while decoding payload.');
      }
      if (!isObject(msg) || typeof msg.op !== 'number') return ws.close(4002, 'Error while decoding payload.');
      const d = isObject(msg.d) ? msg.d : {};
      switch (msg.op) {
        case 1:
          return send(ws, { op: 11, d: null, s: null, t: null });
        case 2: {
          if (session) return ws.close(4005, 'Already authenticated.');
          if (d.token !== this.state.opts.token) return ws.close(4004, 'Authentication failed.');
          if (typeof d.intents !== 'number') return ws.close(4013, 'Invalid intent(s).');
          session = { id: randomBytes(16).toString('hex'), seq: 0, intents: d.intents, events: [], socket: ws };
          this.sessions.set(session.id, session);
          this.connections++;
          this.emit(session, 'READY', this.ready(session.id));
          this.emit(session, 'GUILD_CREATE', this.state.guildPayload());
          return;
        }
        case 6: {
          if (session) return ws.close(4005, 'Already authenticated.');
          if (d.token !== this.state.opts.token) return ws.close(4004, 'Authentication failed.');
          const known = this.sessions.get(typeof d.session_id === 'string' ? d.session_id : '');
          if (!known) return send(ws, { op: 9, d: false, s: null, t: null });
          const seq = typeof d.seq === 'number' ? d.seq : 0;
          if (seq > known.seq) return ws.close(4007, 'Invalid seq.');
          if (known.socket && known.socket !== ws) known.socket.terminate();
          session = known;
          known.socket = ws;
          this.connections++;
          for (const e of known.events.filter((e) => e.s > seq)) send(ws, { op: 0, ...e });
          this.emit(known, 'RESUMED', { _trace: ['["fake-discord-gateway",{"micros":0}]'] });
          return;
        }
        case 3: // presence update
        case 4: // voice state update
        case 8: // request guild members
          if (!session) return ws.close(4003, 'Not authenticated.');
          return;
        default:
          return ws.close(4001, 'Unknown opcode.');
      }
    });
  }

  private ready(sessionId: string): Record<string, unknown> {
    return {
      v: 10,
      user: { ...this.state.bot, verified: true, mfa_enabled: false },
      guilds: [{ id: this.state.guildId, unavailable: true }],
      session_id: sessionId,
      session_type: 'normal',
      resume_gateway_url: this.resumeUrl(),
      shard: [0, 1],
      application: { id: this.state.opts.applicationId, flags: 0 },
      private_channels: [],
      relationships: [],
      presences: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: [],
      user_settings: {},
      auth: {},
      _trace: ['["fake-discord-gateway",{"micros":0}]'],
    };
  }

  private emit(session: Session, t: string, d: unknown): void {
    const event = { s: ++session.seq, t, d };
    session.events.push(event);
    if (session.socket && session.socket.readyState === session.socket.OPEN) send(session.socket, { op: 0, ...event });
  }

  /** Sends an event to every session whose intents include `intent` (0: always, as for INTERACTION_CREATE). */
  dispatch(t: string, d: unknown, intent: number): void {
    for (const s of this.sessions.values()) if (intent === 0 || (s.intents & intent) !== 0) this.emit(s, t, d);
  }

  /** Cuts every bot connection without a close frame (the client sees 1006 and resumes). */
  drop(opts: { resumable: boolean }): void {
    for (const s of this.sessions.values()) {
      s.socket?.terminate();
      s.socket = null;
    }
    if (!opts.resumable) this.sessions.clear();
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    this.sessions.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

function send(ws: WebSocket, payload: unknown): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(payload));
}
