import { afterEach, describe, expect, it } from 'vitest';
import { runDoctor } from '../electron/core/agents/doctor.ts';
import { createModel, parseRuntimeRef } from '../electron/core/agents/llm/providers.ts';
import { createLlmRuntime } from '../electron/core/agents/llm/runtime.ts';
import { envKeys } from '../electron/core/secrets/keys.ts';
import { Redactor } from '../electron/core/secrets/redact.ts';
import { ADDER_TASKS } from './support/adder-plan.ts';
import { type FakeLlm, startFakeLlm } from './support/fake-llm.ts';
import { tempDir } from './support/tmp.ts';

const PLAN = {
  requirements: '# Requirements\n\nFR-1 add two numbers. FR-2 report the result. NFR-1 deterministic.',
  agent_tasks: '# Agent tasks\n\n| Task | Agent |\n|---|---|\n| T1 | ProjectManager |\n| T4 | Implementer |',
  roadmap: [{ number: 1, name: 'Adder', goal: 'add numbers', deliverables: ['src/add.js'] }],
  tasks: ADDER_TASKS,
  kpis: [{ name: 'coverage', target: '≥ 80%' }],
  risks: ['none'],
};
const planInput = {
  agent: 'ProjectManager' as const,
  project: 'adder',
  brief: 'add numbers',
  phase: 1,
  feedback: null,
  roadmap: [],
  learned: null,
  testSetup: '- unit: `node --test tests/`',
};

const agentsFile = (base: string, structured?: 'json_mode') => {
  const role = (esc: 'Human' | 'ProjectManager' | 'Designer') => ({
    runtime: 'openai-compatible:small-model',
    base_url: base,
    count: 1,
    escalates_to: esc,
    ...(structured ? { structured_output: structured } : {}),
  });
  return {
    project: 'p',
    brief: 'b',
    agents: {
      ProjectManager: role('Human'),
      Designer: role('ProjectManager'),
      Implementer: role('Designer'),
      Tester: role('ProjectManager'),
    },
  };
};

/** A model runtime on an OpenAI-compatible server, as the factory builds it (with its JSON-mode twin). */
function compatRuntime(fake: FakeLlm, notices: string[]) {
  const ref = parseRuntimeRef('openai-compatible:small-model');
  const baseUrl = `${fake.url}/v1`;
  return createLlmRuntime({
    agent: 'ProjectManager',
    ref,
    model: createModel(ref, { apiKey: null, baseUrl }),
    jsonModeModel: createModel(ref, { apiKey: null, baseUrl, jsonSchema: false }),
    output: { mode: 'json_schema', fixed: false },
    onNotice: (t) => void notices.push(t),
    baseUrl,
    redactor: new Redactor(),
    timeoutMs: 20_000,
    maxSteps: 8,
    project: { name: 'adder', brief: 'add numbers' },
    agents: ['ProjectManager', 'Designer', 'Implementer', 'Tester'],
    escalatesTo: 'Human',
    onUsage: () => {},
  });
}

describe('servers that lack JSON-schema output or tool calling', () => {
  let fake: FakeLlm | null = null;
  afterEach(async () => {
    await fake?.close();
    fake = null;
  });

  it('doctor finds JSON mode where JSON-schema output is refused, and says so', async () => {
    fake = await startFakeLlm({
      capabilities: { jsonSchema: false },
      replies: [
        { text: 'OK' },
        { json: { status: 'ok', word: 'ready' } },
        { toolCalls: [{ name: 'ping', args: { value: 'ready' } }] },
      ],
    });
    const [check] = await runDoctor({ dir: tempDir(), agentsFile: agentsFile(`${fake.url}/v1`), keys: envKeys({}) });
    expect(check?.structured).toMatchObject({
      ok: true,
      mode: 'json_mode',
      detail: expect.stringMatching(
        /^JSON mode works \(JSON-schema output: .*not supported.*\); the team asks this way — pin it with `structured_output: json_mode`/,
      ),
    });
    expect(check?.tools).toEqual({ ok: true, detail: 'the model calls tools' });
    const formats = fake.requests
      .filter((r) => r.endpoint === 'openai-chat')
      .map((r) => (r.body as { response_format?: { type: string } }).response_format?.type ?? null);
    expect(formats).toEqual([null, 'json_schema', 'json_object', null]);
  });

  it('doctor fails a server without tool calling, naming who needs it', async () => {
    fake = await startFakeLlm({
      capabilities: { tools: false },
      replies: [{ text: 'OK' }, { json: { status: 'ok', word: 'ready' } }],
    });
    const [check] = await runDoctor({ dir: tempDir(), agentsFile: agentsFile(`${fake.url}/v1`), keys: envKeys({}) });
    expect(check?.structured).toMatchObject({ ok: true, mode: 'json_schema' });
    expect(check?.tools).toMatchObject({
      ok: false,
      detail: expect.stringMatching(
        /tool calling failed: .*does not support tools.*implementers and the tester need it/,
      ),
    });
  });

  it('the runtime falls back to JSON mode with the schema in the prompt, keeps that mode, and says so once', async () => {
    fake = await startFakeLlm({ capabilities: { jsonSchema: false }, replies: [{ json: PLAN }, { json: PLAN }] });
    const notices: string[] = [];
    const rt = compatRuntime(fake, notices);
    expect((await rt.plan(planInput)).tasks).toHaveLength(5);
    expect((await rt.plan(planInput)).tasks).toHaveLength(5);
    const sent = fake.requests.filter((r) => r.endpoint === 'openai-chat');
    expect(sent.map((r) => (r.body as { response_format?: { type: string } }).response_format?.type)).toEqual([
      'json_schema',
      'json_object',
      'json_object',
    ]);
    expect(JSON.stringify(sent[1]?.body)).toMatch(/following this JSON schema/);
    expect(notices).toEqual([expect.stringMatching(/refused JSON-schema output; asking with JSON mode from now on/)]);
  });

  it('and to a forced tool call where even JSON mode is refused', async () => {
    fake = await startFakeLlm({
      replies: [
        { error: { status: 400, message: 'response_format is not supported' } },
        { error: { status: 400, message: 'response_format json_object is not supported' } },
        { toolCalls: [{ name: 'answer', args: PLAN }] },
      ],
    });
    const notices: string[] = [];
    const out = await compatRuntime(fake, notices).plan(planInput);
    expect(out.tasks).toHaveLength(5);
    const last = fake.requests.at(-1)?.body as { tool_choice?: unknown; tools?: Array<{ function: { name: string } }> };
    expect(last.tools?.map((t) => t.function.name)).toEqual(['answer']);
    expect(last.tool_choice).toEqual({ type: 'function', function: { name: 'answer' } });
    expect(notices).toHaveLength(2);
  });
});
