import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { zodSchema } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createModel, parseRuntimeRef } from '../electron/core/agents/llm/providers.ts';
import { createLlmRuntime } from '../electron/core/agents/llm/runtime.ts';
import { PlanSchema } from '../electron/core/agents/llm/schemas.ts';
import { implementerTools } from '../electron/core/agents/llm/tools.ts';
import { Redactor } from '../electron/core/secrets/redact.ts';
import { openWorkspace } from '../electron/core/workflow/workspace.ts';
import { ADDER_TASKS } from './support/adder-plan.ts';
import { type FakeLlm, startFakeLlm } from './support/fake-llm.ts';
import { tempDir } from './support/tmp.ts';

/**
 * The tool and answer schemas are wrapped for the AI SDK once (tools.ts, structured.ts) instead of being
 * converted to JSON Schema on every request. What the server receives must not change for it: these compare
 * the requests with what the SDK derives from a bare zod schema, step after step.
 */
const PLAN = {
  requirements: '# Requirements\n\nFR-1 add two numbers. FR-2 report the result. NFR-1 deterministic.',
  agent_tasks: '# Agent tasks\n\n| Task | Agent |\n|---|---|\n| T1 | ProjectManager |\n| T4 | Implementer |',
  roadmap: [{ number: 1, name: 'Adder', goal: 'add numbers', deliverables: ['src/add.js'] }],
  tasks: ADDER_TASKS,
  kpis: [{ name: 'coverage', target: '≥ 80%' }],
  risks: ['none'],
};

function runtime(fake: FakeLlm) {
  const ref = parseRuntimeRef('openai:gpt-4o-mini');
  const baseUrl = `${fake.url}/v1`;
  return createLlmRuntime({
    agent: 'Implementer',
    ref,
    model: createModel(ref, { apiKey: 'sk-test-schemas', baseUrl }),
    baseUrl,
    redactor: new Redactor(),
    timeoutMs: 20_000,
    maxSteps: 8,
    project: { name: 'adder', brief: 'add numbers' },
    agents: ['ProjectManager', 'Designer', 'Implementer', 'Tester'],
    escalatesTo: 'Designer',
    onUsage: () => {},
  });
}

type ChatBody = {
  tools?: Array<{ function: { name: string; parameters: unknown } }>;
  response_format?: { json_schema?: { schema: unknown } };
};
const toolParams = (body: unknown) =>
  Object.fromEntries(((body as ChatBody).tools ?? []).map((t) => [t.function.name, t.function.parameters]));

describe('AI SDK schemas made once', () => {
  let fake: FakeLlm;
  beforeAll(async () => {
    fake = await startFakeLlm();
  });
  afterAll(() => fake?.close());

  it('sends every step of a tool loop the same tool schemas the SDK derives from bare zod schemas', async () => {
    const root = join(tempDir(), 'ws');
    mkdirSync(root, { recursive: true });
    fake.push(
      { toolCalls: [{ name: 'write_file', args: { path: 'a.js', content: 'x\n' } }] },
      { toolCalls: [{ name: 'read_file', args: { path: 'a.js' } }] },
      { toolCalls: [{ name: 'handoff', args: { summary: 'done', commit_subject: 'feat(a): a' } }] },
    );
    const before = fake.requests.length;
    const task = {
      id: 'T4',
      phase: 1,
      title: 'Write a.js',
      agent: 'Implementer' as const,
      status: 'To Do' as const,
      depends_on: [],
      commentary: '',
      links: [],
    };
    const out = await runtime(fake).work({
      agent: 'Implementer',
      phase: 1,
      task,
      files: openWorkspace(root),
      context: {},
    });
    expect(out.commitSubject).toBe('feat(a): a');
    const steps = fake.requests.slice(before).map((r) => toolParams(r.body));
    expect(steps).toHaveLength(3);
    for (const s of steps.slice(1)) expect(s).toEqual(steps[0]);
    const first = steps[0] ?? {};
    expect(Object.keys(first).sort()).toEqual(
      [
        'edit_file',
        'handoff',
        'list_files',
        'propose_variation',
        'raise_concern',
        'read_file',
        'run_tests',
        'search',
        'write_file',
      ].sort(),
    );
    // The same JSON Schema a bare zod schema gives, through the SDK's own conversion.
    expect(first.edit_file).toEqual(
      zodSchema(z.object({ path: z.string(), search: z.string().min(1), replace: z.string() })).jsonSchema,
    );
    expect(first.list_files).toEqual(zodSchema(z.object({ prefix: z.string().optional() })).jsonSchema);
  });

  it('asks for a plan with the JSON Schema of the bare plan schema, request after request', async () => {
    fake.push({ json: PLAN }, { json: PLAN });
    const before = fake.requests.length;
    const input = {
      agent: 'ProjectManager' as const,
      project: 'adder',
      brief: 'add numbers',
      phase: 1,
      feedback: null,
      roadmap: [],
      learned: null,
      testSetup: '- unit: `node --test`',
    };
    const r = runtime(fake);
    await r.plan(input);
    await r.plan(input);
    const sent = fake.requests.slice(before).map((q) => (q.body as ChatBody).response_format?.json_schema?.schema);
    expect(sent).toHaveLength(2);
    expect(sent[0]).toEqual(zodSchema(PlanSchema).jsonSchema);
    expect(sent[1]).toEqual(sent[0]);
  });

  it('builds the tool schemas once for every loop, and converts each once', () => {
    const state = () => ({ concerns: [], variations: [], handoff: null });
    const ws = openWorkspace(tempDir());
    const a = implementerTools(ws, state());
    const b = implementerTools(ws, state());
    expect(b.write_file.inputSchema).toBe(a.write_file.inputSchema);
    const schema = a.handoff.inputSchema as { jsonSchema: unknown };
    expect(schema.jsonSchema).toBe(schema.jsonSchema);
  });
});
