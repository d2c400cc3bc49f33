/**
 * A protocol-level fake of the OpenAI Responses API (`POST /v1/responses`, streamed as SSE) for the REAL
 * Codex binary, on 127.0.0.1. Codex is pointed at it through a custom `model_providers` entry in its
 * config.toml (base_url, wire_api = "responses", env_key for a dummy key).
 *
 * The model's turns are scripted: each request takes the next turn for the task its first user message
 * names (or the shared queue), answered with text and/or function calls. Requests beyond the script get
 * a short final text, so a stray request never hangs a test; every request is recorded for assertions.
 * A task scripted with `scriptFor` is answered by where its conversation stands instead (how many of this
 * fake's answers it holds): a request sent again, or one whose answer Codex set aside, gets the same turn
 * rather than taking the next one.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FunctionCall {
  name: string;
  /** Function tools take JSON arguments; `custom` tools (apply_patch) take free text. */
  arguments: Record<string, unknown> | string;
  custom?: boolean;
  /** An MCP tool's namespace (`mcp__governor__`), when Codex groups it under one. */
  namespace?: string;
  /** A client-run `tool_search` (Codex defers MCP tools behind it): `arguments` holds { query }. */
  search?: boolean;
}

export interface Turn {
  text?: string;
  calls?: FunctionCall[];
  usage?: { input: number; output: number };
  /** Answer with this HTTP error instead (e.g. 401 for a refused key). */
  error?: { status: number; message: string };
  /** Keep the response open without a byte (a hung model). */
  hang?: boolean;
}

export interface ResponsesRequest {
  model: string;
  input: Array<Record<string, unknown>>;
  tools: Array<Record<string, unknown>>;
  headers: Record<string, string>;
}

export type ScriptedTurn = Turn | ((req: ResponsesRequest) => Turn);

export interface FakeResponses {
  readonly url: string;
  readonly requests: ResponsesRequest[];
  push(...turns: ScriptedTurn[]): void;
  pushFor(taskId: string, ...turns: ScriptedTurn[]): void;
  /** This task's turns, the n-th answering a conversation that holds n of this fake's tool calls. */
  scriptFor(taskId: string, ...turns: ScriptedTurn[]): void;
  readonly pending: number;
  /** Every tool output Codex sent back, in order (what the agent read), and each user message text. */
  toolOutputs(): string[];
  userTexts(): string[];
  close(): Promise<void>;
}

const textOf = (v: unknown): string => {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map((c) => textOf((c as { text?: unknown }).text ?? c)).join('');
  if (v && typeof v === 'object' && 'content' in v) return textOf((v as { content: unknown }).content);
  return '';
};

