import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { generateText, tool } from 'ai';
import { z } from 'zod';
import type { AgentConfig, AgentsFile } from '../../../shared/index.ts';
import { RoleKind, agentNames } from '../../../shared/index.ts';
import { errorMessage } from '../errors.ts';
import { type KeySource, DEFAULT_KEY_ENV } from '../secrets/keys.ts';
import { Redactor } from '../secrets/redact.ts';
import { explainLlmError } from './llm/errors.ts';
import { isCodingAgent, keysOf } from './runtimes.ts';
import { checkCodingAgent } from './workers/doctor-agents.ts';
import { OLLAMA_DEFAULT_URL, createModel, hasJsonModeSwitch, parseRuntimeRef } from './llm/providers.ts';
import { type CallContext, MODE_LABEL, type StructuredMode, structured } from './llm/structured.ts';
import { loadSampleScript, scriptedCannot } from './scripted/runtime.ts';

export interface DoctorCheck {
  runtime: string;
  roles: string[];
  key: { ok: boolean; detail: string };
  call: { ok: boolean; detail: string };
  /** Plans, designs and test plans come back as structured output: which way of asking the server supports. */
  structured?: { ok: boolean; detail: string; mode: StructuredMode | null };
  /** Implementers and the tester work through tool calls. */
  tools?: { ok: boolean; detail: string };
}

const Probe = z.object({ status: z.literal('ok'), word: z.string() });

/**
 * Which way of asking for structured output works on this server: JSON-schema output, else JSON mode,
 * else a forced tool call. Each is one real, tiny call; the first that returns a valid object wins.
 */
