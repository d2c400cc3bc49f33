import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { PermissionRequest } from '../shared/index.ts';
import { createApi, createLoopRunner, dispatch } from '../electron/core/api.ts';
import type { OpenedProject } from '../electron/core/host.ts';
import { createLlmRuntime } from '../electron/core/agents/llm/runtime.ts';
import { createModel, parseRuntimeRef } from '../electron/core/agents/llm/providers.ts';
import { createAcpWorker } from '../electron/core/agents/workers/acp.ts';
import { createClaudeCodeWorker } from '../electron/core/agents/workers/claude-code.ts';
import { createCodexWorker } from '../electron/core/agents/workers/codex.ts';
import { agentWorkspaceDir, prepareGitWorkspace } from '../electron/core/agents/workers/git-workspace.ts';
import { runtimeWorker } from '../electron/core/agents/workers/runtime-worker.ts';
import type { Worker } from '../electron/core/agents/workers/worker.ts';
import { standaloneActions } from '../electron/core/mcp/external.ts';
import { GOVERNOR_MCP_NAME } from '../electron/core/mcp/name.ts';
import { createPermissionGate } from '../electron/core/permissions/gate.ts';
import { Redactor } from '../electron/core/secrets/redact.ts';
import {
  startFakeAnthropic,
  type ScriptedTurn as AnthropicTurn,
  type Turn as AnthropicReply,
} from '../test/support/fake-anthropic.ts';
import { startFakeResponses, type ScriptedTurn as ResponsesTurn } from '../test/support/fake-openai-responses.ts';
import { CODEX_MODEL, CODEX_TEST_KEY, addFile, exec } from '../test/support/codex.ts';
import { TEST_KEY, agentProject } from '../test/support/coding-agent.ts';
import { tempDir } from '../test/support/tmp.ts';
import type { Figure } from './util.ts';

const ROOT = resolve(import.meta.dirname, '..');
const ACP_ADAPTER = join(ROOT, 'node_modules', '.bin', 'claude-agent-acp');
const EDITS = 8;
const ROUNDS = 2;
/** A scripted turn that first notes which step the model reached (the bench's clock for that step). */
const marked =
  <T>(mark: (i: number) => void, i: number, reply: T) =>
  (): T => {
    mark(i);
    return reply;
  };
const pct = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN;

/** Resident memory of every process below ours (the worker and whatever it started), from /proc. */
function treeRssBytes(): number {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // comm may hold spaces and parentheses: the fields after its closing parenthesis are fixed.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(name), ppid);
    } catch {
      // The process ended between the listing and the read.
    }
  }
  const mine = new Set([process.pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parent) {
      if (mine.has(pid) || !mine.has(ppid)) continue;
      mine.add(pid);
      grew = true;
    }
  }
  let bytes = 0;
  for (const pid of mine) {
    if (pid === process.pid) continue;
    try {
      bytes += Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * 4096;
    } catch {
      // Gone meanwhile.
    }
  }
  return bytes;
}

interface Sample {
  start: number;
  gaps: number[];
  gate: number[];
  ask: number;
  cont: number;
  rssPeak: number;
  ownRssGrowth: number;
}

/**
 * Every coding agent behind the one worker interface, in one run, against the same scripted turn: the
 * model asks for EDITS allowed edits (one per model turn), then one command the policy asks the human
 * about, then says it is done. Each agent meets its own protocol-level fake (Anthropic Messages for
 * Claude Code, the Claude Code ACP adapter and the AI SDK loop; OpenAI Responses for Codex), which
 * answers at once, so the time between one answer and the agent's next request is everything but the
 * model: the agent's own processing, Governor's adapter and gate, and the tool. The agents take turns,
 * ROUNDS times, so load on the machine falls on all of them alike.
 */
