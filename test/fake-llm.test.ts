/**
 * Proves the REAL AI SDK provider clients (OpenAI chat, openai-compatible,
 * Anthropic) work against the protocol-level fake in test/support/fake-llm.ts.
 */
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import {
  APICallError,
  generateObject,
  generateText,
  Output,
  stepCountIs,
  streamText,
  tool,
  type LanguageModel,
} from 'ai';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { startFakeLlm, type FakeLlm, type RecordedRequest } from './support/fake-llm.ts';

interface ProviderCase {
  name: string;
  model(baseURL: string): LanguageModel;
  path: string;
  /** Asserts the API key was sent the way this provider sends it. */
  expectKey(req: RecordedRequest): void;
  /** The tool result the SDK sent back in the follow-up request, for `toolCallId`. */
  toolResult(req: RecordedRequest, toolCallId: string): string | undefined;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const asObj = (v: unknown): Obj => (isObj(v) ? v : {});
const messagesOf = (req: RecordedRequest | undefined): Obj[] => {
  const m = asObj(req?.body).messages;
  return Array.isArray(m) ? m.filter(isObj) : [];
};

const openaiToolResult = (req: RecordedRequest, id: string): string | undefined => {
  const msg = messagesOf(req).find((m) => m.role === 'tool' && m.tool_call_id === id);
  return typeof msg?.content === 'string' ? msg.content : undefined;
};

const cases: ProviderCase[] = [
  {
    name: 'openai chat',
    model: (baseURL) => createOpenAI({ baseURL, apiKey: 'sk-test-openai' }).chat('gpt-4o-mini'),
    path: '/v1/chat/completions',
    expectKey: (req) => expect(req.headers.authorization).toBe('Bearer sk-test-openai'),
    toolResult: openaiToolResult,
  },
  {
    name: 'openai-compatible (ollama)',
    model: (baseURL) =>
      createOpenAICompatible({ baseURL, name: 'ollama', apiKey: 'ollama-key', includeUsage: true })('llama3.2'),
    path: '/v1/chat/completions',
    expectKey: (req) => expect(req.headers.authorization).toBe('Bearer ollama-key'),
    toolResult: openaiToolResult,
  },
  {
    name: 'anthropic',
    model: (baseURL) => createAnthropic({ baseURL, apiKey: 'sk-ant-test' })('claude-sonnet-4-5'),
    path: '/v1/messages',
    expectKey: (req) => {
      expect(req.headers['x-api-key']).toBe('sk-ant-test');
      expect(req.headers['anthropic-version']).toBe('2023-06-01');
    },
    toolResult: (req, id) => {
      for (const m of messagesOf(req)) {
        if (m.role !== 'user' || !Array.isArray(m.content)) continue;
        for (const part of m.content.filter(isObj)) {
          if (part.type !== 'tool_result' || part.tool_use_id !== id) continue;
          if (typeof part.content === 'string') return part.content;
          if (Array.isArray(part.content)) {
            return part.content
              .filter(isObj)
              .map((c) => (typeof c.text === 'string' ? c.text : ''))
              .join('');
          }
        }
      }
      return undefined;
    },
  },
];

let fake: FakeLlm;
let savedWarnings: typeof globalThis.AI_SDK_LOG_WARNINGS;
beforeAll(async () => {
  savedWarnings = globalThis.AI_SDK_LOG_WARNINGS;
  globalThis.AI_SDK_LOG_WARNINGS = false; // e.g. openai-compatible's "responseFormat schema not supported"
  fake = await startFakeLlm();
});
afterAll(async () => {
  globalThis.AI_SDK_LOG_WARNINGS = savedWarnings;
  await fake.close();
});
afterEach(() => {
  expect(fake.pending, 'every scripted reply was consumed').toBe(0);
  fake.requests.length = 0;
});

const weatherTool = (calls: unknown[]) =>
  tool({
    description: 'Current weather for a city',
    inputSchema: z.object({ city: z.string() }),
    execute: async ({ city }) => {
      calls.push(city);
      return { city, tempC: 21 };
    },
  });

describe.each(cases)('$name against the fake', (c) => {
  const model = (): LanguageModel => c.model(`${fake.url}/v1`);

  it('generateText: text, usage, API key', async () => {
    fake.push({ text: 'Hello from the fake.', usage: { input: 42, output: 7 } });
    const res = await generateText({ model: model(), prompt: 'Say hello' });

    expect(res.text).toBe('Hello from the fake.');
    expect(res.finishReason).toBe('stop');
    expect(res.usage.inputTokens).toBe(42);
    expect(res.usage.outputTokens).toBe(7);
    expect(res.usage.totalTokens).toBe(49);

    expect(fake.requests).toHaveLength(1);
    const req = fake.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe(c.path);
    expect(req.stream).toBe(false);
    c.expectKey(req);
    expect(JSON.stringify(messagesOf(req))).toContain('Say hello');
  });

  it('generateObject with a zod schema', async () => {
    fake.push({ json: { title: 'Ship it', priority: 2, tags: ['a', 'b'] } });
    const schema = z.object({ title: z.string(), priority: z.number().int(), tags: z.array(z.string()) });
    const res = await generateObject({ model: model(), schema, prompt: 'Make a task' });
    expect(res.object).toEqual({ title: 'Ship it', priority: 2, tags: ['a', 'b'] });
  });

  it('generateText with Output.object', async () => {
    fake.push({ json: { ok: true } });
    const res = await generateText({
      model: model(),
      output: Output.object({ schema: z.object({ ok: z.boolean() }) }),
      prompt: 'ok?',
    });
    expect(res.output).toEqual({ ok: true });
  });

  it('streamText: text deltas and usage', async () => {
    fake.push({ text: 'one two three four', usage: { input: 11, output: 4 } });
    const res = streamText({ model: model(), prompt: 'count' });
    const deltas: string[] = [];
    for await (const d of res.textStream) deltas.push(d);

    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('one two three four');
    const usage = await res.usage;
    expect(usage.inputTokens).toBe(11);
    expect(usage.outputTokens).toBe(4);
    expect(await res.finishReason).toBe('stop');
    expect(fake.requests[0]!.stream).toBe(true);
    c.expectKey(fake.requests[0]!);
  });

  it('tool-call round trip (generateText, stopWhen stepCountIs(3))', async () => {
    fake.push(
      { toolCalls: [{ name: 'weather', args: { city: 'Oslo' }, id: 'call_1' }], usage: { input: 20, output: 3 } },
      { text: 'It is 21C in Oslo.', usage: { input: 30, output: 6 } },
    );
    const calls: unknown[] = [];
    const res = await generateText({
      model: model(),
      tools: { weather: weatherTool(calls) },
      stopWhen: stepCountIs(3),
      prompt: 'Weather in Oslo?',
    });

    expect(calls).toEqual(['Oslo']);
    expect(res.text).toBe('It is 21C in Oslo.');
    expect(res.steps).toHaveLength(2);
    expect(res.steps[0]!.finishReason).toBe('tool-calls');
    expect(res.totalUsage.inputTokens).toBe(50);
    expect(res.totalUsage.outputTokens).toBe(9);

    expect(fake.requests).toHaveLength(2);
    const first = asObj(fake.requests[0]!.body);
    expect(JSON.stringify(first.tools)).toContain('weather');
    const result = c.toolResult(fake.requests[1]!, 'call_1');
    expect(result).toBeDefined();
    expect(JSON.parse(result!)).toEqual({ city: 'Oslo', tempC: 21 });
  });

  it('tool-call round trip (streamText)', async () => {
    fake.push({ toolCalls: [{ name: 'weather', args: { city: 'Rome' }, id: 'call_s' }] }, { text: 'Sunny.' });
    const calls: unknown[] = [];
    const res = streamText({
      model: model(),
      tools: { weather: weatherTool(calls) },
      stopWhen: stepCountIs(3),
      prompt: 'Weather in Rome?',
    });
    expect(await res.text).toBe('Sunny.');
    expect(calls).toEqual(['Rome']);
    expect(JSON.parse(c.toolResult(fake.requests[1]!, 'call_s') ?? 'null')).toEqual({ city: 'Rome', tempC: 21 });
  });

  it('401 surfaces as APICallError with statusCode 401', async () => {
    fake.push({ error: { status: 401 } });
    const err: unknown = await generateText({ model: model(), prompt: 'x', maxRetries: 0 }).catch((e: unknown) => e);
    expect(APICallError.isInstance(err)).toBe(true);
    const apiErr = err as APICallError;
    expect(apiErr.statusCode).toBe(401);
    expect(apiErr.isRetryable).toBe(false);
    expect(fake.requests).toHaveLength(1);
  });

  it('429 with retry-after is retried (maxRetries: 1) and then succeeds', async () => {
    fake.push({ error: { status: 429, headers: { 'retry-after': '1' } } }, { text: 'after retry' });
    // Fake timers: the SDK's wait before the retry is a setTimeout, so the test moves the clock instead of sleeping.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const pending = generateText({ model: model(), prompt: 'x', maxRetries: 1 });
      // The 429 travels over a real socket; the retry is scheduled once the SDK has read it.
      await until(() => fake.requests.length === 1 && vi.getTimerCount() > 0);
      await vi.advanceTimersByTimeAsync(999);
      expect(fake.requests).toHaveLength(1); // retry-after: 1 (s) is honoured: nothing before a second
      await vi.advanceTimersByTimeAsync(1); // and not the 2 s default backoff either
      await until(() => fake.requests.length === 2);
      expect((await pending).text).toBe('after retry');
    } finally {
      vi.useRealTimers();
    }
  });

  it('context-length 400 is a non-retryable APICallError with the provider message', async () => {
    fake.push({ error: { status: 400, kind: 'context_length' } });
    const err: unknown = await generateText({ model: model(), prompt: 'x', maxRetries: 2 }).catch((e: unknown) => e);
    expect(APICallError.isInstance(err)).toBe(true);
    const apiErr = err as APICallError;
    expect(apiErr.statusCode).toBe(400);
    expect(fake.requests).toHaveLength(1); // not retried
    if (c.path === '/v1/messages') {
      expect(apiErr.message).toMatch(/prompt is too long/);
    } else {
      expect(apiErr.responseBody).toContain('context_length_exceeded');
    }
  });
});

