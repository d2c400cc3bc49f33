import { join, resolve } from 'node:path';
import type { OpenedProject } from '../electron/core/host.ts';
import { createLlmRuntime } from '../electron/core/agents/llm/runtime.ts';
import { createModel, parseRuntimeRef } from '../electron/core/agents/llm/providers.ts';
import { createAcpWorker } from '../electron/core/agents/workers/acp.ts';
import { createClaudeCodeWorker } from '../electron/core/agents/workers/claude-code.ts';
import { createCodexWorker } from '../electron/core/agents/workers/codex.ts';
import { runtimeWorker } from '../electron/core/agents/workers/runtime-worker.ts';
import type { Worker } from '../electron/core/agents/workers/worker.ts';
import { Redactor } from '../electron/core/secrets/redact.ts';
import type {
  FakeAnthropic,
  ScriptedTurn as AnthropicTurn,
  Turn as AnthropicReply,
} from '../test/support/fake-anthropic.ts';
import type { FakeResponses, ScriptedTurn as ResponsesTurn } from '../test/support/fake-openai-responses.ts';
import { CODEX_MODEL, CODEX_TEST_KEY, addFile, exec } from '../test/support/codex.ts';
import { TEST_KEY } from '../test/support/coding-agent.ts';

/** Each coding agent of the workers bench, set up against its fake, with its script of the same turn. */

const ROOT = resolve(import.meta.dirname, '..');
const ACP_ADAPTER = join(ROOT, 'node_modules', '.bin', 'claude-agent-acp');
/** Allowed edits in the scripted turn, one per model turn. */
export const EDITS = 8;

/** A scripted turn that first notes which step the model reached (the bench's clock for that step). */
const marked =
  <T>(mark: (i: number) => void, i: number, reply: T) =>
  (): T => {
    mark(i);
    return reply;
  };
/** One agent behind the worker interface: `push` scripts its fake for one session, marking each step reached. */
export interface BenchAgent {
  name: string;
  worker: Worker;
  /** Whether its turn ends with a command the gate asks the human about. */
  asks: boolean;
  push(ws: string, mark: (i: number) => void): void;
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

/** Claude Code, Codex, the ACP adapter and the AI SDK loop, each against the fake of its protocol. */
export function benchAgents(p: OpenedProject, anthropic: FakeAnthropic, responses: FakeResponses): BenchAgent[] {
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
  const agents: BenchAgent[] = [
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
  return agents;
}