export async function benchWorkers(): Promise<Figure[]> {
  const saved = Object.fromEntries(
    [
      'HOME',
      'CLAUDE_CONFIG_DIR',
      'ANTHROPIC_API_KEY',
      'ANTHROPIC_BASE_URL',
      'CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC',
      'OPENAI_API_KEY',
      'CODEX_HOME',
      'TMPDIR',
    ].map((k) => [k, process.env[k]]),
  );
  const home = tempDir('governor-bench-home-');
  const cleanup: string[] = [home];
  // The agents keep sockets and scratch files in TMPDIR (Claude Code's sandbox does): a private one goes too.
  mkdirSync(join(home, 'tmp'));
  process.env.TMPDIR = join(home, 'tmp');
  try {
    return await run(home, cleanup);
  } finally {
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    for (const d of cleanup) rmSync(d, { recursive: true, force: true });
  }
}

/**
 * The AI SDK's generateText sends no `stream` field (the real API then answers in one JSON body); the fake
 * streams unless told `stream: false`, which this says on the AI SDK's behalf.
 */
const unstreamed: typeof fetch = (input, init) => {
  const body = typeof init?.body === 'string' ? init.body : null;
  if (!body) return fetch(input, init);
  const parsed = JSON.parse(body) as Record<string, unknown>;
  return fetch(input, { ...init, body: JSON.stringify({ stream: false, ...parsed }) });
};

