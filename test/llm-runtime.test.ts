import { mkdirSync, symlinkSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Review } from '../shared/index.ts';
import { LlmError } from '../electron/core/agents/llm/errors.ts';
import { createModel, parseRuntimeRef } from '../electron/core/agents/llm/providers.ts';
import { createLlmRuntime } from '../electron/core/agents/llm/runtime.ts';
import type { Usage } from '../electron/core/agents/llm/structured.ts';
import { Redactor } from '../electron/core/secrets/redact.ts';
import { openWorkspace } from '../electron/core/workflow/workspace.ts';
import { type FakeLlm, startFakeLlm } from './support/fake-llm.ts';
import { tempDir } from './support/tmp.ts';
import { ADDER_TASKS } from './support/adder-plan.ts';

const KEY = 'sk-test-0123456789abcdefSECRET';
const PLAN = {
  requirements: '# Requirements\n\nFR-1 add two numbers. FR-2 report the result. NFR-1 deterministic.',
  agent_tasks: '# Agent tasks\n\n| Task | Agent |\n|---|---|\n| T1 | ProjectManager |\n| T4 | Implementer |',
  roadmap: [{ number: 1, name: 'Adder', goal: 'add numbers', deliverables: ['src/add.js'] }],
  tasks: ADDER_TASKS,
  kpis: [{ name: 'coverage', target: '≥ 80%' }],
  risks: ['none'],
};

function runtimeFor(fake: FakeLlm, over: { timeoutMs?: number; provider?: string; usage?: Usage[] } = {}) {
  const ref = parseRuntimeRef((over.provider ?? 'openai:gpt-4o-mini') as never);
  const redactor = new Redactor();
  redactor.add(KEY);
  const baseUrl = `${fake.url}/v1`;
  const usage = over.usage ?? [];
  return createLlmRuntime({
    agent: 'ProjectManager',
    ref,
    model: createModel(ref, { apiKey: KEY, baseUrl }),
    baseUrl,
    redactor,
    timeoutMs: over.timeoutMs ?? 20_000,
    maxSteps: 8,
    project: { name: 'adder', brief: 'add numbers' },
    agents: ['ProjectManager', 'Designer', 'Implementer', 'Tester'],
    escalatesTo: 'Designer',
    onUsage: (_p, u) => void usage.push(u),
  });
}

const planInput = {
  agent: 'ProjectManager' as const,
  project: 'adder',
  brief: 'add numbers',
  phase: 1,
  feedback: null,
  roadmap: [],
  learned: null,
  testSetup: '- unit: `node --test`',
};

