import type { AgentName, AgentsFile, PoliciesFile } from '../../../shared/index.ts';
import { escalationTargets, roleOf } from '../../../shared/index.ts';
import { GovernorError, errorMessage } from '../errors.ts';
import { type KeySource, chainKeys, envKeys, fileKeys } from '../secrets/keys.ts';
import { Redactor } from '../secrets/redact.ts';
import { costOf, loadPrices } from './llm/pricing.ts';
import { parseRuntimeRef } from './llm/runtime-ref.ts';
import type { OutputMode, Usage } from './llm/structured.ts';
import type { AgentRuntime } from './runtime.ts';
import { createScriptedRuntime, loadSampleScript } from './scripted/runtime.ts';
import { lazyClaudeCodeWorker } from './workers/claude-code-lazy.ts';
import { codingAgentRuntime } from './workers/coding-agent-runtime.ts';
import type { Worker } from './workers/worker.ts';

/** A runtime whose implementation is made on its first call (every call of a runtime is async anyway). */
function deferredRuntime(label: string, scripted: boolean, make: () => Promise<AgentRuntime>): AgentRuntime {
  let made: Promise<AgentRuntime> | null = null;
  let loaded: AgentRuntime | null = null;
  // A failed load is not kept: the next call tries again (the file may have been put right).
  const real = () =>
    (made ??= make().then(
      (r) => (loaded = r),
      (err: unknown) => {
        made = null;
        throw err;
      },
    ));
  return {
    label,
    scripted,
    prepare: async () => void (await real()),
    // Answers once prepared: the loop prepares every runtime before its check (workflow/preflight.ts).
    cannot: (ask) => loaded?.cannot?.(ask) ?? null,
    plan: async (input) => (await real()).plan(input),
    design: async (input) => (await real()).design(input),
    testPlan: async (input) => (await real()).testPlan(input),
    work: async (input) => (await real()).work(input),
    clarify: async (input) => (await real()).clarify(input),
    handleConcern: async (input) => (await real()).handleConcern(input),
  };
}

async function loadLlm() {
  const [{ createModel, hasJsonModeSwitch }, { createLlmRuntime }] = await Promise.all([
    import('./llm/providers.ts'),
    import('./llm/runtime.ts'),
  ]);
  return { createModel, createLlmRuntime, hasJsonModeSwitch };
}

export interface RuntimeFactoryOptions {
  dir: string;
  agentsFile: AgentsFile;
  policies: PoliciesFile;
  agents: readonly AgentName[];
  /** Every model request goes through this fetch (recording, replay, tests); the global one otherwise. */
  fetch?: typeof globalThis.fetch;
  keys?: KeySource;
  /** Consulted after the environment and the keys_file. */
  extraKeys?: KeySource;
  onUsage(agent: AgentName, model: string, purpose: string, usage: Usage): void;
  /** Something the human should know about how a model is used (a structured-output fallback). */
  onNotice?(agent: AgentName, text: string): void;
  /** The project's one redactor (secrets of the environment already in it); every loaded key is added. */
  redactor?: Redactor;
}

const isClaudeCode = (runtime: string) => runtime === 'claude-code' || runtime.startsWith('claude-code:');
const isCodex = (runtime: string) => runtime === 'codex' || runtime.startsWith('codex:');
/** Coding agents run as workers (their own process, Governor's gate); the rest are AI SDK models. */
export const isCodingAgent = (runtime: string) => isClaudeCode(runtime) || isCodex(runtime) || runtime === 'acp';
const modelOf = (runtime: string) => (runtime.includes(':') ? runtime.slice(runtime.indexOf(':') + 1) : null);
/** A `provider:model` runtime, played through the AI SDK (not the script, nor a coding agent). */
const usesAiSdk = (runtime: string) => runtime !== 'scripted' && runtime !== 'external' && !isCodingAgent(runtime);

