import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createClaudeCodeWorker } from '../electron/core/agents/workers/claude-code.ts';
import { workAsImplementer } from './worker-session.ts';
import { agentWorkspaceDir, prepareGitWorkspace } from '../electron/core/agents/workers/git-workspace.ts';
import { standaloneActions } from '../electron/core/mcp/external.ts';
import { agentToken, mcpSecret } from '../electron/core/mcp/http.ts';
import { createPermissionGate } from '../electron/core/permissions/gate.ts';
import { decideRequest, inputDigest, recordRequest } from '../electron/core/permissions/requests.ts';
import { waitForDecision } from '../electron/core/permissions/waiter.ts';
import { Redactor } from '../electron/core/secrets/redact.ts';
import { startHost } from '../electron/server/host/server.ts';
import { startFakeAnthropic } from '../test/support/fake-anthropic.ts';
import { claudeProject } from '../test/support/coding-agent.ts';
import type { Figure } from './util.ts';

const pct = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? 0;
const ROOT = resolve(import.meta.dirname, '..');

/**
 * Coding agents, as users meet them: the real Claude Code binary against a fake Anthropic API on loopback,
 * in the sample project at its build stage.
 * - The permission gate's cost per allowed tool use (from Claude Code asking to Governor answering), inside
 *   real sessions, with the ledger growing by the agent's activity as it would.
 * - A human decision reaching the waiting agent: from the decision's commit to the gate answering, decided
 *   in the same process (the UI through the host, Discord) and from another process (a second terminal's CLI).
 * - An MCP tool call over stdio (`governor mcp`) and streamable HTTP (`/mcp`), beside the same action called
 * in-process.
 */
export async function benchAgents(): Promise<Figure[]> {
  // claudeProject points HOME and the Claude config at a throwaway folder: put them back afterwards.
  const saved = {
    HOME: process.env.HOME,
    CLAUDE_CONFIG_DIR: process.env.CLAUDE_CONFIG_DIR,
    ANTHROPIC_API_KEY: process.env.ANTHROPIC_API_KEY,
  };
  try {
    return await run();
  } finally {
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  }
}