export async function startFakeResponses(turns: ScriptedTurn[] = []): Promise<FakeResponses> {
  const queue = [...turns];
  const perTask = new Map<string, ScriptedTurn[]>();
  const scripts = new Map<string, ScriptedTurn[]>();
  const requests: ResponsesRequest[] = [];
  const open = new Set<ServerResponse>();
  let n = 0;
  const taskOf = (r: ResponsesRequest): string | null => {
    for (const i of r.input) {
      if (i.type !== 'message' || i.role !== 'user') continue;
      const m = /Your task is (T\d+)/.exec(textOf(i.content));
      if (m?.[1]) return m[1];
    }
    return null;
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '';
      if (req.method === 'GET' && url.startsWith('/v1/models')) return json(res, 200, { object: 'list', data: [] });
      if (req.method !== 'POST' || !url.startsWith('/v1/responses')) {
        return json(res, 404, { error: { message: `fake-responses: no ${req.method} ${url}` } });
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        model: string;
        input?: ResponsesRequest['input'];
        tools?: ResponsesRequest['tools'];
      };
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      const r: ResponsesRequest = { model: body.model, input: body.input ?? [], tools: body.tools ?? [], headers };
      requests.push(r);
      const task = taskOf(r);
      const script = task ? scripts.get(task) : undefined;
      const mine = task ? perTask.get(task) : undefined;
      const next = script ? script[answeredIn(r)] : mine?.length ? mine.shift() : queue.shift();
      const turn: Turn =
        next === undefined ? { text: 'Nothing more to do.' } : typeof next === 'function' ? next(r) : next;
      if (turn.hang) {
        open.add(res);
        res.on('close', () => open.delete(res));
        return;
      }
      if (turn.error)
        return json(res, turn.error.status, { error: { message: turn.error.message, type: 'invalid_request_error' } });
      reply(res, turn);
    });
  });

  function reply(res: ServerResponse, t: Turn): void {
    const id = `resp_fake_${++n}`;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (data: Record<string, unknown>) =>
      res.write(`event: ${String(data.type)}\ndata: ${JSON.stringify(data)}\n\n`);
    send({ type: 'response.created', response: { id } });
    const items: Array<Record<string, unknown>> = [];
    if (t.text) {
      items.push({
        type: 'message',
        role: 'assistant',
        id: `msg_${n}`,
        content: [{ type: 'output_text', text: t.text, annotations: [] }],
      });
    }
    for (const [i, c] of (t.calls ?? []).entries()) {
      const call_id = `call_fake_${n}_${i}`;
      if (c.search)
        items.push({
          type: 'tool_search_call',
          id: `ts_${n}_${i}`,
          call_id,
          execution: 'client',
          status: 'completed',
          arguments: c.arguments,
        });
      else if (c.custom)
        items.push({
          type: 'custom_tool_call',
          id: `ctc_${n}_${i}`,
          call_id,
          name: c.name,
          input: String(c.arguments),
          status: 'completed',
        });
      else {
        items.push({
          type: 'function_call',
          id: `fc_${n}_${i}`,
          call_id,
          name: c.name,
          ...(c.namespace ? { namespace: c.namespace } : {}),
          arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments),
          status: 'completed',
        });
      }
    }
    items.forEach((item, output_index) => {
      if (item.type === 'message' && t.text)
        send({ type: 'response.output_item.added', output_index, item: { ...item, content: [] } });
      if (item.type === 'message' && t.text)
        send({ type: 'response.output_text.delta', item_id: item.id, output_index, content_index: 0, delta: t.text });
      send({ type: 'response.output_item.done', output_index, item });
    });
    const usage = { input: t.usage?.input ?? 100, output: t.usage?.output ?? 20 };
    send({
      type: 'response.completed',
      response: {
        id,
        usage: {
          input_tokens: usage.input,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: usage.output,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: usage.input + usage.output,
        },
      },
    });
    res.end();
  }

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    push: (...t) => void queue.push(...t),
    pushFor: (taskId, ...t) => void perTask.set(taskId, [...(perTask.get(taskId) ?? []), ...t]),
    scriptFor: (taskId, ...t) => void scripts.set(taskId, t),
    get pending() {
      return queue.length + [...perTask.values()].reduce((k, q) => k + q.length, 0);
    },
    toolOutputs: () => {
      // Each request carries the whole conversation: the last request holds every output once.
      const seen = new Set<string>();
      const out: string[] = [];
      for (const r of requests) {
        for (const i of r.input) {
          if (i.type !== 'function_call_output' && i.type !== 'custom_tool_call_output') continue;
          const key = `${String(i.call_id)}`;
          if (seen.has(key)) continue;
          seen.add(key);
          out.push(textOf(i.output));
        }
      }
      return out;
    },
    userTexts: () => [
      ...new Set(
        requests.flatMap((r) =>
          r.input.filter((i) => i.type === 'message' && i.role === 'user').map((i) => textOf(i.content)),
        ),
      ),
    ],
    async close() {
      for (const r of open) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const CALLS = new Set(['function_call', 'custom_tool_call', 'tool_search_call']);

/** How many of this fake's answers with tool calls the conversation holds (their call ids name the answer). */
function answeredIn(r: ResponsesRequest): number {
  const answers = new Set<string>();
  for (const i of r.input) {
    const m = /^call_fake_(\d+)_/.exec(String(i.call_id ?? ''));
    if (m?.[1] && CALLS.has(String(i.type))) answers.add(m[1]);
  }
  return answers.size;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
