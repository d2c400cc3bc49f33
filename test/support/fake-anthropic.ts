/**
 * A protocol-level fake of the Anthropic Messages API for the REAL Claude Code binary, on 127.0.0.1.
 * Claude Code is pointed at it with ANTHROPIC_BASE_URL; it streams (SSE) every reply as the real API does.
 *
 * The model's turns are scripted: each POST /v1/messages that carries the conversation takes the next
 * turn, which may look at the request (the tool results Claude Code sends back) before answering with
 * text and/or tool uses. Requests beyond the script get a short final text, so a stray side request never
 * hangs a test; every request is recorded for assertions. A task may instead be answered by what its
 * request holds (`answerFor`): a retried request, or one more from a killed run's agent, takes no turn
 * meant for another.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ToolUse {
  name: string;
  input: Record<string, unknown>;
  id?: string;
}

export interface Turn {
  text?: string;
  tools?: ToolUse[];
  usage?: { input: number; output: number };
  /** Answer with this HTTP error instead (e.g. 401 for a refused key). */
  error?: { status: number; type: string; message: string };
  /** Keep the response open without a byte until the client gives up (a hung model). */
  hang?: boolean;
}

export interface MessagesRequest {
  model: string;
  messages: Array<{ role: string; content: unknown }>;
  tools: string[];
  headers: Record<string, string>;
}

export type ScriptedTurn = Turn | ((req: MessagesRequest) => Turn);

export interface FakeAnthropic {
  readonly url: string;
  readonly requests: MessagesRequest[];
  push(...turns: ScriptedTurn[]): void;
  /** Turns for the session working on this task (its first message names it): sessions may interleave. */
  pushFor(taskId: string, ...turns: ScriptedTurn[]): void;
  /** Every request on this task answered from what it holds; null gives the short final text. */
  answerFor(taskId: string, answer: (req: MessagesRequest) => Turn | null): void;
  readonly pending: number;
  /** The text of every tool_result Claude Code sent back, in order (what the agent read). */
  toolResults(): string[];
  close(): Promise<void>;
}

/** Every tool_result block's text in a request's last user message. */
export function lastToolResults(req: MessagesRequest): string[] {
  const last = req.messages.at(-1);
  if (!last || !Array.isArray(last.content)) return [];
  return (last.content as Array<Record<string, unknown>>).filter((b) => b.type === 'tool_result').map(resultText);
}

function resultText(b: Record<string, unknown>): string {
  const c = b.content;
  if (typeof c === 'string') return c;
  if (Array.isArray(c))
    return (c as Array<Record<string, unknown>>).map((x) => (typeof x.text === 'string' ? x.text : '')).join('');
  return '';
}

export async function startFakeAnthropic(turns: ScriptedTurn[] = []): Promise<FakeAnthropic> {
  const queue = [...turns];
  const perTask = new Map<string, ScriptedTurn[]>();
  const answers = new Map<string, (req: MessagesRequest) => Turn | null>();
  const taskOf = (r: MessagesRequest): string | null => {
    const first = r.messages[0];
    const text =
      typeof first?.content === 'string'
        ? first.content
        : Array.isArray(first?.content)
          ? (first.content as Array<{ text?: string }>).map((b) => b.text ?? '').join('')
          : '';
    return /Your task is (T\d+)/.exec(text)?.[1] ?? null;
  };
  const requests: MessagesRequest[] = [];
  const open = new Set<ServerResponse>();
  let n = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '';
      if (req.method === 'POST' && url.startsWith('/v1/messages/count_tokens'))
        return json(res, 200, { input_tokens: 1000 });
      if (req.method !== 'POST' || !url.startsWith('/v1/messages'))
        return json(res, 404, {
          type: 'error',
          error: { type: 'not_found_error', message: `fake-anthropic: no ${req.method} ${url}` },
        });
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        model: string;
        messages: MessagesRequest['messages'];
        tools?: Array<{ name: string }>;
        stream?: boolean;
      };
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      const r: MessagesRequest = {
        model: body.model,
        messages: body.messages,
        tools: (body.tools ?? []).map((t) => t.name),
        headers,
      };
      requests.push(r);
      // A side request with no tools (the ACP adapter asks for a session title) never takes a scripted turn.
      if (r.tools.length === 0 && body.stream !== false)
        return reply(res, body.model, { text: 'Governed session' }, true);
      const task = taskOf(r);
      const answer = task ? answers.get(task) : undefined;
      const mine = task ? perTask.get(task) : undefined;
      const next = answer ? answer(r) : mine?.length ? mine.shift() : queue.shift();
      const turn: Turn = next == null ? { text: 'Nothing more to do.' } : typeof next === 'function' ? next(r) : next;
      if (turn.hang) {
        open.add(res);
        res.on('close', () => open.delete(res));
        return;
      }
      if (turn.error)
        return json(res, turn.error.status, {
          type: 'error',
          error: { type: turn.error.type, message: turn.error.message },
        });
      reply(res, body.model, turn, body.stream !== false);
    });
  });

  function reply(res: ServerResponse, model: string, t: Turn, stream: boolean): void {
    const id = `msg_fake_${++n}`;
    const blocks: Array<Record<string, unknown>> = [];
    if (t.text) blocks.push({ type: 'text', text: t.text });
    for (const [i, u] of (t.tools ?? []).entries())
      blocks.push({ type: 'tool_use', id: u.id ?? `toolu_fake_${n}_${i}`, name: u.name, input: u.input });
    const usage = { input_tokens: t.usage?.input ?? 100, output_tokens: t.usage?.output ?? 20 };
    const stop = t.tools?.length ? 'tool_use' : 'end_turn';
    if (!stream) {
      json(res, 200, {
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: blocks,
        stop_reason: stop,
        stop_sequence: null,
        usage,
      });
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    send('message_start', {
      type: 'message_start',
      message: {
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: usage.input_tokens, output_tokens: 1 },
      },
    });
    blocks.forEach((b, index) => {
      if (b.type === 'text') {
        send('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
        send('content_block_delta', {
          type: 'content_block_delta',
          index,
          delta: { type: 'text_delta', text: b.text },
        });
      } else {
        send('content_block_start', {
          type: 'content_block_start',
          index,
          content_block: { type: 'tool_use', id: b.id, name: b.name, input: {} },
        });
        send('content_block_delta', {
          type: 'content_block_delta',
          index,
          delta: { type: 'input_json_delta', partial_json: JSON.stringify(b.input) },
        });
      }
      send('content_block_stop', { type: 'content_block_stop', index });
    });
    send('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: stop, stop_sequence: null },
      usage: { output_tokens: usage.output_tokens },
    });
    send('message_stop', { type: 'message_stop' });
    res.end();
  }

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    push: (...t) => void queue.push(...t),
    pushFor: (taskId, ...t) => void perTask.set(taskId, [...(perTask.get(taskId) ?? []), ...t]),
    answerFor: (taskId, answer) => void answers.set(taskId, answer),
    get pending() {
      return queue.length + [...perTask.values()].reduce((n, q) => n + q.length, 0);
    },
    toolResults: () => requests.flatMap(lastToolResults),
    async close() {
      for (const r of open) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