async function run(home: string, cleanup: string[]): Promise<Figure[]> {
  mkdirSync(join(home, '.claude'), { recursive: true });
  mkdirSync(join(home, '.codex'), { recursive: true });
  process.env.HOME = home;
  process.env.CLAUDE_CONFIG_DIR = join(home, '.claude');
  process.env.ANTHROPIC_API_KEY = TEST_KEY;
  process.env.OPENAI_API_KEY = CODEX_TEST_KEY;
  process.env.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC = '1';
  delete process.env.CODEX_HOME;
  const anthropic = await startFakeAnthropic();
  const responses = await startFakeResponses();
  process.env.ANTHROPIC_BASE_URL = anthropic.url;
  const proj = await agentProject({ runtime: 'claude-code:claude-sonnet-4-5', base_url: anthropic.url });
  cleanup.push(dirname(proj.dir));
  const p = await proj.open();
  const redactor = new Redactor();
  const sandbox = { enabled: true, networkDomains: [] };
  const common = { projectDir: p.dir, testCommands: [], sandbox, redactor };
  const ref = parseRuntimeRef('anthropic:claude-sonnet-4-5');
  const aiSdk = runtimeWorker(
    createLlmRuntime({
      agent: 'Implementer',
      ref,
      model: createModel(ref, { apiKey: TEST_KEY, baseUrl: `${anthropic.url}/v1`, fetch: unstreamed }),
      baseUrl: anthropic.url,
      redactor,
      timeoutMs: 600_000,
      maxSteps: EDITS + 5,
      project: { name: 'backtester', brief: '' },
      agents: ['Implementer'],
      escalatesTo: 'Designer',
      onUsage: () => {},
    }),
  );
  // Each agent's form of the same turn: an edit (allowed), a command (asked: `cp` is on no allowlist), then done.
  const claudeTurns = (prefix: string, ws: string): { edit(i: number): AnthropicReply; ask: AnthropicReply } => ({
    edit: (i: number) => ({
      tools: [
        { name: 'Write', input: { file_path: join(ws, `src/${prefix}-${i}.js`), content: `export const n = ${i};\n` } },
      ],
    }),
    ask: { tools: [{ name: 'Bash', input: { command: `cp package.json ${prefix}-copy.json`, description: 'copy' } }] },
  });
  const agents: Array<{
    name: string;
    worker: Worker;
    asks: boolean;
    push(ws: string, mark: (i: number) => void): void;
  }> = [
    {
      name: 'Claude Code',
      worker: createClaudeCodeWorker({
        label: 'claude-code',
        model: 'claude-sonnet-4-5',
        apiKey: TEST_KEY,
        baseUrl: anthropic.url,
        ...common,
      }),
      asks: true,
      push: (ws, mark) => pushAnthropic(claudeTurns('cc', ws), mark),
    },
    {
      name: 'Codex',
      worker: createCodexWorker({
        label: `codex:${CODEX_MODEL}`,
        model: CODEX_MODEL,
        apiKey: CODEX_TEST_KEY,
        baseUrl: responses.url,
        price: () => 0,
        ...common,
      }),
      asks: true,
      push: (ws, mark) => {
        const turns: ResponsesTurn[] = Array.from({ length: EDITS }, (_, i) =>
          marked(mark, i, { calls: [addFile(join(ws, `src/codex-${i}.js`), `export const n = ${i};\n`)] }),
        );
        turns.push(
          marked(mark, EDITS, { calls: [exec('cp package.json codex-copy.json')] }),
          marked(mark, EDITS + 1, { text: 'Done.' }),
        );
        responses.pushFor('T4', ...turns);
      },
    },
    {
      name: 'ACP (claude-agent-acp)',
      worker: createAcpWorker({ label: 'acp', agent: 'Implementer', command: ACP_ADAPTER, args: [], ...common }),
      asks: true,
      push: (ws, mark) => pushAnthropic(claudeTurns('acp', ws), mark),
    },
    {
      // No commands and no gate: its tools are confined to the workspace by construction.
      name: 'AI SDK loop',
      worker: aiSdk,
      asks: false,
      push: (_ws, mark) => {
        const turns: AnthropicTurn[] = Array.from({ length: EDITS }, (_, i) =>
          marked(mark, i, {
            tools: [{ name: 'write_file', input: { path: `src/ai-${i}.js`, content: `export const n = ${i};\n` } }],
          }),
        );
        turns.push(marked(mark, EDITS, { text: 'Done.' }));
        anthropic.push(...turns);
      },
    },
  ];
  function pushAnthropic(t: { edit(i: number): AnthropicReply; ask: AnthropicReply }, mark: (i: number) => void) {
    const turns: AnthropicTurn[] = Array.from({ length: EDITS }, (_, i) => marked(mark, i, t.edit(i)));
    turns.push(marked(mark, EDITS, t.ask), marked(mark, EDITS + 1, { text: 'Done.' }));
    anthropic.pushFor('T4', ...turns);
  }

  const api = createApi(
    p,
    createLoopRunner(p, () => {}),
    { user: 'Human', source: 'ui' },
  );
  const task = p.read.task('T4');
  if (!task) throw new Error('the sample plan has no T4');
  const branch = 'phase1/implementer';
  const ws = agentWorkspaceDir(p.dir, branch);
  const tip = (await p.git.resolveRef(branch)) ?? (await p.git.resolveRef('develop')) ?? '';
  const samples = new Map<string, Sample[]>();
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const a of agents) {
        await prepareGitWorkspace({ projectDir: p.dir, dir: ws, branch, tip, fresh: true });
        samples.set(a.name, [...(samples.get(a.name) ?? []), await once(p, api, a, ws, task)]);
      }
    }
  } finally {
    p.close();
    await anthropic.close();
    await responses.close();
  }

  // The goals are for an idle machine; the load says how far from one this run was.
  const figures: Figure[] = [
    { name: `machine load, 1-minute average (${cpus().length} cores)`, value: loadavg()[0] ?? 0, unit: '' },
  ];
  for (const a of agents) {
    const s = samples.get(a.name) ?? [];
    const gaps = s.flatMap((x) => x.gaps);
    const gate = s.flatMap((x) => x.gate);
    const turn = pct(gaps, 0.5);
    figures.push({
      name: `${a.name}: start → first model request (p50)`,
      value: pct(
        s.map((x) => x.start),
        0.5,
      ),
      unit: 'ms',
      budget: '≤ 5,000 ms',
      ok:
        pct(
          s.map((x) => x.start),
          0.5,
        ) <= 5000,
    });
    figures.push({
      name: `${a.name}: overhead per allowed-edit turn, not the model (p50, ${gaps.length})`,
      value: turn,
      unit: 'ms',
      budget: '≤ 500 ms',
      ok: turn <= 500,
    });
    if (gate.length)
      figures.push({
        name: `${a.name}:   of which Governor's gate (p95)`,
        value: pct(gate, 0.95),
        unit: 'ms',
        budget: '≤ 5 ms',
        ok: pct(gate, 0.95) <= 5,
      });
    if (a.asks) {
      // `cp` runs in the agent's sandbox (bubblewrap) before its next request: that start-up is in here.
      const ask = pct(
        s.map((x) => x.ask),
        0.5,
      );
      const cont = pct(
        s.map((x) => x.cont),
        0.5,
      );
      figures.push({
        name: `${a.name}: permission, model asks → in the inbox (p50)`,
        value: ask,
        unit: 'ms',
        budget: '≤ 500 ms',
        ok: ask <= 500,
      });
      figures.push({
        name: `${a.name}: permission, decided → next request (runs cp) p50`,
        value: cont,
        unit: 'ms',
        budget: '≤ 500 ms',
        ok: cont <= 500,
      });
    }
    const rss = Math.max(...s.map((x) => x.rssPeak)) / 2 ** 20;
    if (a.worker.kind !== 'ai-sdk')
      figures.push({
        name: `${a.name}: worker process tree RSS, peak`,
        value: rss,
        unit: 'MB',
        budget: '≤ 600 MB',
        ok: rss <= 600,
      });
    else
      figures.push({
        name: `${a.name}: no worker process; Governor's RSS growth in the run`,
        value: Math.max(...s.map((x) => x.ownRssGrowth)) / 2 ** 20,
        unit: 'MB',
      });
  }
  return figures;
}

