/**
 * A scriptable fake LLM server for tests, faked at the HTTP protocol level so
 * the REAL Vercel AI SDK provider clients can talk to it.
 *
 * Serves, on 127.0.0.1 only:
 *   POST /v1/chat/completions  OpenAI Chat Completions (also openai-compatible / Ollama), JSON or SSE
 *   POST /v1/messages          Anthropic Messages, JSON or SSE
 *   GET  /v1/models            a model list readable as both OpenAI's and Anthropic's shape
 *
 * Point clients at `fake.url + '/v1'`:
 *   createOpenAI({ baseURL, apiKey }).chat(model)      (NOT `openai(model)`: that is the Responses API)
 *   createOpenAICompatible({ baseURL, name, apiKey })(model)
 *   createAnthropic({ baseURL, apiKey })(model)
 *
 * Scripted replies are consumed in order by whichever POST endpoint is called
 * next. When the queue is empty the server answers a non-retryable 400 whose
 * message starts with "fake-llm:" so a missing reply fails fast and loudly.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  classify,
  isRecord,
  parseBody,
  flattenHeaders,
  replyText,
  splitForStream,
  declaresTool,
  modelList,
  openaiErrorBody,
  anthropicErrorBody,
  sendJson,
  sendSse,
} from './fake-llm-wire.ts';

export interface FakeUsage {
  input: number;
  output: number;
}

export interface FakeToolCall {
  name: string;
  /** Tool input; serialised as JSON (OpenAI `function.arguments`, Anthropic `input`). */
  args: unknown;
  /** Defaults to `call_fake_<n>` (OpenAI) / `toolu_fake_<n>` (Anthropic). */
  id?: string;
}

export interface FakeErrorSpec {
  status: number;
  /** Overrides the default, provider-flavoured message. */
  message?: string;
  /**
   * `context_length`: OpenAI `code: "context_length_exceeded"` /
   * Anthropic `"prompt is too long: …"` (use with status 400).
   */
  kind?: 'context_length';
  /** Sent verbatim instead of the provider-shaped body (strings as-is, anything else as JSON). */
  body?: unknown;
  /** Extra response headers, e.g. `{ 'retry-after': '1' }` or `{ 'retry-after-ms': '10' }`. */
  headers?: Record<string, string>;
}

export type FakeReply =
  | { text: string; usage?: FakeUsage }
  /**
   * Structured output. OpenAI: JSON text as `message.content`. Anthropic: a
   * `tool_use` block for the SDK's synthetic `json` tool when the request
   * declares one (older models), otherwise JSON text (native `output_config.format`).
   */
  | { json: unknown; usage?: FakeUsage }
  | { toolCalls: FakeToolCall[]; text?: string; usage?: FakeUsage }
  | { error: FakeErrorSpec }
  /** Never answer; the connection stays open until the client aborts or `close()`. */
  | { hang: true };

export type FakeEndpoint = 'openai-chat' | 'anthropic-messages' | 'models' | 'unknown';

export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/v1/chat/completions`. */
  path: string;
  endpoint: FakeEndpoint;
  /** Lower-cased names; NOT redacted (`authorization`, `x-api-key` are kept). */
  headers: Record<string, string>;
  /** Parsed JSON body; the raw string if it was not JSON; `undefined` if empty. */
  body: unknown;
  rawBody: string;
  /** `body.stream === true`. */
  stream: boolean;
  /** The scripted reply this request consumed, if any. */
  reply?: FakeReply;
}

export interface FakeLlm {
  /** `http://127.0.0.1:PORT` (no `/v1`). */
  readonly url: string;
  readonly requests: RecordedRequest[];
  push(...replies: FakeReply[]): void;
  /** Scripted replies not yet consumed. */
  readonly pending: number;
  close(): Promise<void>;
}

export interface FakeLlmOptions {
  replies?: FakeReply[];
  /** Ids listed by `GET /v1/models`. Default `['fake-model']`. */
  models?: string[];
  /**
   * What the server supports, as real servers differ: without `jsonSchema` a request with
   * `response_format: json_schema` gets a 400 as from a server that lacks it (JSON mode still works);
   * without `tools` any request that declares tools gets a 400 ("does not support tools").
   */
  capabilities?: { jsonSchema?: boolean; tools?: boolean };
  /**
   * Answers a request when the queue is empty: a fake model that reads the request (a whole project's
   * team can be played this way). Return undefined to fall through to the "no scripted reply" error.
   */
  respond?: (request: RecordedRequest) => FakeReply | undefined;
}

