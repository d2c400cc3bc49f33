import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { AgentName, agentNames } from '../../../shared/index.ts';
import { writeFileAtomic } from '../artifacts/atomic.ts';
import type { Engine } from '../workflow/engine.ts';
import { standaloneActions } from './external.ts';
import { createGovernorMcpServer } from './server.ts';

const keyPath = (dir: string) => join(dir, '.governor', 'mcp.key');

/** The project's MCP secret (0600 under .governor/), made on first use; agent tokens are derived from it. */
export async function mcpSecret(dir: string): Promise<Buffer> {
  const path = keyPath(dir);
  if (!existsSync(path)) await writeFileAtomic(path, randomBytes(32).toString('base64url'), true);
  return Buffer.from(readFileSync(path, 'utf8').trim());
}

/**
 * An agent's token for `/mcp`: `<agent>.<hmac>`. The agent is read from the token, so a session holding
 * Implementer's token can only ever act as Implementer; it gives no access to the human's UI or calls.
 */
export function agentToken(secret: Buffer, agent: string): string {
  return `${agent}.${createHmac('sha256', secret).update(`governor-mcp:${agent}`).digest('base64url')}`;
}

export function agentOfToken(secret: Buffer, token: string): string | null {
  const agent = token.slice(0, token.indexOf('.'));
  if (!AgentName.safeParse(agent).success) return null;
  const want = Buffer.from(agentToken(secret, agent));
  const got = Buffer.from(token);
  return want.length === got.length && timingSafeEqual(want, got) ? agent : null;
}

/**
 * `/mcp` on the headless host: MCP over streamable HTTP, stateless (a server per request, as the SDK
 * recommends when no session state is needed). Refused before any MCP parsing: a Host header that is not
 * this host (DNS rebinding), an Origin from another site (a web page), and a missing or wrong agent token.
 */
export function createMcpHttpHandler(o: {
  engine: () => Engine;
  allowedHosts: () => Set<string>;
  allowedOrigins: () => Set<string>;
}) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const refuse = (status: number, message: string) => {
      res
        .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message }, id: null }));
    };
    if (!o.allowedHosts().has(String(req.headers.host ?? '')))
      return refuse(403, 'Governor: this Host is not the host Governor serves');
    const origin = req.headers.origin;
    if (origin !== undefined && !o.allowedOrigins().has(origin))
      return refuse(403, `Governor: requests from ${origin} are refused`);
    const e = o.engine();
    const auth = /^Bearer (\S+)$/.exec(String(req.headers.authorization ?? ''))?.[1] ?? '';
    const agent = auth ? agentOfToken(await mcpSecret(e.dir), auth) : null;
    if (!agent || !agentNames(e.agentsFile).includes(agent))
      return refuse(401, 'Governor: a valid agent token is needed (`governor mcp --print-token --agent NAME`)');
    const server = createGovernorMcpServer(
      standaloneActions(e, agent as AgentName),
      e.redactor ? { redactor: e.redactor } : {},
    );
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res);
  };
}