async function probeStructured(
  ctx: CallContext,
  pinned: StructuredMode | null,
): Promise<NonNullable<DoctorCheck['structured']>> {
  const modes: StructuredMode[] = pinned
    ? [pinned]
    : ['json_schema', ...(ctx.jsonModeModel ? (['json_mode'] as const) : []), 'tool'];
  const failed: string[] = [];
  for (const mode of modes) {
    try {
      await structured(
        { ...ctx, output: { mode, fixed: true } },
        'probe',
        Probe,
        'You are checking a connection.',
        () => 'Answer with status "ok" and the word "ready".',
        () => null,
        1,
      );
      const note = failed.length
        ? ` (${failed.join('; ')}); the team asks this ` +
          `way${pinned ? '' : ` — pin it with \`structured_output: ${mode}\``}`
        : '';
      return { ok: true, mode, detail: `${MODE_LABEL[mode]} works${note}` };
    } catch (err) {
      failed.push(`${MODE_LABEL[mode]}: ${errorMessage(err).slice(0, 160)}`);
    }
  }
  return {
    ok: false,
    mode: null,
    detail:
      `no way of getting structured output worked — ${failed.join('; ')}. Plans and designs need it: ` +
      `choose a model or server that supports JSON output.`,
  };
}

/** Does the model call a tool when told to? The implementers' and the tester's work is nothing but tool calls. */
async function probeTools(ctx: CallContext): Promise<NonNullable<DoctorCheck['tools']>> {
  try {
    const r = await generateText({
      model: ctx.model,
      prompt: 'Call the `ping` tool with value "ready".',
      tools: {
        ping: tool({ description: 'Answer a connection check.', inputSchema: z.object({ value: z.string() }) }),
      },
      toolChoice: 'required',
      maxOutputTokens: 64,
      maxRetries: 1,
      abortSignal: AbortSignal.timeout(ctx.timeoutMs),
    });
    if (r.toolCalls.some((c) => c.toolName === 'ping')) return { ok: true, detail: 'the model calls tools' };
    return {
      ok: false,
      detail:
        'the model answered without calling the tool; implementers and the tester work only through tool ' +
        'calls: choose a model with tool calling',
    };
  } catch (err) {
    return {
      ok: false,
      detail:
        `tool calling failed: ${explainLlmError(err, ctx.ref, ctx.baseUrl, ctx.redactor).message}; ` +
        `implementers and the tester need it`,
    };
  }
}

/**
 * `governor doctor`: for each runtime agents.yaml uses, is a key there (without ever printing it), and
 * does a tiny real call succeed? A failure comes with the advice that fixes it.
 */
export async function runDoctor(o: {
  dir: string;
  agentsFile: AgentsFile;
  keys?: KeySource;
  extraKeys?: KeySource;
  fetch?: typeof globalThis.fetch;
  timeoutMs?: number;
}): Promise<DoctorCheck[]> {
  // The same order as the engine: environment, the keys_file, then the store Settings writes to.
  const keys = keysOf(o);
  const groups = new Map<
    string,
    {
      roles: string[];
      base_url: string | undefined;
      api_key_env: string | undefined;
      runtime: string;
      structured: AgentConfig['structured_output'];
      command: string | undefined;
    }
  >();
  for (const role of RoleKind.options) {
    const c = o.agentsFile.agents[role];
    const id = [
      c.runtime,
      c.base_url ?? '',
      c.api_key_env ?? '',
      c.structured_output ?? 'auto',
      c.command ?? '',
      (c.args ?? []).join(' '),
    ].join('|');
    const g = groups.get(id) ?? {
      roles: [],
      base_url: c.base_url,
      api_key_env: c.api_key_env,
      runtime: c.runtime,
      structured: c.structured_output,
      command: c.command,
    };
    g.roles.push(role);
    groups.set(id, g);
  }
  const out: DoctorCheck[] = [];
  for (const g of groups.values()) {
    if (g.runtime === 'scripted') {
      const why = scriptedCannot(await loadSampleScript(), {
        kind: 'team',
        agent: 'ProjectManager',
        project: o.agentsFile.project,
        brief: o.agentsFile.brief,
        agents: agentNames(o.agentsFile),
      });
      out.push({
        runtime: 'scripted',
        roles: g.roles,
        key: { ok: true, detail: 'no key needed (offline script, not a model)' },
        call: why
          ? { ok: false, detail: why }
          : { ok: true, detail: 'plays resources/sample/script.yaml (the sample project, phase 1)' },
      });
      continue;
    }
    const authors = g.roles.filter((r) => r !== 'Implementer');
    const codingAgent = g.runtime === 'external' || isCodingAgent(g.runtime);
    if (codingAgent && authors.length > 0) {
      // The same refusal as the loop's check before the first step (coding-agent-runtime.ts).
      out.push({
        runtime: g.runtime,
        roles: g.roles,
        key: { ok: true, detail: 'not checked' },
        call: {
          ok: false,
          detail:
            `${authors.join(', ')} write the plan, the design or the test plan, which need a model ` +
            `runtime; ${g.runtime} does task work only: give ${authors.length > 1 ? 'them' : 'it'} an ` +
            `AI SDK runtime in agents.yaml (Implementer may stay on ${g.runtime})`,
        },
      });
      continue;
    }
    if (g.runtime === 'external') {
      out.push({
        runtime: 'external',
        roles: g.roles,
        key: { ok: true, detail: 'none needed here: your own session brings its own' },
        call: {
          ok: true,
          detail: `your session joins with \`governor mcp --agent ${g.roles[0] ?? ''}\`; nothing to call until it does`,
        },
      });
      continue;
    }
    if (g.runtime === 'claude-code' || g.runtime.startsWith('claude-code:')) {
      out.push(await checkClaudeCodeRuntime(g, keys, o.timeoutMs ?? 30_000));
      continue;
    }
    if (isCodingAgent(g.runtime) || g.runtime === 'external') {
      const c = o.agentsFile.agents[g.roles[0] as RoleKind];
      const provider = g.runtime.startsWith('codex') ? 'openai' : 'anthropic';
      const key = g.runtime === 'acp' ? null : await keys.get(provider, g.api_key_env).catch(() => null);
      out.push({ runtime: g.runtime, roles: g.roles, ...(await checkCodingAgent(c, key, o.dir)) });
      continue;
    }
    const ref = parseRuntimeRef(g.runtime);
    const redactor = new Redactor();
    let key: string | null = null;
    let keyCheck: DoctorCheck['key'];
    try {
      key = await keys.get(ref.provider, g.api_key_env);
      redactor.add(key);
      const env = g.api_key_env ?? DEFAULT_KEY_ENV[ref.provider];
      keyCheck = key
        ? { ok: true, detail: `found (${key.length} characters, from ${keys.label})` }
        : ref.provider === 'ollama' || ref.provider === 'openai-compatible'
          ? { ok: true, detail: 'none set; fine for a local server' }
          : {
              ok: false,
              detail:
                `missing: set ${env}, add "${ref.provider}" to the keys_file (mode 0600), or enter ` +
                `it in Settings → Providers and keys`,
            };
    } catch (err) {
      keyCheck = { ok: false, detail: errorMessage(err) };
    }
    let call: DoctorCheck['call'];
    let more: Pick<DoctorCheck, 'structured' | 'tools'> = {};
    if (!keyCheck.ok) call = { ok: false, detail: 'skipped: no key' };
    else {
      try {
        const modelOpts = { apiKey: key, baseUrl: g.base_url, ...(o.fetch ? { fetch: o.fetch } : {}) };
        const model = createModel(ref, modelOpts);
        const r = await generateText({
          model,
          prompt: 'Reply with the single word OK.',
          maxOutputTokens: 16,
          maxRetries: 1,
          abortSignal: AbortSignal.timeout(o.timeoutMs ?? 30_000),
        });
        call = {
          ok: true,
          detail:
            `answered "${redactor.redact(r.text.trim()).slice(0, 40)}" ` +
            `(${(r.usage.inputTokens ?? 0) + (r.usage.outputTokens ?? 0)} tokens) from ` +
            `${g.base_url ?? (ref.provider === 'ollama' ? OLLAMA_DEFAULT_URL : `the ${ref.provider} API`)}`,
        };
        // The loop needs more than an answer: structured output for the documents, tool calls for the work.
        const ctx: CallContext = {
          ref,
          model,
          jsonModeModel: hasJsonModeSwitch(ref) ? createModel(ref, { ...modelOpts, jsonSchema: false }) : null,
          baseUrl: g.base_url,
          redactor,
          timeoutMs: o.timeoutMs ?? 30_000,
          maxRetries: 1,
          onUsage: () => {},
        };
        more = {
          structured: await probeStructured(ctx, g.structured && g.structured !== 'auto' ? g.structured : null),
          tools: await probeTools(ctx),
        };
      } catch (err) {
        call = { ok: false, detail: explainLlmError(err, ref, g.base_url, redactor).message };
      }
    }
    out.push({ runtime: g.runtime, roles: g.roles, key: keyCheck, call, ...more });
  }
  return out;
}

