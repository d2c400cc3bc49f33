import { z } from 'zod';
import { AgentName, Actor, Id, Severity, PositiveInt, NonNegativeInt } from './domain/common.ts';
import { Handoff, HandoffStatus } from './domain/handoff.ts';
import { Concern } from './domain/concern.ts';
import { Command, CommandSource, Response } from './domain/command.ts';
import { Decision, Review } from './domain/review.ts';
import { Variation } from './domain/variation.ts';
import { KPI, Phase, Stage, Task, TaskStatus } from './domain/plan.ts';
import { GitAction } from './domain/git.ts';
import { TestRunResult } from './domain/testrun.ts';
import { ArtifactRevision } from './domain/artifact.ts';
import { PermissionDecision, PermissionRequest, WorkerActivity } from './domain/permission.ts';

/** One evaluated policy condition, as the report lists it. */
export const QaCondition = z.object({
  condition: z.string(),
  ok: z.boolean(),
  detail: z.string(),
  /**
   * `not_measured`: the gate had nothing to measure the condition with (no repeated runs, no drift baseline).
   * It does not block the merge on its own, but it is never shown as met. Absent on gates recorded before.
   */
  status: z.enum(['met', 'not_met', 'not_measured']).optional(),
});

/** The QA gate's verdict with all of its evidence: the unit of human trust. */
export const QaGate = z.object({
  phase: PositiveInt,
  iteration: PositiveInt,
  candidate: z.string(),
  green: z.boolean(),
  outcome: z.enum(['auto_merge', 'escalate', 'promotion_candidate']),
  reasons: z.array(z.string()),
  totals: z.object({
    tests: z.number(),
    passed: z.number(),
    failed: z.number(),
    skipped: z.number(),
    flaky: z.number(),
  }),
  coverage_lines: z.number().nullable(),
  coverage_branches: z.number().nullable(),
  drift: z.array(
    z.object({
      metric: z.string(),
      baseline: z.number().nullable(),
      value: z.number(),
      percent: z.number().nullable(),
      breach: z.boolean(),
    }),
  ),
  /** The metrics the tests emitted (Sharpe, drawdown, runtime…); a green gate's become the next baseline. */
  metrics: z.record(z.string(), z.number()).default({}),
  /** Where the drift baseline came from; `set_by_this_run` when there was none yet. */
  baseline: z.enum(['last_known_good', 'set_by_this_run', 'none']).default('none'),
  reproducibility: z
    .object({
      runs: NonNegativeInt,
      identical: NonNegativeInt,
      score: z.number().nullable(),
    })
    .default({ runs: 0, identical: 0, score: null }),
  conditions: z.array(QaCondition).default([]),
  compliance: z
    .object({
      docs: z.array(z.object({ path: z.string(), updated: z.boolean(), note: z.string() })),
      audit_ids: z.object({ ok: z.boolean(), missing: z.array(z.string()) }),
    })
    .default({ docs: [], audit_ids: { ok: true, missing: [] } }),
  /** sha256 of every governed file and test output, as they stood when the gate decided. */
  manifest: z.array(z.object({ path: z.string(), sha256: z.string(), bytes: NonNegativeInt })).default([]),
  duration_ms: z.number().nonnegative().default(0),
  report: z.string(),
});
export type QaGate = z.infer<typeof QaGate>;

/**
 * Every fact the ledger can hold, named in the past tense, with its payload schema.
 * Projections, exports, the UI and Discord are all readers of these.
 */
