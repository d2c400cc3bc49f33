import { randomBytes, timingSafeEqual } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { AgentActions } from '../../mcp/actions.ts';
import { createGovernorMcpServer } from '../../mcp/server.ts';
import type { Redactor } from '../../secrets/redact.ts';

export interface LoopbackMcp {
  /** `http://127.0.0.1:<port>/mcp` */
  url: string;
  /** A bearer token made for this one session; nothing else accepts it. */
  token: string;
  close(): Promise<void>;
}

/**
 * Governor's MCP server for one worker session, over streamable HTTP on 127.0.0.1, for agents that run
 * in their own process (Codex, ACP agents) and so cannot take an in-process server as Claude Code does.
 * It is bound to the session's own actions (so `handoff` reaches the step that runs the worker, not a
 * second Governor), asks for a random per-session bearer token, and refuses a foreign Host or any
 * Origin (a web page), as the host's `/mcp` does. Closed when the session ends.
 */
export async function startLoopbackMcp(actions: AgentActions, o: { redactor?: Redactor } = {}): Promise<LoopbackMcp> {
  const token = randomBytes(24).toString('base64url');
  const want = Buffer.from(`Bearer ${token}`);
  let host = '';
  const refuse = (res: ServerResponse, status: number, message: string) =>
    res
      .writeHead(status, { 'content-type': 'application/json' })
      .end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message }, id: null }));
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const got = Buffer.from(String(req.headers.authorization ?? ''));
    if (req.headers.host !== host) return refuse(res, 403, 'Governor: this Host is not the host Governor serves');
    if (req.headers.origin !== undefined) return refuse(res, 403, 'Governor: browser requests are refused');
    if (got.length !== want.length || !timingSafeEqual(got, want)) return refuse(res, 401, 'Governor: wrong token');
    if (!(req.url ?? '').startsWith('/mcp')) return refuse(res, 404, 'Governor: only /mcp is served here');
    // Stateless: a server per request, as the SDK recommends when no session state is needed.
    const mcp = createGovernorMcpServer(actions, o.redactor ? { redactor: o.redactor } : {});
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void mcp.close();
    });
    void mcp
      .connect(transport)
      .then(() => transport.handleRequest(req, res))
      .catch(() => {
        if (!res.headersSent) refuse(res, 500, 'Governor: the MCP request failed');
      });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  host = `127.0.0.1:${port}`;
  return {
    url: `http://${host}/mcp`,
    token,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
