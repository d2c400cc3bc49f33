import type { AgentName, AgentsFile, PoliciesFile } from '../../../shared/index.ts';
import type { AgentRuntime } from '../agents/runtime.ts';
import type { Worker } from '../agents/workers/worker.ts';
import type { Exporter } from '../artifacts/exporter.ts';
import type { GitService } from '../git/service.ts';
import type { Ledger } from '../store/ledger.ts';
import type { Reader } from '../store/read.ts';
import type { Redactor } from '../secrets/redact.ts';
import type { TestCommandRunner } from '../qa/recorded-runs.ts';

/** One line of progress for whoever is watching (CLI, UI, Discord). */
export interface Progress {
  /** `project`: opening, creating or switching projects (the projects view shows these while it waits). */
  kind: 'stage' | 'work' | 'handoff' | 'concern' | 'review' | 'git' | 'test' | 'info' | 'warn' | 'project' | 'verify';
  agent?: string;
  text: string;
}

/** Everything a workflow step may touch, wired once by the composition root. */
export interface Engine {
  dir: string;
  ledger: Ledger;
  read: Reader;
  agentsFile: AgentsFile;
  policies: PoliciesFile;
  git: GitService;
  exporter: Exporter;
  runtimeFor(agent: AgentName): AgentRuntime;
  /** The worker that does the agent's tasks (a coding agent, or its runtime's tool loop when absent). */
  workerFor?(agent: AgentName): Worker;
  /** Count tokens and cost against the budgets (a coding agent reports its own cost). */
  recordUsage?(
    agent: AgentName,
    model: string,
    purpose: string,
    usage: { input: number; output: number; costUsd?: number },
  ): void;
  /** Masks every API key in use; anything that leaves the process with request data goes through it. */
  redactor?: Redactor;
  clock: () => Date;
  progress(p: Progress): void;
  /** How test commands run: live by default; a recorded run keeps what they measured, a replay hands it back. */
  runTests?: TestCommandRunner;
}
