import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, watch } from 'node:fs';
import { chmod, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { type CallName, ClientFrame, type EventData, type EventName } from '../../../shared/index.ts';
import { createApi, createLoopRunner, dispatch, statusSnapshot } from '../../core/api.ts';
import {
  type ProjectSlot,
  type ProjectSwitcher,
  createProjectSwitcher,
  switcherLater,
  hostFileOf,
} from '../../core/projects.ts';
import { writeFileAtomic } from '../../core/artifacts/atomic.ts';
import { GovernorError, errorMessage } from '../../core/errors.ts';
import { type OpenedProject, openProject } from '../../core/host.ts';
import { governorHome } from '../../core/recent.ts';
import { hostKeyStore, hostKeysFile } from '../../core/secrets/key-store.ts';
import type { BridgeStart } from '../../core/discord/bridge.ts';
import type { Progress } from '../../core/workflow/engine.ts';
import { BUILD_UI_COMMAND, defaultUiDir, uiMissingError } from './ui-build.ts';
import { wsMaxPayload } from './frame-limit.ts';

export interface HostOptions {
  dir: string;
  port?: number;
  host?: string;
  /** Binding beyond loopback exposes the project to the network: it must be asked for explicitly. */
  allowRemote?: boolean;
  rendererDir?: string;
  token?: string;
  onProgress?: (p: Progress) => void;
  /** Put the first project on the recent list (`governor serve` does; tests' hosts need not). */
  rememberProject?: boolean;
  /** Where recent.json lives; `$GOVERNOR_HOME` or ~/.config/governor by default. */
  home?: string;
}

export interface RunningHost {
  url: string;
  port: number;
  token: string;
  /** The project served right now; the projects view can switch it. */
  readonly project: OpenedProject;
  projects: ProjectSwitcher;
  close(): Promise<void>;
}

type Apis = { ui: ReturnType<typeof createApi>; cli: ReturnType<typeof createApi> };
interface HostSlot extends ProjectSlot {
  apis: Apis;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.map': 'application/json',
};
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src " +
  "'self' data:; connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'; base-uri " +
  "'none'; form-action 'none'";

export const hostFile = hostFileOf;

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The headless host: the built renderer over HTTP and the contract over a WebSocket, on loopback by
 * default, behind a random token, with the WebSocket's Origin checked against our own address so a page
 * on another site (or a DNS-rebinding attack) cannot drive the project.
 */
export async function startHost(o: HostOptions): Promise<RunningHost> {
  const host = o.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host) && !o.allowRemote)
    throw new GovernorError(
      'remote_refused',
      `binding to ${host} exposes the project beyond this machine; pass --allow-remote if you mean it`,
    );
  const token = o.token ?? randomBytes(24).toString('base64url');
  // The built UI: `governor serve` builds it first when it is missing (ui-build.ts); a host started
  // without one would print a URL to a page that cannot load, so it refuses instead.
  const rendererDir = resolve(o.rendererDir ?? defaultUiDir());
  if (o.rendererDir === undefined && !existsSync(join(rendererDir, 'index.html')))
    throw uiMissingError('the UI has not been built');
  const sockets = new Set<WebSocket>();
  const send = <N extends EventName>(event: N, data: EventData<N>) => {
    const frame = JSON.stringify({ event, data });
    for (const s of sockets) if (s.readyState === s.OPEN) s.send(frame);
  };
  const progress = (x: Progress) => {
    o.onProgress?.(x);
    send('progress', x);
  };
  let pending: NodeJS.Timeout | null = null;
  const pushStatus = () => {
    if (pending) return;
    pending = setTimeout(() => {
      pending = null;
      try {
        const { p, loop } = projects.current();
        send('status.changed', statusSnapshot(p, loop));
      } catch {
        // The project is closing.
      }
    }, 30);
  };
  let port = 0;
  // A second terminal's `governor decide` finds the running host here (readable by the owner only).
  const announceHost = async (dir: string) => {
    await writeFileAtomic(hostFile(dir), JSON.stringify({ pid: process.pid, port, host, token }), true);
    await chmod(hostFile(dir), 0o600);
  };

  // Handlers reach the switcher through this, since the first project is attached before it exists.
  let switcher: ProjectSwitcher<HostSlot> | null = null;
  const need = () => {
    if (!switcher) throw new GovernorError('starting', 'the host is still starting');
    return switcher;
  };
  const forward = switcherLater(need);

  /** Wire one project to the pages: its loop, its APIs, and announcing what lands on its ledger. */
  const attach = async (p: OpenedProject): Promise<HostSlot> => {
    const loop = createLoopRunner(p, () => pushStatus());
    // The same human either way; the source says where a decision was typed, for the audit trail.
    const apis: Apis = {
      ui: createApi(p, loop, { user: 'Human', source: 'ui' }, forward),
      cli: createApi(p, loop, { user: 'Human', source: 'cli' }, forward),
    };
    let lastSeq = p.ledger.count();
    const announce = () => {
      if (switcher && switcher.current().p !== p) return;
      const fresh = p.ledger.read(lastSeq, 500);
      if (fresh.length === 0) return;
      lastSeq = fresh.at(-1)?.seq ?? lastSeq;
      send('ledger.appended', { events: fresh.map(({ seq, id, ts, type, actor }) => ({ seq, id, ts, type, actor })) });
      pushStatus();
    };
    const offAppend = p.ledger.onAppend(() => announce());
    // Another process (a CLI decide, Discord) may append too: the WAL file changes, and we announce it.
    const watcher = watch(join(p.dir, '.governor'), (_e, name) => {
      if (name && String(name).startsWith('governor.db')) announce();
    });
    if (port) await announceHost(p.dir);
    // The Discord link starts with the project when it has a discord.yaml and a token or webhook URL.
    // discord.js takes about a second to load: only a project with a discord.yaml pays for it.
    const discord: BridgeStart = !p.discord
      ? { started: false, reason: 'no discord.yaml in the project' }
      : await (await import('../../core/discord/bridge.ts')).startDiscordBridge(p, {
          ...(p.keyStore ? { extraKeys: p.keyStore } : {}),
          loop,
          log: (text) => progress({ kind: 'info', text }),
        });
    progress({
      kind: 'info',
      text: discord.started
        ? `Discord link running (${discord.bridge.mode} mode)`
        : `Discord link not started: ${discord.reason}`,
    });
    return {
      p,
      loop,
      apis,
      async detach() {
        offAppend();
        watcher.close();
        if (discord.started) await discord.bridge.stop();
        if (existsSync(hostFile(p.dir))) await rm(hostFile(p.dir), { force: true });
      },
    };
  };
  const keyStore = hostKeyStore(hostKeysFile(o.home ?? governorHome()));
  const projects = await createProjectSwitcher<HostSlot>(o.dir, {
    // Keys entered in Settings live in the user's Governor folder (0600), beside the recent-projects list.
    open: (dir) => openProject(dir, { progress, keyStore }),
    attach,
    progress,
    onSwitched: (info) => {
      // Pages drop what they hold for the old project first, then take the new one's status.
      send('project.switched', info);
      const { p, loop } = projects.current();
      send('status.changed', statusSnapshot(p, loop));
    },
    ...(o.home ? { home: o.home } : {}),
    ...(o.rememberProject ? { rememberFirst: true } : {}),
  });
  switcher = projects;

  /**
   * The Host header names us, as the WebSocket's Origin must: a DNS-rebinding page reaches 127.0.0.1 under
   * its own name, and is refused here before it can read anything. Bound beyond loopback (--allow-remote) the
   * names users reach us by are unknown, so there the token alone guards.
   */
  const hostAllowed = (value: string | undefined): boolean => {
    if (!LOOPBACK.has(host)) return true;
    const address = server.address();
    const p = typeof address === 'object' && address ? address.port : 0;
    return (
      value !== undefined &&
      new Set([`${host}:${p}`, `127.0.0.1:${p}`, `localhost:${p}`, `[::1]:${p}`]).has(value.toLowerCase())
    );
  };

  const server = createServer((req, res) => void serveHttp(req, res));
  // Governor's MCP server for agents joining from their own sessions (see core/mcp/http.ts for its checks).
  const origins = () =>
    new Set([`http://${host}:${port}`, `http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`]);
  // Loaded on the first /mcp request: the MCP SDK stays out of the host's start-up.
  let mcpHandler: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | null = null;
  const mcp = async (req: IncomingMessage, res: ServerResponse) => {
    if (!mcpHandler) {
      const { createMcpHttpHandler } = await import('../../core/mcp/http.ts');
      mcpHandler = createMcpHttpHandler({
        engine: () => projects.current().p,
        allowedHosts: () => new Set([...origins()].map((o) => o.slice('http://'.length))),
        allowedOrigins: origins,
      });
    }
    return mcpHandler(req, res);
  };
  async function serveHttp(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://host');
    if (url.pathname === '/mcp') {
      await mcp(req, res).catch((err: unknown) => {
        if (!res.headersSent)
          res.writeHead(500, { 'content-type': 'text/plain' }).end(`Governor MCP: ${errorMessage(err)}`);
      });
      return;
    }
    const headers = {
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    };
    if (!hostAllowed(req.headers.host)) {
      res
        .writeHead(421, { ...headers, 'content-type': 'text/plain; charset=utf-8' })
        .end('Governor: unknown Host header; open the URL `governor serve` printed.');
      return;
    }
    if (url.pathname === '/' || url.pathname === '/index.html') {
      if (!sameToken(url.searchParams.get('token') ?? '', token)) {
        res
          .writeHead(401, { ...headers, 'content-type': 'text/plain; charset=utf-8' })
          .end('Governor: this address needs its token. Open the URL `governor serve` printed.');
        return;
      }
    }
    const rel = normalize(url.pathname === '/' ? '/index.html' : url.pathname).replace(/^(\.\.[/\\])+/, '');
    const file = join(rendererDir, rel);
    if (!file.startsWith(rendererDir)) {
      res.writeHead(403, headers).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { ...headers, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      if (rel === '/index.html')
        res
          .writeHead(503, { ...headers, 'content-type': 'text/plain; charset=utf-8' })
          .end(`Governor: the UI is not built yet. Run \`${BUILD_UI_COMMAND}\`, then \`governor serve\` again.`);
      else res.writeHead(404, headers).end();
    }
  }

  // The largest legitimate message (a 500,000-character config.write) fits; a bigger frame gets close code
  // 1009, invalid UTF-8 1007, an unmasked frame 1002: the offending socket closes, the host lives on.
  const wss = new WebSocketServer({ noServer: true, maxPayload: wsMaxPayload() });
  wss.on('error', (err) => progress({ kind: 'warn', text: `WebSocket server: ${errorMessage(err)}` }));
  server.on('upgrade', (req, socket, head) => {
    // A client that resets mid-handshake must not take the process down.
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://host');
    const origin = req.headers.origin;
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const allowed = new Set([
      `http://${host}:${port}`,
      `http://127.0.0.1:${port}`,
      `http://localhost:${port}`,
      `http://[::1]:${port}`,
    ]);
    const ok =
      url.pathname === '/ws' &&
      hostAllowed(req.headers.host) &&
      sameToken(url.searchParams.get('token') ?? '', token) &&
      (origin === undefined ? req.headers['x-governor-client'] === 'cli' : allowed.has(origin));
    if (!ok) {
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    const kind = origin === undefined ? 'cli' : 'ui';
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      // ws has already closed the socket with the right code (1009, 1007, 1002); without a listener the
      // 'error' event would be thrown and end the host.
      ws.on('error', (err) => {
        sockets.delete(ws);
        progress({ kind: 'warn', text: `a ${kind} WebSocket client was disconnected: ${errorMessage(err)}` });
      });
      // The API of whichever project is current when the call arrives: a switch re-points every socket.
      ws.on('message', (raw) => void onMessage(ws, raw.toString(), projects.current().apis[kind]));
      const { p, loop } = projects.current();
      ws.send(JSON.stringify({ event: 'status.changed', data: statusSnapshot(p, loop) }));
    });
  });

  async function onMessage(ws: WebSocket, raw: string, api: Apis['ui']) {
    let frame: ClientFrame;
    try {
      frame = ClientFrame.parse(JSON.parse(raw));
    } catch (err) {
      ws.send(
        JSON.stringify({
          id: null,
          ok: false,
          error: { code: 'bad_frame', message: `not a contract call: ${errorMessage(err).slice(0, 300)}` },
        }),
      );
      return;
    }
    try {
      const result = await dispatch(api, frame.call as CallName, frame.params);
      ws.send(JSON.stringify({ id: frame.id, ok: true, result }));
    } catch (err) {
      const code = err instanceof GovernorError ? err.code : 'internal';
      ws.send(JSON.stringify({ id: frame.id, ok: false, error: { code, message: errorMessage(err) } }));
    }
  }

  try {
    await new Promise<void>((res, rej) => {
      server.once('error', rej);
      server.listen(o.port ?? 0, host, () => res());
    });
  } catch (err) {
    await projects.close();
    throw err;
  }
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
  const shown = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shown}:${port}/?token=${token}`;
  await announceHost(projects.current().p.dir);

  return {
    url,
    port,
    token,
    get project() {
      return projects.current().p;
    },
    projects,
    async close() {
      if (pending) clearTimeout(pending);
      for (const s of sockets) s.terminate();
      wss.close();
      await new Promise<void>((r) => server.close(() => r()));
      await projects.close();
    },
  };
}
