/** Wire formats of the fake provider: request parsing and OpenAI/Anthropic-shaped bodies, errors and SSE. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FakeEndpoint, FakeErrorSpec, FakeReply } from './fake-llm.ts';

type JsonObject = Record<string, unknown>;
type SuccessReply = Exclude<FakeReply, { error: FakeErrorSpec } | { hang: true }>;

// ------------------------------------------------------------------ helpers

export function classify(method: string, path: string): FakeEndpoint {
  if (method === 'POST' && path === '/v1/chat/completions') return 'openai-chat';
  if (method === 'POST' && path === '/v1/messages') return 'anthropic-messages';
  if (method === 'GET' && path === '/v1/models') return 'models';
  return 'unknown';
}

export function isRecord(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseBody(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

export function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

export function replyText(reply: SuccessReply): string | null {
  if ('json' in reply) return JSON.stringify(reply.json);
  if ('toolCalls' in reply) return reply.text ?? null;
  return reply.text;
}

/** "Hello big world" -> ["Hello ", "big ", "world"], so clients must concatenate deltas. */
export function splitForStream(text: string): string[] {
  return text === '' ? [] : text.split(/(?<=\s)/);
}

export function declaresTool(body: JsonObject, name: string): boolean {
  return Array.isArray(body.tools) && body.tools.some((t) => isRecord(t) && t.name === name);
}

export function modelList(ids: string[]): unknown {
  // One body both SDK shapes can read: OpenAI (`object`, `owned_by`) and
  // Anthropic (`type`, `display_name`, `created_at`, `has_more`, `first_id`, `last_id`).
  const created = 1_700_000_000;
  return {
    object: 'list',
    data: ids.map((id) => ({
      id,
      object: 'model',
      created,
      owned_by: 'fake-llm',
      type: 'model',
      display_name: id,
      created_at: new Date(created * 1000).toISOString(),
    })),
    has_more: false,
    first_id: ids[0] ?? null,
    last_id: ids[ids.length - 1] ?? null,
  };
}

export function openaiErrorBody(spec: FakeErrorSpec): unknown {
  if (spec.kind === 'context_length') {
    return {
      error: {
        message:
          spec.message ??
          "This model's maximum context length is 128000 tokens. However, your messages resulted in " +
            '130000 tokens. Please reduce the length of the messages.',
        type: 'invalid_request_error',
        param: 'messages',
        code: 'context_length_exceeded',
      },
    };
  }
  const [type, code, message] = ((): [string, string | null, string] => {
    switch (spec.status) {
      case 401:
        return ['invalid_request_error', 'invalid_api_key', 'Incorrect API key provided.'];
      case 403:
        return ['invalid_request_error', 'unsupported_country_region_territory', 'Forbidden.'];
      case 404:
        return [
          'invalid_request_error',
          'model_not_found',
          'The model does not exist or you do not have access to it.',
        ];
      case 429:
        return ['requests', 'rate_limit_exceeded', 'Rate limit reached. Please try again later.'];
      default:
        return spec.status >= 500
          ? ['server_error', null, 'The server had an error while processing your request.']
          : ['invalid_request_error', null, 'Invalid request.'];
    }
  })();
  return { error: { message: spec.message ?? message, type, param: null, code } };
}

export function anthropicErrorBody(spec: FakeErrorSpec): unknown {
  if (spec.kind === 'context_length') {
    return {
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message: spec.message ?? 'prompt is too long: 210000 tokens > 200000 maximum',
      },
    };
  }
  const [type, message] = ((): [string, string] => {
    switch (spec.status) {
      case 401:
        return ['authentication_error', 'invalid x-api-key'];
      case 403:
        return ['permission_error', 'Your API key does not have permission to use the specified resource.'];
      case 404:
        return ['not_found_error', 'The requested resource could not be found.'];
      case 413:
        return ['request_too_large', 'Request exceeds the maximum allowed number of bytes.'];
      case 429:
        return ['rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit.'];
      case 529:
        return ['overloaded_error', 'Overloaded'];
      default:
        return spec.status >= 500
          ? ['api_error', 'Internal server error']
          : ['invalid_request_error', 'Invalid request.'];
    }
  })();
  return { type: 'error', error: { type, message: spec.message ?? message } };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export function sendSse(res: ServerResponse, events: Array<{ event?: string; data: unknown }>, done: boolean): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  for (const e of events) {
    res.write(`${e.event !== undefined ? `event: ${e.event}\n` : ''}data: ${JSON.stringify(e.data)}\n\n`);
  }
  if (done) res.write('data: [DONE]\n\n');
  res.end();
}