async function run(): Promise<Figure[]> {
  const fake = await startFakeAnthropic();
  const proj = await claudeProject(fake);
  const p = await proj.open();
  const figures: Figure[] = [];
  try {
    // 1. Allowed tool uses through the gate, in real sessions (40 reads of a workspace file per session).
    const branch = 'phase1/implementer';
    const ws = agentWorkspaceDir(p.dir, branch);
    const tip = (await p.git.resolveRef(branch)) ?? (await p.git.resolveRef('develop')) ?? '';
    await prepareGitWorkspace({ projectDir: p.dir, dir: ws, branch, tip, fresh: true });
    const gate = createPermissionGate({
      ledger: p.ledger,
      read: p.read,
      agent: 'Implementer',
      worker: 'claude-code',
      phase: 1,
      taskId: 'T4',
      root: ws,
      permissions: p.policies.agent_permissions,
      tests: p.policies.tests,
      mcpServer: 'governor',
      onActivity: () => {},
    });
    const gateMs: number[] = [];
    const policyMs: number[] = [];
    const timed = {
      ...gate,
      check: async (...a: Parameters<typeof gate.check>) => {
        const v = performance.now();
        gate.verdict(a[0], a[1]);
        policyMs.push(performance.now() - v);
        const t = performance.now();
        const r = await gate.check(...a);
        gateMs.push(performance.now() - t);
        return r;
      },
    };
    const worker = createClaudeCodeWorker({
      label: 'claude-code',
      model: 'claude-sonnet-4-5',
      apiKey: process.env.ANTHROPIC_API_KEY ?? null,
      baseUrl: fake.url,
      projectDir: p.dir,
      testCommands: [],
      sandbox: { enabled: false, networkDomains: [] },
      redactor: new Redactor(),
    });
    const task = p.read.task('T4');
    if (!task) throw new Error('the sample plan has no T4');
    const perSession = 40;
    let sessionMs = 0;
    for (let s = 0; s < 2; s++) {
      fake.pushFor(
        'T4',
        ...Array.from({ length: perSession }, () => ({
          tools: [{ name: 'Read', input: { file_path: join(ws, 'package.json') } }],
        })),
        { text: 'done' },
      );
      const t0 = performance.now();
      await workAsImplementer(p, worker, { task, ws, maxTurns: perSession + 5, gate: timed });
      sessionMs += performance.now() - t0;
    }
    figures.push({
      name: 'the policy decision alone (rules, paths, secrets): p95',
      value: pct(policyMs, 0.95),
      unit: 'ms',
    });
    figures.push({ name: 'allowed tool use through the gate: p50', value: pct(gateMs, 0.5), unit: 'ms' });
    figures.push({
      name: `allowed tool use through the gate: p95 (${gateMs.length} uses, real sessions)`,
      value: pct(gateMs, 0.95),
      unit: 'ms',
      budget: '≤ 5 ms',
      ok: pct(gateMs, 0.95) <= 5,
    });
    figures.push({
      name: 'a whole tool-use round trip with the real binary and fake API (for scale)',
      value: sessionMs / gateMs.length,
      unit: 'ms',
    });

    // 2. A human decision reaching the waiting agent: same process, then another process.
    const inProcess: number[] = [];
    const crossProcess: number[] = [];
    for (let i = 0; i < 20; i++) {
      for (const where of ['same', 'other'] as const) {
        const input = { command: `echo ${where} ${i}` };
        const r = p.ledger.transact((tx) =>
          recordRequest(
            tx,
            {
              phase: 1,
              agent: 'Implementer',
              worker: 'claude-code',
              session_id: null,
              task_id: 'T4',
              tool: 'Bash',
              input,
              input_digest: inputDigest('Bash', input),
              summary: 'bench',
              reason: 'bench',
              suggested_rule: null,
              timeout_at: new Date(Date.now() + 60_000).toISOString(),
            },
            new Date().toISOString(),
          ),
        );
        const waiting = waitForDecision(p.ledger, p.read, r.id, new Date(Date.now() + 60_000)).then(() => Date.now());
        let decidedAt: number;
        if (where === 'same') {
          await new Promise((res) => setTimeout(res, 5));
          decideRequest(p.ledger, p.read, {
            requestId: r.id,
            decision: 'allow_once',
            digest: r.input_digest,
            by: 'Human',
            source: 'ui',
          });
          decidedAt = Date.now();
          inProcess.push((await waiting) - decidedAt);
        } else {
          decidedAt = await decideInChild(p.dir, r.id, r.input_digest);
          crossProcess.push((await waiting) - decidedAt);
        }
      }
    }
    figures.push({
      name: 'decision → waiting agent, same process (UI via host, Discord): p95',
      value: pct(inProcess, 0.95),
      unit: 'ms',
      budget: '≤ 100 ms',
      ok: pct(inProcess, 0.95) <= 100,
    });
    figures.push({
      name: 'decision → waiting agent, another process (CLI): p95',
      value: pct(crossProcess, 0.95),
      unit: 'ms',
      budget: '≤ 100 ms',
      ok: pct(crossProcess, 0.95) <= 100,
    });

    // 3. MCP tool calls: in-process, stdio, HTTP.
    const actions = standaloneActions(p, 'Implementer');
    const inproc: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      JSON.stringify(actions.tasks({}));
      inproc.push(performance.now() - t);
    }
    const stdio = new Client({ name: 'bench', version: '1' });
    await stdio.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [join(ROOT, 'bin', 'governor.mjs'), 'mcp', '--dir', p.dir, '--agent', 'Implementer'],
        stderr: 'ignore',
      }),
    );
    const viaStdio = await callTimes(stdio, 200);
    await stdio.close();
    // Only /mcp is timed: no UI needed (startHost refuses to serve a missing one unless told where).
    const host = await startHost({ dir: p.dir, rendererDir: join(p.dir, 'no-renderer') });
    try {
      const http = new Client({ name: 'bench', version: '1' });
      await http.connect(
        new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${host.port}/mcp`), {
          requestInit: { headers: { authorization: `Bearer ${agentToken(await mcpSecret(p.dir), 'Implementer')}` } },
        }),
      );
      const viaHttp = await callTimes(http, 200);
      await http.close();
      figures.push({ name: 'list_tasks in-process: p50', value: pct(inproc, 0.5), unit: 'ms' });
      figures.push({ name: 'list_tasks over MCP stdio (governor mcp): p50', value: pct(viaStdio, 0.5), unit: 'ms' });
      figures.push({ name: 'list_tasks over MCP streamable HTTP (/mcp): p50', value: pct(viaHttp, 0.5), unit: 'ms' });
      figures.push({
        name: 'MCP over stdio vs in-process',
        value: pct(viaStdio, 0.5) / Math.max(0.001, pct(inproc, 0.5)),
        unit: '×',
      });
    } finally {
      await host.close();
    }
  } finally {
    p.close();
    await fake.close();
  }
  return figures;
}

async function callTimes(c: Client, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await c.callTool({ name: 'list_tasks', arguments: {} });
    out.push(performance.now() - t);
  }
  return out;
}

/** Decide from a second process (as `governor decide` would), reporting when its commit landed. */
function decideInChild(dir: string, id: string, digest: string): Promise<number> {
  const code = `
    const { Ledger } = await import(${JSON.stringify(join(ROOT, 'electron/core/store/ledger.ts'))});
    const { createReader } = await import(${JSON.stringify(join(ROOT, 'electron/core/store/read.ts'))});
    const { decideRequest } = await import(${JSON.stringify(join(ROOT, 'electron/core/permissions/requests.ts'))});
    const l = new Ledger(${JSON.stringify(join(dir, '.governor', 'governor.db'))});
    decideRequest(l, createReader(l.db), { requestId: ${JSON.stringify(id)}, decision: 'allow_once', digest: ${JSON.stringify(digest)}, by: 'Human', source: 'cli' });
    console.log(Date.now());
    l.close();`;
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, ['--import', 'tsx/esm', '--input-type=module', '-e', code], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (c) => (c === 0 ? res(Number(out.trim())) : rej(new Error(`decide child exited ${c}`))));
  });
}