/** Usage reported when a reply does not specify one. */
export const DEFAULT_USAGE: Readonly<FakeUsage> = Object.freeze({ input: 10, output: 5 });

type JsonObject = Record<string, unknown>;
type SuccessReply = Exclude<FakeReply, { error: FakeErrorSpec } | { hang: true }>;
type Flavor = 'openai' | 'anthropic';

export async function startFakeLlm(opts: FakeLlmOptions = {}): Promise<FakeLlm> {
  const queue: FakeReply[] = [...(opts.replies ?? [])];
  const requests: RecordedRequest[] = [];
  const models = opts.models ?? ['fake-model'];
  let seq = 0;
  const nextId = (): number => ++seq;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      try {
        handle(req, res, rawBody);
      } catch (err) {
        if (!res.headersSent) {
          sendJson(res, 500, { error: { message: `fake-llm internal error: ${String(err)}`, type: 'server_error' } });
        } else {
          res.destroy();
        }
      }
    });
  });

  function handle(req: IncomingMessage, res: ServerResponse, rawBody: string): void {
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const endpoint = classify(method, path);
    const body = parseBody(rawBody);
    const record: RecordedRequest = {
      method,
      path,
      endpoint,
      headers: flattenHeaders(req),
      body,
      rawBody,
      stream: isRecord(body) && body.stream === true,
    };
    requests.push(record);

    if (endpoint === 'models') {
      sendJson(res, 200, modelList(models));
      return;
    }
    if (endpoint === 'unknown') {
      sendJson(res, 404, {
        error: {
          message: `fake-llm: no route for ${method} ${path}`,
          type: 'invalid_request_error',
          code: 'not_found',
        },
      });
      return;
    }

    const flavor: Flavor = endpoint === 'anthropic-messages' ? 'anthropic' : 'openai';
    const caps = opts.capabilities ?? {};
    const format = isRecord(body) && isRecord(body.response_format) ? body.response_format.type : null;
    if (caps.jsonSchema === false && format === 'json_schema') {
      sendError(res, flavor, {
        status: 400,
        message: "response_format type 'json_schema' is not supported by this server; use 'json_object'",
      });
      return;
    }
    if (caps.tools === false && isRecord(body) && Array.isArray(body.tools) && body.tools.length > 0) {
      sendError(res, flavor, { status: 400, message: 'this model does not support tools' });
      return;
    }
    const reply = queue.shift() ?? opts.respond?.(record);
    if (reply === undefined) {
      sendError(res, flavor, {
        status: 400,
        message: `fake-llm: no scripted reply left for ${method} ${path} (request #${requests.length})`,
      });
      return;
    }
    record.reply = reply;

    if ('hang' in reply) return; // closed by the client's abort or by close()
    if ('error' in reply) {
      sendError(res, flavor, reply.error);
      return;
    }
    const reqBody: JsonObject = isRecord(body) ? body : {};
    if (flavor === 'openai') openaiReply(res, reqBody, reply, record.stream);
    else anthropicReply(res, reqBody, reply, record.stream);
  }

  // ---------------------------------------------------------------- OpenAI

  function openaiReply(res: ServerResponse, reqBody: JsonObject, reply: SuccessReply, stream: boolean): void {
    const id = `chatcmpl-fake-${nextId()}`;
    const created = Math.floor(Date.now() / 1000);
    const model = typeof reqBody.model === 'string' ? reqBody.model : 'fake-model';
    const u = reply.usage ?? DEFAULT_USAGE;
    const usage = { prompt_tokens: u.input, completion_tokens: u.output, total_tokens: u.input + u.output };
    const text = replyText(reply);
    const toolCalls =
      'toolCalls' in reply
        ? reply.toolCalls.map((tc) => ({
            id: tc.id ?? `call_fake_${nextId()}`,
            type: 'function' as const,
            function: { name: tc.name, arguments: JSON.stringify(tc.args ?? {}) },
          }))
        : [];
    const finishReason = toolCalls.length > 0 ? 'tool_calls' : 'stop';

    if (!stream) {
      sendJson(res, 200, {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: text,
              ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
            },
            logprobs: null,
            finish_reason: finishReason,
          },
        ],
        usage,
      });
      return;
    }

    const base = { id, object: 'chat.completion.chunk', created, model };
    const events: unknown[] = [
      { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
    ];
    for (const piece of splitForStream(text ?? '')) {
      events.push({ ...base, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] });
    }
    toolCalls.forEach((tc, index) => {
      events.push({
        ...base,
        choices: [
          {
            index: 0,
            delta: {
              tool_calls: [{ index, id: tc.id, type: 'function', function: { name: tc.function.name, arguments: '' } }],
            },
            finish_reason: null,
          },
        ],
      });
      events.push({
        ...base,
        choices: [
          {
            index: 0,
            delta: { tool_calls: [{ index, function: { arguments: tc.function.arguments } }] },
            finish_reason: null,
          },
        ],
      });
    });
    events.push({ ...base, choices: [{ index: 0, delta: {}, finish_reason: finishReason }] });
    const streamOptions = reqBody.stream_options;
    if (isRecord(streamOptions) && streamOptions.include_usage === true) {
      // Like the real API: usage arrives in its own chunk with empty choices.
      events.push({ ...base, choices: [], usage });
    }
    sendSse(
      res,
      events.map((data) => ({ data })),
      true,
    );
  }

  // ------------------------------------------------------------- Anthropic

  function anthropicReply(res: ServerResponse, reqBody: JsonObject, reply: SuccessReply, stream: boolean): void {
    const id = `msg_fake_${nextId()}`;
    const model = typeof reqBody.model === 'string' ? reqBody.model : 'fake-model';
    const u = reply.usage ?? DEFAULT_USAGE;

    type Block = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: unknown };
    const blocks: Block[] = [];
    if ('json' in reply) {
      // @ai-sdk/anthropic uses native structured output (`output_config.format`)
      // for newer models and a forced synthetic tool named `json` for older ones.
      if (declaresTool(reqBody, 'json')) {
        blocks.push({ type: 'tool_use', id: `toolu_fake_${nextId()}`, name: 'json', input: reply.json });
      } else {
        blocks.push({ type: 'text', text: JSON.stringify(reply.json) });
      }
    } else {
      const text = replyText(reply);
      if (text !== null && text !== '') blocks.push({ type: 'text', text });
      if ('toolCalls' in reply) {
        for (const tc of reply.toolCalls) {
          blocks.push({ type: 'tool_use', id: tc.id ?? `toolu_fake_${nextId()}`, name: tc.name, input: tc.args ?? {} });
        }
      }
    }
    const stopReason = blocks.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn';

    if (!stream) {
      sendJson(res, 200, {
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: blocks,
        stop_reason: stopReason,
        stop_sequence: null,
        usage: { input_tokens: u.input, output_tokens: u.output },
      });
      return;
    }

    const events: Array<{ event: string; data: unknown }> = [];
    const ev = (type: string, data: JsonObject): void => {
      events.push({ event: type, data: { type, ...data } });
    };
    ev('message_start', {
      message: {
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: u.input, output_tokens: 1 },
      },
    });
    ev('ping', {});
    blocks.forEach((block, index) => {
      if (block.type === 'text') {
        ev('content_block_start', { index, content_block: { type: 'text', text: '' } });
        for (const piece of splitForStream(block.text)) {
          ev('content_block_delta', { index, delta: { type: 'text_delta', text: piece } });
        }
      } else {
        ev('content_block_start', {
          index,
          content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
        });
        ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: '' } });
        ev('content_block_delta', {
          index,
          delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) },
        });
      }
      ev('content_block_stop', { index });
    });
    ev('message_delta', {
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: u.output },
    });
    ev('message_stop', {});
    sendSse(res, events, false);
  }

  // ---------------------------------------------------------------- errors

  function sendError(res: ServerResponse, flavor: Flavor, spec: FakeErrorSpec): void {
    const headers = spec.headers ?? {};
    if (spec.body !== undefined) {
      const isString = typeof spec.body === 'string';
      res.writeHead(spec.status, {
        'content-type': isString ? 'text/plain; charset=utf-8' : 'application/json',
        ...headers,
      });
      res.end(isString ? spec.body : JSON.stringify(spec.body));
      return;
    }
    const body = flavor === 'openai' ? openaiErrorBody(spec) : anthropicErrorBody(spec);
    sendJson(res, spec.status, body, headers);
  }

  const url = await new Promise<string>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      resolve(`http://127.0.0.1:${port}`);
    });
  });

  let closing: Promise<void> | undefined;
  return {
    url,
    requests,
    push(...replies: FakeReply[]): void {
      queue.push(...replies);
    },
    get pending(): number {
      return queue.length;
    },
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Drops idle keep-alive sockets and any `{ hang: true }` response.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