async function once(
  p: OpenedProject,
  api: ReturnType<typeof createApi>,
  a: { name: string; worker: Worker; asks: boolean; push(ws: string, mark: (i: number) => void): void },
  ws: string,
  task: NonNullable<ReturnType<OpenedProject['read']['task']>>,
): Promise<Sample> {
  const at: number[] = [];
  let asked = 0;
  let decided = 0;
  const gateMs: number[] = [];
  const decisions: Promise<unknown>[] = [];
  a.push(ws, (i) => (at[i] = performance.now()));
  const gate = createPermissionGate({
    ledger: p.ledger,
    read: p.read,
    agent: 'Implementer',
    worker: a.worker.kind,
    phase: 1,
    taskId: 'T4',
    root: ws,
    permissions: p.policies.agent_permissions,
    tests: p.policies.tests,
    mcpServer: GOVERNOR_MCP_NAME,
    // The human is instant here: what is timed is Governor and the agent on either side of the decision.
    onWaiting: (r: PermissionRequest | null) => {
      if (!r) return;
      asked = performance.now();
      decided = performance.now();
      decisions.push(
        dispatch(api, 'permissions.decide', { requestId: r.id, decision: 'allow_once', digest: r.input_digest }),
      );
    },
  });
  const timed = {
    ...gate,
    check: async (...args: Parameters<typeof gate.check>) => {
      const t = performance.now();
      const r = await gate.check(...args);
      if (r.requestId === null) gateMs.push(performance.now() - t);
      return r;
    },
  };
  let rssPeak = 0;
  const rss0 = process.memoryUsage().rss;
  let ownPeak = rss0;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, treeRssBytes());
    ownPeak = Math.max(ownPeak, process.memoryUsage().rss);
  }, 100);
  const t0 = performance.now();
  try {
    const r = await a.worker.work(
      {
        agent: 'Implementer',
        phase: 1,
        task,
        workspace: ws,
        context: {},
        resume: null,
        budgetUsd: null,
        limits: { maxTurns: EDITS + 10, wallClockS: 600 },
      },
      {
        gate: timed,
        mcp: standaloneActions(p, 'Implementer'),
        activity: () => {},
        session: () => {},
        handedOff: () => null,
        runTests: async () => ({ passed: true, summary: '' }),
        signal: new AbortController().signal,
      },
    );
    await Promise.all(decisions);
    const want = a.asks ? EDITS + 2 : EDITS + 1;
    if (at.filter((x) => x !== undefined).length !== want)
      throw new Error(`${a.name} made ${at.length} of ${want} scripted requests (${r.outcome}: ${r.summary})`);
  } finally {
    clearInterval(sampler);
  }
  const gaps = Array.from({ length: EDITS }, (_, i) => (at[i + 1] ?? NaN) - (at[i] ?? NaN));
  return {
    start: (at[0] ?? NaN) - t0,
    gaps,
    gate: gateMs,
    ask: a.asks ? asked - (at[EDITS] ?? NaN) : NaN,
    cont: a.asks ? (at[EDITS + 1] ?? NaN) - decided : NaN,
    rssPeak,
    ownRssGrowth: ownPeak - rss0,
  };
}
