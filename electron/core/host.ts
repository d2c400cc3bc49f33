import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentName, AgentsFile, PoliciesFile } from '../../shared/index.ts';
import { EventPayloads, agentNames } from '../../shared/index.ts';
import type { AgentRuntime } from './agents/runtime.ts';
import type { Worker } from './agents/workers/worker.ts';
import { runtimeWorker } from './agents/workers/runtime-worker.ts';
import { agentConfigChanges } from './agents/configured.ts';
import { createRuntimeFactory } from './agents/runtimes.ts';
import { recordUsage } from './workflow/usage.ts';
import type { KeySource } from './secrets/keys.ts';
import type { KeyStore } from './secrets/key-store.ts';
import { DEFAULT_KEY_ENV, chainKeys } from './secrets/keys.ts';
import { projectRedactor } from './secrets/redact.ts';
import { createExporter } from './artifacts/exporter.ts';
import { loadAgentsFile, loadPoliciesFile } from './config/load.ts';
import { GovernorError, errorMessage } from './errors.ts';
import { drivenElsewhere } from './loop-lock.ts';
import { reapQaRuns } from './qa/run-registry.ts';
import { sandboxAvailabilityAsync, sandboxNotice } from './sandbox/index.ts';
import { recoverGitRefs } from './git/recovery.ts';
import { createGitService } from './git/service.ts';
import { signerFromPolicy } from './git/signing.ts';
import { assertProjectDir } from './project.ts';
import { Ledger } from './store/ledger.ts';
import type { DiscordFile } from '../../shared/config.ts';
import { loadDiscordFile } from './discord/config.ts';
import { createReader } from './store/read.ts';
import type { Engine, Progress } from './workflow/engine.ts';
import type { TestCommandRunner } from './qa/recorded-runs.ts';

export interface OpenOptions {
  progress?: (p: Progress) => void;
  clock?: () => Date;
  /** Replace runtimes (tests, replay); by default each agent's runtime comes from agents.yaml. */
  runtimes?: Partial<Record<AgentName, AgentRuntime>>;
  /** Replace workers (tests, replay of a coding agent's stream without its binary). */
  workers?: Partial<Record<AgentName, Worker>>;
  /** Wraps each agent's worker: a recording tapes a coding agent's sessions, a replay plays them back. */
  wrapWorker?: (agent: AgentName, worker: Worker) => Worker;
  /** The fetch every model request goes through (recording, replay). */
  fetch?: typeof globalThis.fetch;
  /** New event ids (replay); ULIDs by default. */
  ids?: () => string;
  /** How test commands run (recording, replay); live by default. */
  runTests?: TestCommandRunner;
  /** A further place for API keys after the environment and the keys_file (the desktop app's keychain). */
  extraKeys?: KeySource;
  /** Where Settings stores keys (the desktop keychain, the host's 0600 file); consulted last, like extraKeys. */
  keyStore?: KeyStore;
}

export interface OpenedProject extends Engine {
  close(): void;
  /** Where Settings stores keys, if this front end has a store. */
  keyStore: KeyStore | null;
  /** Look the agents' keys up again after one was stored or removed. */
  reloadKeys(): Promise<void>;
  /** discord.yaml, when the project has a Discord link; its outbox writer is registered on the ledger. */
  discord?: DiscordFile | null;
  /** What crash recovery put right when the project was opened. */
  recovered: string[];
}

export const ledgerPath = (dir: string) => join(dir, '.governor', 'governor.db');

/**
 * The ledger, or a clear error: a directory, a file that is not SQLite, or a corrupt one would otherwise
 * surface as a driver stack trace.
 */
function openLedger(root: string, clock: () => Date, ids?: () => string): Ledger {
  const path = ledgerPath(root);
  try {
    return new Ledger(path, { clock, ...(ids ? { ids } : {}) });
  } catch (err) {
    const why = errorMessage(err);
    throw new GovernorError(
      'ledger_unreadable',
      `cannot open the ledger ${path} (${why}). It holds the project's history: restore it from a backup, ` +
        `or move it aside (governor then starts a new ledger) if the history may be lost`,
    );
  }
}

/** Every environment variable the configuration reads a secret from, so the redactor knows their values. */
function secretEnvNames(agentsFile: AgentsFile, policies: PoliciesFile, discord: DiscordFile | null): string[] {
  const names = Object.values(DEFAULT_KEY_ENV).filter((n): n is string => n !== null);
  for (const a of Object.values(agentsFile.agents)) if (a.api_key_env) names.push(a.api_key_env);
  if (policies.git.signing_key_passphrase_env) names.push(policies.git.signing_key_passphrase_env);
  if (discord) {
    names.push(discord.token_env);
    for (const w of Object.values(discord.webhooks ?? {})) if (w) names.push(w.url_env);
  }
  return names;
}

/**
 * The composition root: open a project folder and wire the ledger, git, exports and runtimes into one
 * engine. On open it also repairs what a killed run may have left (refs the ledger does not know).
 */
