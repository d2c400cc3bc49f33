import type { AgentName, Concern, Impact, KPI, Phase, Review, Severity, Task } from '../../../shared/index.ts';

/**
 * What every agent runtime implements: the offline `scripted` one now, the AI SDK ones later.
 * Artifact roles return structured output (validated by the caller); implementers and the tester
 * work in a workspace through file tools and hand back a summary, a commit subject and any concerns.
 */
export interface AgentRuntime {
  /** Shown wherever the agent's output shows: `scripted`, `anthropic:claude-sonnet-4-5`… */
  readonly label: string;
  /** True for the offline scripted runtime, which must never be presented as a model. */
  readonly scripted: boolean;
  plan(input: PlanInput): Promise<PlanOutput>;
  design(input: RevisionInput): Promise<DesignOutput>;
  testPlan(input: RevisionInput): Promise<TestPlanOutput>;
  work(input: WorkInput): Promise<WorkOutput>;
  clarify(input: ClarifyInput): Promise<string>;
  handleConcern(input: ConcernInput): Promise<ConcernAction>;
  /**
   * Why this runtime cannot do what is asked (the scripted runtime outside its sample script, a model with
   * no key), in words that name the way on; null when it can. Asked before the first step and before a new
   * phase starts, so a misfit is a clear message, never a failure half-way through a step.
   */
  cannot?(ask: RuntimeAsk): string | null;
  /** Loads what `cannot` needs (a runtime made on first use); the loop awaits it before its first check. */
  prepare?(): Promise<void>;
}

export type RuntimeAsk =
  /** Play this agent on this project (name and brief from agents.yaml). */
  | { kind: 'team'; agent: AgentName; project: string; brief: string; agents: readonly AgentName[] }
  /** Plan (and so run) this phase of the roadmap. */
  | { kind: 'phase'; agent: AgentName; phase: number };

export interface PlanInput {
  agent: AgentName;
  project: string;
  brief: string;
  phase: number;
  /** Present when the human asked for changes; the previous plan and what they said. */
  feedback: Feedback | null;
  /** The roadmap as it stands (empty before the first plan); phases before `phase` are promoted and fixed. */
  roadmap: Phase[];
  /**
   * What earlier phases taught, for the plan of phase 2 onwards: the last QA gate, concerns, variations,
   * the human's conditions and comments. Markdown; null for the first phase.
   */
  learned: string | null;
  /** The project's test commands as `.project_policies.yaml` sets them, so the plan fits them. */
  testSetup: string;
}

export interface Feedback {
  previousRevision: number;
  previousContent: string;
  review: Review;
}

export interface PlanOutput {
  requirements: string;
  agentTasks: string;
  roadmap: Array<Omit<Phase, 'status'>>;
  tasks: Array<Omit<Task, 'status' | 'phase'>>;
  kpis: Array<Omit<KPI, 'current'>>;
  risks: string[];
  deltaSummary: string | null;
}

export interface RevisionInput {
  agent: AgentName;
  phase: number;
  /** Documents the agent works from (requirements, the approved design…), by path. */
  context: Record<string, string>;
  feedback: Feedback | null;
}

export interface DesignOutput {
  designSpec: string;
  architecture: string;
  deltaSummary: string | null;
}

export interface TestPlanOutput {
  testPlan: string;
  deltaSummary: string | null;
}

/** File tools confined to one workspace directory; every write is remembered for the commit. */
export interface WorkspaceFiles {
  read(path: string): Promise<string | null>;
  write(path: string, content: string): Promise<void>;
  remove(path: string): Promise<void>;
  list(prefix?: string): Promise<string[]>;
}

export interface WorkInput {
  agent: AgentName;
  phase: number;
  task: Task;
  files: WorkspaceFiles;
  context: Record<string, string>;
  /** Runs the policy's test commands in this workspace (implementers may check their work). */
  runTests?: () => Promise<{ passed: boolean; summary: string }>;
  /** The project's test commands, what they pick up and where they write results, in words. */
  testSetup?: string;
}

export interface RaisedConcern {
  to: AgentName | 'Human';
  severity: Severity;
  category: string;
  summary: string;
  details: string;
}

export interface ProposedVariation {
  title: string;
  impact: Impact;
  impact_areas: string[];
  rationale: string;
  affected_modules: string[];
  risk: string;
  estimated_rework: string;
}

export interface WorkOutput {
  summary: string;
  /** Conventional Commit subject, e.g. `feat(backtester): add CSV adapter`. */
  commitSubject: string;
  concerns: RaisedConcern[];
  variations: ProposedVariation[];
  tokens?: { input: number; output: number; costUsd: number };
}

export interface ClarifyInput {
  agent: AgentName;
  question: string;
  /** The agent's own artifacts, by path. */
  context: Record<string, string>;
}

export interface ConcernInput {
  agent: AgentName;
  concern: Concern;
  context: Record<string, string>;
}

export type ConcernAction =
  | { action: 'escalate'; reason: string }
  | { action: 'resolve'; note: string }
  | { action: 'acknowledge'; note: string };