export const EventPayloads = {
  'project.initialized': z.object({
    name: z.string(),
    brief: z.string(),
    agents: z.array(AgentName),
    runtimes: z.record(z.string(), z.string()),
  }),
  // agents.yaml changed between two opens of the project: new runtimes, or agents added (a higher count).
  'agents.configured': z.object({
    runtimes: z.record(z.string(), z.string()),
    added: z.array(AgentName),
    changes: z.array(z.string()),
  }),
  'phase.started': z.object({
    phase: PositiveInt,
    name: z.string(),
    iteration: PositiveInt,
    /** The person who started it with `/phase next` (or its button), and where; absent when the loop did. */
    user: z.string().optional(),
    source: CommandSource.optional(),
  }),
  'stage.entered': z.object({
    phase: PositiveInt,
    stage: Stage,
    reason: z.string(),
    iteration: PositiveInt.optional(),
  }),
  'plan.recorded': z.object({
    phase: PositiveInt,
    roadmap: z.array(Phase),
    tasks: z.array(Task),
    kpis: z.array(KPI),
    risks: z.array(z.string()),
  }),
  'task.updated': z.object({
    task_id: z.string(),
    status: TaskStatus,
    commentary: z.string().nullable(),
    links: z.array(z.string()),
  }),
  'task.assigned': z.object({ task: Task, command_id: Id.nullable() }),
  'artifact.revised': ArtifactRevision,
  'handoff.recorded': Handoff,
  'handoff.status_changed': z.object({ handoff_id: Id, status: HandoffStatus }),
  'review.requested': Review,
  'review.decided': z.object({ review_id: Id, decision: Decision }),
  /** The loop acted on a decision; `outcome` says how. */
  'review.followed_up': z.object({ review_id: Id, outcome: z.string() }),
  'concern.raised': Concern,
  /**
   * `user` and `source` name the person behind a human's acknowledgement ("by alice via discord"); events
   * from before they were recorded, and agents' acknowledgements, have neither.
   */
  'concern.acknowledged': z.object({
    concern_id: Id,
    by: Actor,
    note: z.string().nullable(),
    user: z.string().optional(),
    source: CommandSource.optional(),
  }),
  /** `user` and `source` as for an acknowledgement: who assigned or resolved it, when a person did. */
  'concern.assigned': z.object({
    concern_id: Id,
    by: Actor,
    assigned_to: Actor,
    note: z.string().nullable(),
    user: z.string().optional(),
    source: CommandSource.optional(),
  }),
  'concern.resolved': z.object({
    concern_id: Id,
    by: Actor,
    note: z.string().nullable(),
    user: z.string().optional(),
    source: CommandSource.optional(),
  }),
  'concern.escalated': z.object({ concern_id: Id, from: Actor, to: Actor, reason: z.string() }),
  'variation.proposed': Variation,
  'variation.decided': z.object({
    variation_id: Id,
    status: Variation.shape.status,
    comment: z.string().nullable(),
    reviewed_by: z.string(),
    review_id: Id.nullable(),
  }),
  'command.received': Command,
  'response.sent': Response,
  'clarification.requested': z.object({
    id: Id,
    agent: AgentName,
    question: z.string(),
    command_id: Id.nullable(),
    review_id: Id.nullable(),
  }),
  'clarification.answered': z.object({
    clarification_id: Id,
    agent: AgentName,
    answer: z.string(),
    scripted: z.boolean(),
  }),
  'agent.status_changed': z.object({
    agent: AgentName,
    status: z.enum(['idle', 'working', 'waiting_human']),
    task: z.string().nullable(),
  }),
  'agent.paused': z.object({ agent: AgentName, by: Actor, pending: z.boolean() }),
  'agent.resumed': z.object({ agent: AgentName, by: Actor }),
  /** Tokens and cost of one model call (or one tool loop), for spend and budgets. */
  'agent.usage_recorded': z.object({
    agent: AgentName,
    phase: PositiveInt,
    model: z.string(),
    purpose: z.string(),
    input_tokens: NonNegativeInt,
    output_tokens: NonNegativeInt,
    cost_usd: z.number().nonnegative(),
    priced: z.boolean(),
  }),
  'git.action_recorded': GitAction,
  'test.run_completed': z.object({ phase: PositiveInt, run_id: Id, result: TestRunResult }),
  'qa.gate_evaluated': QaGate,
  'qa.output_logged': z.object({
    phase: PositiveInt,
    test: z.string(),
    attempt: PositiveInt,
    lines: z.array(z.string()),
  }),
  'phase.promoted': z.object({
    phase: PositiveInt,
    tag: z.string(),
    commit: z.string(),
    next_phase: PositiveInt.nullable(),
  }),
  /**
   * The last phase of the roadmap was promoted: the release tag marks the end of the project, with its final report.
   */
  'project.released': z.object({
    phase: PositiveInt,
    tag: z.string(),
    commit: z.string(),
    report: z.string(),
  }),
  /**
   * A promotion's intent, recorded before any of its git writes: where main and develop stood, the Audit-IDs
   * its commits and tag will carry, the commit time and the human's identity. A run killed at any instant
   * resumes from it to exactly one release commit and one tag (see workflow/stages/promotion-intent.ts).
   */
  'promotion.started': z.object({
    review_id: Id,
    phase: PositiveInt,
    tag: z.string(),
    /** Commit and tag time, seconds since the epoch: the same in a resumed run. */
    timestamp: NonNegativeInt,
    main_before: z.string().nullable(),
    develop_before: z.string().nullable(),
    /** The branch the user had checked out when the promotion started (null: detached). */
    checkout: z.string().nullable(),
    identity: z.object({ name: z.string(), email: z.string(), source: z.string() }),
    ids: z.object({ records: Id, records_merge: Id, release: Id, tag: Id }),
    /** Conditions of earlier approvals still open when the human approved the promotion (concern ids). */
    unmet_conditions: z.array(Id).default([]),
  }),
  /**
   * The promotion's last effects are done: the commit holding the final exports is on main and tagged, and
   * the user's checkout was brought along (or was not on main). It carries the newest event's time, so the
   * exports that commit holds (status.json's last update among them) stay exactly what they were.
   */
  'promotion.finished': z.object({
    phase: PositiveInt,
    tag: z.string(),
    /** The commit the tag points at: the release merge, plus the final exports. */
    records_commit: z.string(),
    checkout: z.enum(['synced', 'not_checked_out']),
    /** Paths of the user's own uncommitted edits that the release also changed, left as they were. */
    kept: z.array(z.string()),
  }),
  'alert.raised': z.object({ severity: Severity, summary: z.string(), details: z.string() }),
  /**
   * Someone not on the Discord reviewer allowlist tried to act; nothing else changed. No tokens, ids of the Discord
   * user only.
   */
  'discord.interaction_refused': z.object({
    interaction_id: z.string(),
    user_id: z.string(),
    user_name: z.string(),
    kind: z.enum(['slash', 'button', 'modal']),
    name: z.string(),
  }),
  /**
   * A concern's alert reached Discord: the seed's `discord_message_id` (webhook or bot message), for links back from
   * the record.
   */
  'concern.discord_posted': z.object({
    concern_id: Id,
    message_id: z.string().regex(/^\d{15,22}$/),
    channel_id: z.string().regex(/^\d{15,22}$/),
  }),
  /** A coding agent's tool use the policy asks the human about; decided once, or timed out (never a denial). */
  'permission.requested': PermissionRequest,
  'permission.decided': z.object({
    request_id: Id,
    status: z.enum(['allowed', 'denied']),
    decision: PermissionDecision,
  }),
  'permission.timed_out': z.object({ request_id: Id, after_s: z.number().nonnegative() }),
  'permission.withdrawn': z.object({ request_id: Id, reason: z.string() }),
  /** One item of a coding agent's stream (messages, tool uses and how the gate decided them, test runs). */
  'worker.activity': WorkerActivity,
  /** A coding-agent session started or resumed for a task: a restart resumes it by this id. */
  'worker.session_started': z.object({
    agent: AgentName,
    worker: z.string(),
    task_id: z.string(),
    session_id: z.string(),
    workspace: z.string(),
    resumed: z.boolean(),
  }),
  'worker.session_ended': z.object({
    agent: AgentName,
    worker: z.string(),
    task_id: z.string(),
    session_id: z.string(),
    outcome: z.string(),
    turns: NonNegativeInt,
    cost_usd: z.number().nonnegative(),
  }),
  /** The budget was hit: the human is asked (a `budget` review) for more. */
  'budget.requested': z.object({
    review_id: Id,
    phase: PositiveInt,
    agent: AgentName,
    usd: z.number().nonnegative().nullable(),
    tokens: NonNegativeInt.nullable(),
    reason: z.string(),
  }),
  'budget.granted': z.object({
    review_id: Id.nullable(),
    phase: PositiveInt,
    agent: AgentName,
    usd: z.number().nonnegative().nullable(),
    tokens: NonNegativeInt.nullable(),
    by: z.string(),
  }),
} as const;

export type EventType = keyof typeof EventPayloads;
export const EventType = z.enum(Object.keys(EventPayloads) as [EventType, ...EventType[]]);
export type EventPayload<T extends EventType> = z.infer<(typeof EventPayloads)[T]>;

/** An event as stored in the ledger. */
export const LedgerEvent = z.object({
  seq: PositiveInt,
  id: Id,
  ts: z.string(),
  type: EventType,
  actor: Actor,
  payload: z.unknown(),
  prev_hash: z.string(),
  hash: z.string(),
});
export type LedgerEvent = z.infer<typeof LedgerEvent>;

/** What a writer hands the ledger; seq, hashes (and, unless given, id and ts) are assigned on append. */
export type NewEvent<T extends EventType = EventType> = {
  [K in T]: { type: K; actor: Actor; payload: EventPayload<K>; id?: string; ts?: string };
}[T];
