import type { AgentName, Task, WorkerActivity } from '../../../../shared/index.ts';
import type { PermissionGate } from '../../permissions/gate.ts';
import type { Handoff } from '../../mcp/actions.ts';
import type { Redactor } from '../../secrets/redact.ts';
import type { ProposedVariation, RaisedConcern } from '../runtime.ts';

/** What every coding agent's worker is set up with, whichever agent it drives. */
export interface WorkerSetup {
  projectDir: string;
  /** Test commands the policy allows (shown to the agent) and the sandbox settings. */
  testCommands: string[];
  sandbox: { enabled: boolean; networkDomains: string[] };
  /** Applied to whatever the agent says before it is kept. */
  redactor: Redactor;
}

/**
 * One interface for everything that can do a task in a workspace: the AI SDK tool loop, Claude Code, and
 * (next) Codex and ACP agents. The workflow, the gate, the ledger and the UI never know which one ran;
 * adding an agent is one adapter that implements `work` (plus its tests).
 */
export interface Worker {
  /** `ai-sdk`, `scripted`, `claude-code`, … (shown in activity and permission requests). */
  readonly kind: string;
  /** As agents.yaml names it: `claude-code:claude-sonnet-4-5`. */
  readonly label: string;
  /** False when the worker tracks its own edits (the AI SDK loop); true when Governor reads them from git. */
  readonly usesGit: boolean;
  work(task: WorkerTask, hooks: WorkerHooks): Promise<WorkerResult>;
  /**
   * Set on a replay of a recorded session: it needs no workspace (the engine prepares none), names the one
   * the run used (paths in the stream refer to it), and writes activity where the run did, not on a timer.
   */
  readonly replay?: { workspace(taskId: string): string };
}

export interface WorkerTask {
  agent: AgentName;
  phase: number;
  task: Task;
  /** The agent's own workspace: a clone of its branch (git workers) or a materialised tree. */
  workspace: string;
  /** The policy's test commands in words (what `run_tests` runs, where results go). */
  testSetup?: string;
  /** The task's documents (requirements, the approved design, the test plan), by path. */
  context: Record<string, string>;
  /** A session to resume (a restart mid-task), when the worker keeps sessions. */
  resume: string | null;
  /** What is left of the phase's (or the agent's) budget, in USD; null when none is set. */
  budgetUsd: number | null;
  limits: { maxTurns: number; wallClockS: number };
}

export interface WorkerHooks {
  /** Every tool use the agent asks for goes through this first. */
  gate: PermissionGate;
  /** The agent's Governor actions, bound to its identity (the MCP server is built over them). */
  mcp: import('../../mcp/actions.ts').AgentActions;
  /** The agent's stream: messages, tool uses, test runs (the caller redacts and batches into the ledger). */
  activity(a: Omit<WorkerActivity, 'agent' | 'worker' | 'task_id'>): void;
  /** The session id, as soon as the agent has one: kept in the ledger so a restart resumes it. */
  session(id: string, resumed: boolean): void;
  /** The handoff the agent made through Governor's MCP server, if any. */
  handedOff(): Handoff | null;
  /** Runs the policy's test commands in the workspace (the AI SDK loop's run_tests). */
  runTests(): Promise<{ passed: boolean; summary: string }>;
  signal: AbortSignal;
  /** Writes the buffered activity to the ledger now (a replay does so where the recorded run did). */
  flushActivity?(): void;
  /** Hears every write of buffered activity (a recording notes where each fell). */
  onActivityFlush?(listener: () => void): void;
}

export type WorkerOutcome = 'handed_off' | 'finished' | 'budget_exhausted' | 'max_turns' | 'timed_out' | 'interrupted';

export interface WorkerResult {
  outcome: WorkerOutcome;
  summary: string;
  commitSubject: string;
  tested: string | null;
  /** Concerns and variations gathered by the worker itself (the AI SDK loop); MCP ones are already in the ledger. */
  concerns: RaisedConcern[];
  variations: ProposedVariation[];
  /** Edits the worker tracked itself; null when Governor reads them from the workspace's git. */
  changes: Map<string, string | Uint8Array | null> | null;
  sessionId: string | null;
  usage: { input: number; output: number; costUsd: number; model: string } | null;
  turns: number;
}

/**
 * The part of a coding agent's result every adapter fills alike: what its hand-off says, or without one its
 * last words, redacted. Concerns, variations and changes stay empty: a coding agent raises concerns through
 * Governor's MCP server (already in the ledger), and Governor reads its edits from the workspace's git.
 */
export function handOffFields(
  hand: Handoff | null,
  lastText: string,
  redactor: Redactor,
): Pick<WorkerResult, 'summary' | 'commitSubject' | 'tested' | 'concerns' | 'variations' | 'changes'> {
  return {
    summary: redactor.redact(hand?.summary ?? lastText),
    commitSubject: hand?.commit_subject ?? '',
    tested: hand?.tested ?? null,
    concerns: [],
    variations: [],
    changes: null,
  };
}