export interface RuntimeFactory {
  forAgent(agent: AgentName): AgentRuntime;
  /** The agent's worker when its runtime is a coding agent (claude-code); null for the AI SDK and scripted runtimes. */
  workerFor(agent: AgentName): Worker | null;
  /** Look the keys up again (a key was just entered in Settings); the next step of each agent uses them. */
  reloadKeys(): Promise<void>;
  readonly redactor: Redactor;
  readonly prices: ReturnType<typeof loadPrices>;
}

/**
 * Where an agent's keys come from, in the engine's order: the keys given, else the environment, then the
 * keys_file agents.yaml names, then the store Settings writes to. `governor doctor` looks them up the same way.
 */
export function keysOf(o: {
  dir: string;
  agentsFile: AgentsFile;
  keys?: KeySource | undefined;
  extraKeys?: KeySource | undefined;
}): KeySource {
  return (
    o.keys ??
    chainKeys(
      ...[
        envKeys(),
        ...(o.agentsFile.keys_file ? [fileKeys(o.agentsFile.keys_file, o.dir)] : []),
        ...(o.extraKeys ? [o.extraKeys] : []),
      ],
    )
  );
}

/**
 * Builds each agent's runtime from agents.yaml: the scripted one for `scripted`, an AI SDK model otherwise.
 * Keys are resolved once, up front (environment first, then the 0600 keys file), and every key becomes a
 * secret the redactor masks. A missing key is not fatal here: the agent's first step says what to set.
 */