export async function openProject(dir: string, opts: OpenOptions = {}): Promise<OpenedProject> {
  const root = await assertProjectDir(dir);
  const agentsFile = await loadAgentsFile(root);
  const policies = await loadPoliciesFile(root, agentsFile);
  // Before the ledger is opened: a misconfigured signing key must stop the open, not the first commit.
  const signer = await signerFromPolicy({ projectDir: root, git: policies.git });
  const discord = await loadDiscordFile(root);
  await mkdir(join(root, '.governor'), { recursive: true });
  const clock = opts.clock ?? (() => new Date());
  const ledger = openLedger(root, clock, opts.ids);
  const read = createReader(ledger.db);
  // Every process that appends enqueues the Discord messages its events cause, in the same transaction.
  // Loaded only then: the Discord renderer brings discord.js, which every other open would pay for.
  if (discord) (await import('./discord/enqueue.ts')).registerOutboxWriter(ledger, read, discord, agentsFile.project);
  const git = createGitService({ dir: root, signer });
  await git.ensureRepo({
    initialFiles: {},
    message: 'chore(governor): initialise project governance',
    author: 'System',
    timestamp: Math.floor(clock().getTime() / 1000),
  });

  const names = agentNames(agentsFile);
  const configured: Record<string, string> = {};
  for (const n of names)
    configured[n] = agentsFile.agents[n.replace(/-\d+$/, '') as keyof typeof agentsFile.agents].runtime;
  if (read.project()) {
    // agents.yaml was edited since the last open (Settings, or by hand): the ledger records what changed.
    const changed = agentConfigChanges(names, configured, read.agents());
    if (changed) ledger.append([{ type: 'agents.configured', actor: 'System', payload: changed }]);
  } else {
    ledger.append([
      {
        type: 'project.initialized',
        actor: 'System',
        payload: { name: agentsFile.project, brief: agentsFile.brief, agents: names, runtimes: configured },
      },
      { type: 'phase.started', actor: 'System', payload: { phase: 1, name: 'Phase 1', iteration: 1 } },
    ]);
  }
  // Only the project's driver repairs refs: while another process drives it, a ref ahead of the ledger is
  // that driver's step between its git write and its ledger record, not the leftover of a killed run.
  // (QA runs are reaped only when their owner is gone, so that is safe from any process.)
  const recovered = [...reapQaRuns(root), ...(drivenElsewhere(root) ? [] : await recoverGitRefs(git, read, ledger))];
  const progress = opts.progress ?? (() => {});
  // Never a silent fallback: whoever opens the project hears when agent code will not be sandboxed. The probe
  // runs in the background, so opening a project for a quick command does not wait for it.
  if (policies.sandbox.mode === 'off') progress({ kind: 'warn', text: sandboxNotice(policies.sandbox) ?? '' });
  else {
    void sandboxAvailabilityAsync().then(() => {
      const notice = sandboxNotice(policies.sandbox);
      if (notice) progress({ kind: 'warn', text: notice });
    });
  }
  // Handoffs, stage changes and escalations are facts in the ledger; whoever watches sees them as they land.
  ledger.onAppend((events) => {
    for (const ev of events) {
      if (ev.type === 'handoff.recorded') {
        const h = EventPayloads['handoff.recorded'].parse(ev.payload);
        progress({ kind: 'handoff', agent: h.from, text: `→ ${h.to}: ${h.purpose}` });
      } else if (ev.type === 'stage.entered') {
        const st = EventPayloads['stage.entered'].parse(ev.payload);
        progress({
          kind: 'stage',
          text: `phase ${st.phase} → ${st.stage}${st.iteration ? ` (iteration ${st.iteration})` : ''}: ${st.reason}`,
        });
      } else if (ev.type === 'concern.escalated') {
        const c = EventPayloads['concern.escalated'].parse(ev.payload);
        progress({ kind: 'concern', agent: c.from, text: `${c.concern_id} escalated to ${c.to}: ${c.reason}` });
      }
    }
  });

  // One redactor for everything that leaves the process: model errors, test output, tool results, Discord.
  const redactor = projectRedactor({ names: secretEnvNames(agentsFile, policies, discord) });
  // The engine is referenced lazily: usage is recorded through it once it exists.
  let engineRef: OpenedProject | null = null;
  const runtimes = await createRuntimeFactory({
    dir: root,
    agentsFile,
    policies,
    agents: names,
    redactor,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    ...(opts.extraKeys || opts.keyStore
      ? { extraKeys: chainKeys(...[opts.extraKeys, opts.keyStore].filter((k): k is KeySource => k !== undefined)) }
      : {}),
    onUsage: (agent, model, purpose, usage) => {
      if (engineRef) recordUsage(engineRef, runtimes.prices, agent, model, purpose, usage);
    },
    onNotice: (agent, text) => progress({ kind: 'warn', agent, text }),
  });

  const engine: OpenedProject = {
    dir: root,
    ledger,
    read,
    agentsFile,
    policies,
    git,
    exporter: createExporter(root, ledger, read, { storeBlob: (content) => git.storeBlob(content) }),
    clock,
    ...(opts.runTests ? { runTests: opts.runTests } : {}),
    recovered,
    discord,
    progress,
    runtimeFor(agent: AgentName): AgentRuntime {
      const override = opts.runtimes?.[agent];
      if (override) return override;
      return runtimes.forAgent(agent);
    },
    workerFor(agent: AgentName): Worker {
      const w = opts.workers?.[agent] ?? runtimes.workerFor(agent) ?? runtimeWorker(engine.runtimeFor(agent));
      return opts.wrapWorker ? opts.wrapWorker(agent, w) : w;
    },
    recordUsage(agent, model, purpose, usage) {
      recordUsage(engine, runtimes.prices, agent, model, purpose, usage);
    },
    redactor: runtimes.redactor,
    keyStore: opts.keyStore ?? null,
    reloadKeys: () => runtimes.reloadKeys(),
    close() {
      // A sync in flight is not awaited: its file writes are atomic, and the next process catches up.
      engine.exporter.flush();
      ledger.close();
    },
  };
  engineRef = engine;
  return engine;
}