/**
 * Turns the event loop until `done` holds. setImmediate is left real under the fake timers, and sockets are
 * read between its turns, so requests keep flowing; the bound is a backstop, not a timing assertion.
 */
async function until(done: () => boolean): Promise<void> {
  const giveUp = performance.now() + 60_000;
  while (!done()) {
    if (performance.now() > giveUp) throw new Error('the awaited condition never held');
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

describe('fake-llm specifics', () => {
  it('anthropic structured output via the synthetic `json` tool (older models)', async () => {
    fake.push({ json: { answer: 42 } });
    const model = createAnthropic({ baseURL: `${fake.url}/v1`, apiKey: 'k' })('claude-3-haiku-20240307');
    const res = await generateObject({ model, schema: z.object({ answer: z.number() }), prompt: 'q' });
    expect(res.object).toEqual({ answer: 42 });
    const body = asObj(fake.requests[0]!.body);
    expect(JSON.stringify(body.tools)).toContain('"name":"json"');
  });

  it('anthropic structured output via native output_config (newer models)', async () => {
    fake.push({ json: { answer: 7 } });
    const model = createAnthropic({ baseURL: `${fake.url}/v1`, apiKey: 'k' })('claude-sonnet-4-5');
    const res = await generateObject({ model, schema: z.object({ answer: z.number() }), prompt: 'q' });
    expect(res.object).toEqual({ answer: 7 });
    const body = asObj(fake.requests[0]!.body);
    expect(asObj(asObj(body.output_config).format).type).toBe('json_schema');
    expect(body.tools).toBeUndefined();
  });

  it('openai chat structured output sends response_format json_schema', async () => {
    fake.push({ json: { n: 1 } });
    const model = createOpenAI({ baseURL: `${fake.url}/v1`, apiKey: 'k' }).chat('gpt-4o-mini');
    await generateObject({ model, schema: z.object({ n: z.number() }), prompt: 'q' });
    expect(asObj(asObj(fake.requests[0]!.body).response_format).type).toBe('json_schema');
  });

  it('openai-compatible structured output sends only json_object (schema dropped) by default', async () => {
    fake.push({ json: { n: 1 } }, { json: { n: 2 } });
    const schema = z.object({ n: z.number() });
    const plain = createOpenAICompatible({ baseURL: `${fake.url}/v1`, name: 'ollama' })('llama3.2');
    const res = await generateObject({ model: plain, schema, prompt: 'q' });
    expect(res.object).toEqual({ n: 1 }); // still validated client-side
    expect(res.warnings?.some((w) => w.type === 'unsupported')).toBe(true);
    expect(asObj(fake.requests[0]!.body).response_format).toEqual({ type: 'json_object' });

    const strict = createOpenAICompatible({
      baseURL: `${fake.url}/v1`,
      name: 'ollama',
      supportsStructuredOutputs: true,
    })('llama3.2');
    await generateObject({ model: strict, schema, prompt: 'q' });
    expect(asObj(asObj(fake.requests[1]!.body).response_format).type).toBe('json_schema');
  });

  it('anthropic streamed structured output through the json tool', async () => {
    fake.push({ json: { answer: 5 } });
    const model = createAnthropic({ baseURL: `${fake.url}/v1`, apiKey: 'k' })('claude-3-haiku-20240307');
    const res = streamText({ model, output: Output.object({ schema: z.object({ answer: z.number() }) }), prompt: 'q' });
    expect(await res.output).toEqual({ answer: 5 });
  });

  it('openai-compatible without includeUsage streams no usage (like the real API)', async () => {
    fake.push({ text: 'hi' });
    const model = createOpenAICompatible({ baseURL: `${fake.url}/v1`, name: 'ollama' })('llama3.2');
    const res = streamText({ model, prompt: 'q' });
    expect(await res.text).toBe('hi');
    expect((await res.usage).inputTokens).toBeUndefined();
    expect(asObj(fake.requests[0]!.body).stream_options).toBeUndefined();
  });

  it('hang: the client times out and close() still finishes', async () => {
    const own = await startFakeLlm({ replies: [{ hang: true }] });
    const model = createOpenAI({ baseURL: `${own.url}/v1`, apiKey: 'k' }).chat('gpt-4o-mini');
    const err: unknown = await generateText({
      model,
      prompt: 'q',
      maxRetries: 0,
      abortSignal: AbortSignal.timeout(200),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(own.requests).toHaveLength(1);
    await own.close();
  });

  it('close() ends a response still hanging with no client abort', async () => {
    const own = await startFakeLlm({ replies: [{ hang: true }] });
    const pending = fetch(`${own.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    }).then(
      () => 'resolved',
      () => 'rejected',
    );
    while (own.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    await own.close();
    expect(await pending).toBe('rejected');
  });

  it('GET /v1/models lists models in an OpenAI/Anthropic-readable shape', async () => {
    const own = await startFakeLlm({ models: ['m1', 'm2'] });
    try {
      const res = await fetch(`${own.url}/v1/models`, { headers: { authorization: 'Bearer k' } });
      expect(res.status).toBe(200);
      const body = asObj(await res.json());
      expect(body.object).toBe('list');
      expect(body.has_more).toBe(false);
      const data = Array.isArray(body.data) ? body.data.map(asObj) : [];
      expect(data.map((m) => m.id)).toEqual(['m1', 'm2']);
      expect(data[0]).toMatchObject({ object: 'model', type: 'model' });
      expect(own.requests[0]).toMatchObject({ method: 'GET', path: '/v1/models', endpoint: 'models' });
      expect(own.requests[0]!.headers.authorization).toBe('Bearer k');
    } finally {
      await own.close();
    }
  });

  it('provider-shaped error bodies, custom bodies and headers', async () => {
    const post = (path: string) =>
      fetch(`${fake.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });

    fake.push({ error: { status: 400, kind: 'context_length' } });
    const o = await post('/v1/chat/completions');
    expect(o.status).toBe(400);
    expect(await o.json()).toMatchObject({ error: { code: 'context_length_exceeded', type: 'invalid_request_error' } });

    fake.push({ error: { status: 400, kind: 'context_length' } });
    const a = await post('/v1/messages');
    expect(await a.json()).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringMatching(/^prompt is too long/) },
    });

    fake.push({ error: { status: 429, headers: { 'retry-after': '3' } } });
    const r = await post('/v1/messages');
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('3');
    expect(await r.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });

    fake.push({ error: { status: 503, body: 'upstream down' } });
    const s = await post('/v1/chat/completions');
    expect(s.status).toBe(503);
    expect(await s.text()).toBe('upstream down');
  });

  it('an empty queue and an unknown path fail loudly and fast', async () => {
    const model = createOpenAI({ baseURL: `${fake.url}/v1`, apiKey: 'k' }).chat('gpt-4o-mini');
    const err: unknown = await generateText({ model, prompt: 'q' }).catch((e: unknown) => e);
    expect(APICallError.isInstance(err)).toBe(true);
    expect((err as APICallError).message).toMatch(/^fake-llm: no scripted reply left/);
    expect(fake.requests).toHaveLength(1); // 400 is not retried

    const responses = createOpenAI({ baseURL: `${fake.url}/v1`, apiKey: 'k' })('gpt-4o-mini'); // Responses API
    fake.push({ text: 'unused' });
    const err2: unknown = await generateText({ model: responses, prompt: 'q', maxRetries: 0 }).catch((e: unknown) => e);
    expect((err2 as APICallError).statusCode).toBe(404);
    expect(fake.requests[1]!.path).toBe('/v1/responses');
    expect(fake.pending).toBe(1); // unknown routes don't consume replies
    fake.push(); // no-op
    // drain so afterEach's pending check holds
    await generateText({ model, prompt: 'drain' });
  });
});
