import { request } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openProject } from '../electron/core/host.ts';
import { runLoop } from '../electron/core/workflow/loop.ts';
import { agentToken, mcpSecret } from '../electron/core/mcp/http.ts';
import { type RunningHost, startHost } from '../electron/server/host/server.ts';
import { git, tempDir } from './support/tmp.ts';
import { agentProject } from './support/coding-agent.ts';

const BIN = resolve(import.meta.dirname, '..', 'bin', 'governor.mjs');
type ToolResult = { isError?: boolean; content: Array<{ type: string; text?: string }> };
const text = (r: unknown) => (r as ToolResult).content[0]?.text ?? '';

/** The sample project with the first Implementer as `runtime: external`, taken to the build stage. */
async function externalProject(): Promise<string> {
  const proj = await agentProject({ runtime: 'external' }, { permissions: '' });
  const p = await proj.open();
  try {
    await runLoop(p);
  } finally {
    p.close();
  }
  return proj.dir;
}

describe("Governor's MCP server, with the real MCP client", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await externalProject();
  });

  describe("over stdio (`governor mcp`), as a user's own session joining as an external agent", () => {
    let client: Client;
    beforeAll(async () => {
      client = new Client({ name: 'test-session', version: '1.0.0' });
      await client.connect(
        new StdioClientTransport({
          command: process.execPath,
          args: [BIN, 'mcp', '--dir', dir, '--agent', 'Implementer'],
          stderr: 'ignore',
        }),
      );
    });
    afterAll(async () => {
      await client?.close();
    });

    it('lists its tools and answers read-only status, tasks and documents', async () => {
      const tools = (await client.listTools()).tools.map((t) => t.name).sort();
      expect(tools).toEqual([
        'ask_clarification',
        'handoff',
        'list_tasks',
        'next_task',
        'project_status',
        'propose_variation',
        'raise_concern',
        'read_document',
      ]);
      expect(JSON.parse(text(await client.callTool({ name: 'project_status', arguments: {} })))).toMatchObject({
        stage: 'build',
        you: { name: 'Implementer' },
      });
      const tasks = JSON.parse(text(await client.callTool({ name: 'list_tasks', arguments: {} }))) as Array<{
        id: string;
        agent: string;
      }>;
      expect(tasks.map((t) => t.agent)).toEqual(tasks.map(() => 'Implementer'));
      expect(
        text(await client.callTool({ name: 'read_document', arguments: { path: 'design/DESIGN_SPEC.md' } })),
      ).toContain('content');
    });

    it('takes its next task, works in the clone Governor prepared, and hands off: Governor commits with the trailers', async () => {
      const next = JSON.parse(text(await client.callTool({ name: 'next_task', arguments: {} }))) as {
        task: { id: string };
        workspace: string;
      };
      expect(next.task.id).toBe('T4');
      expect(git(next.workspace, 'rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe('phase1/implementer');
      writeFileSync(join(next.workspace, 'EXTERNAL.md'), 'written by my own session\n');
      const out = await client.callTool({
        name: 'handoff',
        arguments: {
          summary: 'Wrote EXTERNAL.md',
          commit_subject: 'docs(external): note from my session',
          tested: 'read it',
        },
      });
      expect(text(out)).toMatch(/committed to phase1\/implementer/);
      expect(git(dir, 'show', 'phase1/implementer:EXTERNAL.md')).toBe('written by my own session\n');
      expect(git(dir, 'log', '-1', '--format=%B', 'phase1/implementer')).toMatch(/Audit-ID: \S+/);
      git(dir, 'fsck', '--full');
    });

    it("refuses to act as another agent, on another agent's task, or outside its chain", async () => {
      const asOther = (await client.callTool({
        name: 'raise_concern',
        arguments: { agent: 'Designer', severity: 'info', category: 'x', summary: 's', details: 'd' },
      })) as ToolResult;
      expect(asOther.isError).toBe(true);
      expect(text(asOther)).toMatch(/bound to Implementer; it cannot act as Designer/);
      await client.callTool({ name: 'next_task', arguments: {} });
      const theirs = (await client.callTool({
        name: 'handoff',
        arguments: { task_id: 'T6', summary: 's', commit_subject: 'feat(x): y', tested: '' },
      })) as ToolResult;
      expect(text(theirs)).toMatch(/T6 belongs to Implementer-2/);
      const offChain = (await client.callTool({
        name: 'raise_concern',
        arguments: { to: 'Tester', severity: 'info', category: 'x', summary: 's', details: 'd' },
      })) as ToolResult;
      expect(text(offChain)).toMatch(/not on it/);
    });

    it('answers malformed calls with an error the agent can read, and keeps serving', async () => {
      const bad = (await client.callTool({
        name: 'raise_concern',
        arguments: { severity: 'huge', summary: 1 },
      })) as ToolResult;
      expect(bad.isError).toBe(true);
      expect(text(bad)).toMatch(/severity|Invalid/i);
      const extra = (await client.callTool({ name: 'project_status', arguments: { sneaky: true } })) as ToolResult;
      expect(extra.isError).toBe(true);
      expect(JSON.parse(text(await client.callTool({ name: 'project_status', arguments: {} })))).toMatchObject({
        stage: 'build',
      });
    });

    it('raise_concern goes up the chain and reaches the human when critical', async () => {
      const r = JSON.parse(
        text(
          await client.callTool({
            name: 'raise_concern',
            arguments: {
              severity: 'critical',
              category: 'blocked',
              summary: 'The CSV spec contradicts the design',
              details: '…',
            },
          }),
        ),
      );
      expect(r).toMatchObject({ to: 'Human' });
      const p = await openProject(dir);
      try {
        expect(p.read.concern(r.concern_id)).toMatchObject({
          from: 'Implementer',
          to: 'Human',
          severity: 'critical',
          escalations: [expect.objectContaining({ from: 'Designer', to: 'Human' })],
        });
      } finally {
        p.close();
      }
    });
  });

  describe('over streamable HTTP at /mcp on the headless host', () => {
    let host: RunningHost;
    let token: string;
    beforeAll(async () => {
      // /mcp needs no UI: a folder without one keeps this file independent of a built renderer.
      host = await startHost({ dir, home: tempDir(), rendererDir: join(tempDir(), 'no-renderer') });
      token = agentToken(await mcpSecret(dir), 'Implementer-2');
    });
    afterAll(async () => {
      await host?.close();
    });
    const url = () => new URL(`http://127.0.0.1:${host.port}/mcp`);

    it('serves the agent its token names', async () => {
      const client = new Client({ name: 'http-session', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(url(), { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
      );
      try {
        const status = JSON.parse(text(await client.callTool({ name: 'project_status', arguments: {} })));
        expect(status.you.name).toBe('Implementer-2');
        const other = (await client.callTool({
          name: 'raise_concern',
          arguments: { agent: 'Implementer', severity: 'info', category: 'x', summary: 's', details: 'd' },
        })) as ToolResult;
        expect(text(other)).toMatch(/bound to Implementer-2/);
      } finally {
        await client.close();
      }
    });

    it('refuses a wrong token, a forged agent token, a foreign Origin and a foreign Host', async () => {
      const wrong = new Client({ name: 'x', version: '1' });
      await expect(
        wrong.connect(
          new StreamableHTTPClientTransport(url(), {
            requestInit: { headers: { authorization: `Bearer Implementer.${'A'.repeat(43)}` } },
          }),
        ),
      ).rejects.toThrow(/401|token/);
      const hostToken = new Client({ name: 'x', version: '1' });
      await expect(
        hostToken.connect(
          new StreamableHTTPClientTransport(url(), {
            requestInit: { headers: { authorization: `Bearer ${host.token}` } },
          }),
        ),
      ).rejects.toThrow(/401|token/);
      const init = JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
      });
      const post = (headers: Record<string, string>) =>
        new Promise<number>((res, rej) => {
          const r = request(
            {
              host: '127.0.0.1',
              port: host.port,
              path: '/mcp',
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                accept: 'application/json, text/event-stream',
                authorization: `Bearer ${token}`,
                ...headers,
              },
            },
            (x) => {
              x.resume();
              res(x.statusCode ?? 0);
            },
          );
          r.on('error', rej);
          r.end(init);
        });
      expect(await post({ origin: 'https://evil.example' })).toBe(403);
      expect(await post({ host: 'evil.example' })).toBe(403);
      expect(await post({})).toBe(200);
    });
  });
});