/**
 * A Claude Code runtime: the binary is there and starts (`--version`), and there is an API key or a
 * subscription login. No model call: a session costs real money, and the first task shows the rest. The
 * worker module is loaded here only, as the engine does, because the Agent SDK is large.
 */
async function checkClaudeCodeRuntime(
  g: { roles: string[]; runtime: string; api_key_env: string | undefined; command: string | undefined },
  keys: KeySource,
  timeoutMs: number,
): Promise<DoctorCheck> {
  const key = await keys.get('anthropic', g.api_key_env).catch(() => null);
  const { checkClaudeCode } = await import('./workers/claude-code.ts');
  const keyCheck = key
    ? { ok: true, detail: `found (${key.length} characters, from ${keys.label})` }
    : { ok: true, detail: 'none set; Claude Code uses your subscription login' };
  try {
    const bin = checkClaudeCode({ apiKey: key, executable: g.command, label: g.runtime });
    const { stdout } = await promisify(execFile)(bin, ['--version'], {
      timeout: timeoutMs,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    });
    return {
      runtime: g.runtime,
      roles: g.roles,
      key: keyCheck,
      call: { ok: true, detail: `Claude Code ${stdout.trim().slice(0, 60)} at ${bin}` },
    };
  } catch (err) {
    const missingLogin = /subscription login/.test(errorMessage(err));
    return {
      runtime: g.runtime,
      roles: g.roles,
      key: missingLogin ? { ok: false, detail: errorMessage(err) } : keyCheck,
      call: missingLogin ? { ok: false, detail: 'skipped: no key or login' } : { ok: false, detail: errorMessage(err) },
    };
  }
}