describe('AI SDK runtimes against a local fake of the provider APIs', () => {
  let fake: FakeLlm;
  beforeAll(async () => {
    fake = await startFakeLlm();
  });
  afterAll(() => fake?.close());

  it('produces a plan as validated structured output, and counts its tokens', async () => {
    const usage: Usage[] = [];
    fake.push({ json: PLAN, usage: { input: 120, output: 80 } });
    const out = await runtimeFor(fake, { usage }).plan(planInput);
    expect(out.tasks.map((t) => `${t.id}:${t.agent}`)).toEqual([
      'T1:ProjectManager',
      'T2:Designer',
      'T3:Tester',
      'T4:Implementer',
      'T5:Tester',
    ]);
    expect(out.requirements).toMatch(/FR-1/);
    expect(usage).toEqual([{ input: 120, output: 80 }]);
    const sent = fake.requests.at(-1);
    expect(sent?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(JSON.stringify(sent?.body)).toMatch(/Plan phase 1 of the project/);
  });

  it('feeds a validation error back and retries: an unknown agent, then a valid plan', async () => {
    fake.push({ json: { ...PLAN, tasks: [{ ...PLAN.tasks[0], agent: 'Optimizer' }] } }, { json: PLAN });
    const out = await runtimeFor(fake).plan(planInput);
    expect(out.tasks).toHaveLength(5);
    expect(JSON.stringify(fake.requests.at(-1)?.body)).toMatch(
      /previous answer was not valid: tasks name agents that do not exist \(T1 → \\"Optimizer\\"\)/,
    );
  });

  it('gives up after three invalid answers with an invalid_output error', async () => {
    fake.push({ json: { nope: 1 } }, { json: { nope: 2 } }, { json: { nope: 3 } });
    await expect(runtimeFor(fake).plan(planInput)).rejects.toMatchObject({
      kind: 'invalid_output',
      message: expect.stringMatching(/no valid plan after 3 attempts/),
    });
  });

  it('revises with the human decision and inline comments in the prompt', async () => {
    fake.push({
      json: {
        design_spec: '# Design\n\n'.padEnd(80, 'x'),
        architecture: '# Architecture\n\n'.padEnd(80, 'y'),
        delta_summary: '- split the adapter',
      },
    });
    const review = {
      decision: {
        decision: 'request_changes',
        comment: 'Split the data adapter',
        inline: [{ path: 'design/DESIGN_SPEC.md', line: 12, text: 'why Parquet?' }],
        reviewed_by: 'Human',
        timestamp: 't',
        source: 'cli',
      },
    } as unknown as Review;
    const out = await runtimeFor(fake).design({
      agent: 'Designer',
      phase: 1,
      context: { 'REQUIREMENTS.md': 'reqs' },
      feedback: { previousRevision: 1, previousContent: 'old design', review },
    });
    expect(out.deltaSummary).toBe('- split the adapter');
    const prompt = JSON.stringify(fake.requests.at(-1)?.body);
    expect(prompt).toMatch(/decided \\"request changes\\"/);
    expect(prompt).toMatch(/design\/DESIGN_SPEC.md:12: why Parquet\?/);
    expect(prompt).toMatch(/old design/);
  });

  it('runs the implementer tool loop in its workspace and refuses every way out of it', async () => {
    const root = join(tempDir(), 'ws');
    mkdirSync(root, { recursive: true });
    const outside = tempDir();
    symlinkSync(outside, join(root, 'link'));
    const ws = openWorkspace(root);
    fake.push(
      {
        toolCalls: [
          { name: 'write_file', args: { path: 'src/add.js', content: 'export const add = (a, b) => a + b;\n' } },
          { name: 'write_file', args: { path: '../escape.js', content: 'x' } },
          { name: 'read_file', args: { path: '/etc/passwd' } },
          { name: 'write_file', args: { path: 'link/owned.js', content: 'x' } },
        ],
      },
      {
        toolCalls: [
          { name: 'edit_file', args: { path: 'src/add.js', search: 'a + b', replace: 'Number(a) + Number(b)' } },
          { name: 'run_tests', args: {} },
        ],
      },
      { toolCalls: [{ name: 'handoff', args: { summary: 'add() done', commit_subject: 'feat(adder): add numbers' } }] },
    );
    let ran = 0;
    const out = await runtimeFor(fake).work({
      agent: 'Implementer',
      phase: 1,
      task: {
        id: 'T4',
        phase: 1,
        title: 'Implement add()',
        agent: 'Implementer',
        status: 'To Do',
        depends_on: [],
        commentary: '',
        links: [],
      },
      files: ws,
      context: {},
      runTests: async () => {
        ran += 1;
        return { passed: true, summary: 'unit: passed' };
      },
    });
    expect(out).toMatchObject({ summary: 'add() done', commitSubject: 'feat(adder): add numbers' });
    expect([...ws.changes().keys()]).toEqual(['src/add.js']);
    expect(await ws.read('src/add.js')).toBe('export const add = (a, b) => Number(a) + Number(b);\n');
    expect(ran).toBe(1);
    expect(existsSync(join(root, '..', 'escape.js'))).toBe(false);
    expect(existsSync(join(outside, 'owned.js'))).toBe(false);
    // The refusals went back to the model as tool results it can read.
    const second = JSON.stringify(fake.requests.at(-2)?.body);
    expect(second).toMatch(/leaves the workspace/);
    expect(second).toMatch(/must be relative to the workspace/);
    expect(second).toMatch(/outside the workspace through a symlink/);
  });

  it('turns each provider error a user meets into one clear message', async () => {
    fake.push({ error: { status: 401 } });
    await expect(runtimeFor(fake).clarify({ agent: 'Designer', question: 'q', context: {} })).rejects.toMatchObject({
      kind: 'auth',
      message: expect.stringMatching(/openai:gpt-4o-mini at .* rejected the API key \(401\)/),
    });
    fake.push({ error: { status: 404 } });
    await expect(runtimeFor(fake).clarify({ agent: 'Designer', question: 'q', context: {} })).rejects.toMatchObject({
      kind: 'model_not_found',
    });
    fake.push({ error: { status: 429, headers: { 'retry-after-ms': '20' } } }, { text: 'answered after a 429' });
    await expect(runtimeFor(fake).clarify({ agent: 'Designer', question: 'q', context: {} })).resolves.toBe(
      'answered after a 429',
    );
    fake.push({ error: { status: 503, headers: { 'retry-after-ms': '10' } } }, { text: 'answered after a 503' });
    await expect(runtimeFor(fake).clarify({ agent: 'Designer', question: 'q', context: {} })).resolves.toBe(
      'answered after a 503',
    );
    fake.push(...Array.from({ length: 4 }, () => ({ error: { status: 500, headers: { 'retry-after-ms': '5' } } })));
    await expect(runtimeFor(fake).clarify({ agent: 'Designer', question: 'q', context: {} })).rejects.toMatchObject({
      kind: 'server',
    });
    fake.push({ hang: true });
    await expect(
      runtimeFor(fake, { timeoutMs: 300 }).clarify({ agent: 'Designer', question: 'q', context: {} }),
    ).rejects.toMatchObject({ kind: 'timeout' });
    // Context too long: the prompt is rebuilt with half the context, once, and succeeds.
    fake.push(
      { error: { status: 400, kind: 'context_length' } },
      { json: { design_spec: '# D'.padEnd(60, 'x'), architecture: '# A'.padEnd(60, 'y') } },
    );
    await expect(
      runtimeFor(fake).design({
        agent: 'Designer',
        phase: 1,
        context: { 'REQUIREMENTS.md': 'r'.repeat(100_000) },
        feedback: null,
      }),
    ).resolves.toMatchObject({ designSpec: expect.stringMatching(/^# D/) });
    const [long, short] = fake.requests.slice(-2).map((r) => r.rawBody.length);
    expect(short).toBeLessThan(long ?? 0);
  });

  it('says how to start Ollama when nothing listens', async () => {
    const ref = parseRuntimeRef('ollama:qwen2.5-coder');
    const redactor = new Redactor();
    const rt = createLlmRuntime({
      agent: 'Designer',
      ref,
      model: createModel(ref, { apiKey: null, baseUrl: 'http://127.0.0.1:9/v1' }),
      baseUrl: 'http://127.0.0.1:9/v1',
      redactor,
      timeoutMs: 5000,
      maxRetries: 0,
      maxSteps: 3,
      project: { name: 'p', brief: 'b' },
      agents: ['Designer'],
      escalatesTo: 'ProjectManager',
      onUsage: () => {},
    });
    const err = await rt.clarify({ agent: 'Designer', question: 'q', context: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmError);
    expect((err as LlmError).message).toMatch(
      /Ollama is not running at http:\/\/127\.0\.0\.1:9\/v1: start it with `ollama serve` and `ollama pull qwen2\.5-coder`/,
    );
  });

  it('keeps the key out of error messages', async () => {
    fake.push({ error: { status: 400, body: { error: { message: `bad request for key ${KEY}` } } } });
    const err = await runtimeFor(fake)
      .clarify({ agent: 'Designer', question: 'q', context: {} })
      .catch((e: unknown) => e);
    expect(String((err as Error).message)).not.toContain(KEY);
  });
});

describe('governor doctor', () => {
  it('reports key, reachability and a test call per runtime, with advice when one fails', async () => {
    const { runDoctor } = await import('../electron/core/agents/doctor.ts');
    const { envKeys } = await import('../electron/core/secrets/keys.ts');
    const fake = await startFakeLlm({
      replies: [
        { text: 'OK' },
        { json: { status: 'ok', word: 'ready' } },
        { toolCalls: [{ name: 'ping', args: { value: 'ready' } }] },
        { error: { status: 401 } },
      ],
    });
    try {
      const base = `${fake.url}/v1`;
      const agentsFile = {
        project: 'p',
        brief: 'b',
        agents: {
          ProjectManager: { runtime: 'openai:gpt-4o-mini', base_url: base, count: 1, escalates_to: 'Human' as const },
          Designer: {
            runtime: 'anthropic:claude-sonnet-4-5',
            base_url: base,
            count: 1,
            escalates_to: 'ProjectManager' as const,
          },
          Implementer: {
            runtime: 'openai:gpt-5',
            base_url: base,
            api_key_env: 'OTHER_KEY',
            count: 1,
            escalates_to: 'Designer' as const,
          },
          Tester: { runtime: 'scripted', count: 1, escalates_to: 'ProjectManager' as const },
        },
      };
      const checks = await runDoctor({
        dir: tempDir(),
        agentsFile,
        keys: envKeys({ OPENAI_API_KEY: KEY, OTHER_KEY: 'sk-test-other-key-123456' }),
      });
      const by = Object.fromEntries(checks.map((c) => [c.runtime, c]));
      expect(by['openai:gpt-4o-mini']).toMatchObject({
        key: { ok: true },
        call: { ok: true, detail: expect.stringMatching(/answered "OK"/) },
        structured: { ok: true, mode: 'json_schema' },
        tools: { ok: true },
      });
      expect(by['anthropic:claude-sonnet-4-5']).toMatchObject({
        key: { ok: false, detail: expect.stringMatching(/set ANTHROPIC_API_KEY/) },
        call: { ok: false },
      });
      expect(by['openai:gpt-5']?.call.detail).toMatch(/rejected the API key \(401\)/);
      expect(by.scripted?.key.detail).toMatch(/offline script, not a model/);
      expect(JSON.stringify(checks)).not.toContain(KEY);
    } finally {
      await fake.close();
    }
  });
});