export async function createRuntimeFactory(o: RuntimeFactoryOptions): Promise<RuntimeFactory> {
  const redactor = o.redactor ?? new Redactor();
  const keys = keysOf(o);
  const cfg = (agent: AgentName) => o.agentsFile.agents[roleOf(agent)];
  // The sample script is read on the first scripted step, not at every open: `governor status` and the
  // other commands that never run an agent do not parse it.
  const scripted: AgentRuntime | null = o.agents.some((a) => cfg(a).runtime === 'scripted')
    ? deferredRuntime('scripted', true, async () => createScriptedRuntime(await loadSampleScript()))
    : null;
  // The AI SDK and its providers are loaded only when an agent uses a model: the scripted demo, and every
  // command that opens a project without running an agent, start without them.
  const llm = o.agents.some((a) => usesAiSdk(cfg(a).runtime)) ? await loadLlm() : null;
  // Prices matter once a model is used; with models configured a bad prices.yaml still fails the open.
  let prices = llm ? loadPrices(o.dir) : null;
  const pricesNow = () => (prices ??= loadPrices(o.dir));

  const resolved = new Map<AgentName, { key: string | null; error: string | null }>();
  const cache = new Map<AgentName, AgentRuntime>();
  async function resolveKeys(): Promise<void> {
    for (const agent of o.agents) {
      const c = cfg(agent);
      if (c.runtime === 'scripted' || c.runtime === 'external') continue;
      if (isCodingAgent(c.runtime)) {
        // A subscription login needs no key: a missing one is only an error when there is no login either.
        // An ACP agent reads its own keys from the environment it is given; none is looked up for it.
        const provider = isCodex(c.runtime) ? 'openai' : 'anthropic';
        const key = c.runtime === 'acp' ? null : await keys.get(provider, c.api_key_env).catch(() => null);
        redactor.add(key);
        resolved.set(agent, { key, error: null });
        continue;
      }
      const ref = parseRuntimeRef(c.runtime);
      try {
        const key = await keys.get(ref.provider, c.api_key_env);
        redactor.add(key);
        resolved.set(agent, { key, error: null });
      } catch (err) {
        resolved.set(agent, { key: null, error: errorMessage(err) });
      }
    }
    cache.clear();
  }
  await resolveKeys();
  const limits = o.policies.agent_limits ?? { max_steps: 40, wall_clock_s: 900 };

  return {
    redactor,
    get prices() {
      return pricesNow();
    },
    reloadKeys: resolveKeys,
    workerFor(agent) {
      const c = cfg(agent);
      if (!isCodingAgent(c.runtime)) return null;
      const perms = o.policies.agent_permissions;
      const common = {
        label: c.runtime,
        projectDir: o.dir,
        testCommands: o.policies.tests.map((t) => t.command),
        sandbox: { enabled: perms?.sandbox ?? true, networkDomains: perms?.network_domains ?? [] },
        redactor,
      };
      if (isCodex(c.runtime)) {
        const codex = {
          ...common,
          model: modelOf(c.runtime),
          apiKey: resolved.get(agent)?.key ?? null,
          baseUrl: c.base_url,
          executable: c.command,
          price: (model: string, input: number, output: number) =>
            costOf(pricesNow(), `openai:${model}`, input, output).usd,
        };
        return lazyWorker('codex', c.runtime, async () =>
          (await import('./workers/codex.ts')).createCodexWorker(codex),
        );
      }
      if (c.runtime === 'acp') {
        const acp = { ...common, agent, command: c.command ?? '', args: c.args ?? [] };
        return lazyWorker('acp', c.runtime, async () => (await import('./workers/acp.ts')).createAcpWorker(acp));
      }
      return lazyClaudeCodeWorker({
        label: c.runtime,
        model: modelOf(c.runtime),
        apiKey: resolved.get(agent)?.key ?? null,
        baseUrl: c.base_url,
        executable: c.command,
        projectDir: o.dir,
        testCommands: o.policies.tests.map((t) => t.command),
        sandbox: { enabled: perms?.sandbox ?? true, networkDomains: perms?.network_domains ?? [] },
        redactor,
      });
    },
    forAgent(agent) {
      const c = cfg(agent);
      if (c.runtime === 'external' || isCodingAgent(c.runtime)) return codingAgentRuntime(agent, c.runtime);
      if (c.runtime === 'scripted') {
        if (!scripted) throw new GovernorError('runtime_unavailable', 'the scripted runtime could not be loaded');
        return scripted;
      }
      const hit = cache.get(agent);
      if (hit) return hit;
      const r = resolved.get(agent);
      if (r?.error) throw new GovernorError('api_key_unavailable', r.error);
      if (!llm)
        throw new GovernorError(
          'runtime_unavailable',
          `${agent}'s runtime ${c.runtime} was not configured when the project opened`,
        );
      const { createModel, createLlmRuntime, hasJsonModeSwitch } = llm;
      const ref = parseRuntimeRef(c.runtime);
      const modelOpts = { apiKey: r?.key ?? null, baseUrl: c.base_url, ...(o.fetch ? { fetch: o.fetch } : {}) };
      const model = createModel(ref, modelOpts);
      const pinned = c.structured_output;
      const output: OutputMode =
        pinned && pinned !== 'auto' ? { mode: pinned, fixed: true } : { mode: 'json_schema', fixed: false };
      const runtime = createLlmRuntime({
        agent,
        ref,
        model,
        jsonModeModel: hasJsonModeSwitch(ref) ? createModel(ref, { ...modelOpts, jsonSchema: false }) : null,
        output,
        onNotice: (text) => o.onNotice?.(agent, text),
        baseUrl: c.base_url,
        redactor,
        timeoutMs: limits.wall_clock_s * 1000,
        maxSteps: limits.max_steps,
        project: { name: o.agentsFile.project, brief: o.agentsFile.brief },
        agents: o.agents,
        escalatesTo: escalationTargets(o.agentsFile, roleOf(agent)).join(' or '),
        onUsage: (purpose, usage) => o.onUsage(agent, ref.label, purpose, usage),
      });
      cache.set(agent, runtime);
      return runtime;
    },
  };
}

/**
 * A coding agent's worker, loaded when it first works: its SDKs are large, and every `governor` command
 * (status, decide, reviews) would otherwise pay for loading them at start-up.
 */
function lazyWorker(kind: string, label: string, load: () => Promise<Worker>): Worker {
  return {
    kind,
    label,
    usesGit: true,
    async work(t, h) {
      return (await load()).work(t, h);
    },
  };
}
