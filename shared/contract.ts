import { z } from 'zod';
import { AgentState } from './domain/agent.ts';
import { Concern } from './domain/concern.ts';
import { Actor, AgentName, Id, PositiveInt, NonNegativeInt, Int, NonEmptyString } from './domain/common.ts';
import { KeyName } from './domain/provider.ts';
import { DecisionKind, InlineComment, Review } from './domain/review.ts';
import { Stage } from './domain/plan.ts';
import { ArtifactRevision } from './domain/artifact.ts';
import { QaGate } from './events.ts';
import { QaCases } from './domain/qa-cases.ts';
import { CommitInfo, RevisionLookup, RevisionText } from './domain/git-log.ts';
import { PermissionDecisionKind, PermissionRequest, PermissionStatus, WorkerActivity } from './domain/permission.ts';

/** One call: a request schema and a response schema. */
function call<Req extends z.ZodType, Res extends z.ZodType>(request: Req, response: Res) {
  return { request, response } as const;
}

/** What the dashboard shows at a glance; pushed whenever the ledger moves. */
export const StatusSnapshot = z.object({
  name: z.string(),
  phase: Int,
  phase_name: z.string(),
  /** The phase after this one on the roadmap (what `/phase next` starts once this one is promoted); null at the end. */
  next_phase: z.object({ number: Int, name: z.string() }).nullable().default(null),
  stage: Stage,
  iteration: Int,
  tasks: z.object({ done: Int, total: Int }),
  open_concerns: Int,
  critical_concerns: Int,
  pending_reviews: Int,
  last_critical_at: z.string().nullable(),
  spend_usd: z.number(),
  last_seq: Int,
  last_update: z.string(),
  loop: z.object({ running: z.boolean(), waiting_on: z.array(z.string()) }),
});
export type StatusSnapshot = z.infer<typeof StatusSnapshot>;

export const TimelineEvent = z.object({
  seq: Int,
  id: Id,
  ts: z.string(),
  type: z.string(),
  actor: Actor,
  payload: z.unknown(),
});
export type TimelineEvent = z.infer<typeof TimelineEvent>;

export const ProgressLine = z.object({ kind: z.string(), agent: z.string().optional(), text: z.string() });

/**
 * Why a command was not carried out, so a front end can choose how to show it without reading the text
 * (Discord answers every refusal privately): `unparsed` (not a command as written), `conflict` (somebody
 * decided first: "already …"), `invalid_input` (well-formed, not acceptable now), `not_found`, `refused`.
 */
export const CommandErrorCode = z.enum(['unparsed', 'conflict', 'invalid_input', 'not_found', 'refused']);
export type CommandErrorCode = z.infer<typeof CommandErrorCode>;

/** `error.message` is the reason alone: `response` may add what helps on the surface (the console's help). */
export const CommandResult = z.object({
  ok: z.boolean(),
  command_id: z.string().nullable(),
  response: z.string(),
  error: z.object({ code: CommandErrorCode, message: z.string() }).nullable(),
});

export const ConcernAction = z.enum(['ack', 'resolve', 'assign', 'escalate']);

/** Where a page of concerns ended: in the open ones or the resolved ones, and the last one's place in the ledger. */
export const ConcernCursor = z.object({ resolved: z.boolean(), seq: NonNegativeInt }).strict();
export type ConcernCursor = z.infer<typeof ConcernCursor>;
export const CONCERN_PAGE_DEFAULT = 100;
export const CONCERN_PAGE_MAX = 500;
/** Open concerns (newest raised first), then resolved ones (the same); `next` is null on the last page. */
export const ConcernPage = z.object({
  items: z.array(Concern),
  next: ConcernCursor.nullable(),
  totals: z.object({ open: Int, resolved: Int }),
});
export type ConcernPage = z.infer<typeof ConcernPage>;

/** Where a page of reviews ended: in the pending ones or the decided ones, and the last one's place in the ledger. */
export const ReviewCursor = z.object({ decided: z.boolean(), seq: NonNegativeInt }).strict();
export type ReviewCursor = z.infer<typeof ReviewCursor>;
export const REVIEW_PAGE_DEFAULT = 100;
export const REVIEW_PAGE_MAX = 500;
/** Pending reviews (newest requested first), then decided ones (the same); `next` is null on the last page. */
export const ReviewPage = z.object({
  items: z.array(Review),
  next: ReviewCursor.nullable(),
  totals: z.object({ pending: Int, decided: Int }),
});
export type ReviewPage = z.infer<typeof ReviewPage>;

const Empty = z.object({}).strict();

/** A side's full size (lines null for binary); a truncated side's content is its first `content_cap` bytes. */
const BlobSize = z.object({ bytes: NonNegativeInt, lines: NonNegativeInt.nullable() });
export const DiffFile = z.object({
  path: z.string(),
  status: z.enum(['A', 'M', 'D']),
  binary: z.boolean(),
  truncated: z.boolean(),
  oldContent: z.string().nullable(),
  newContent: z.string().nullable(),
  oldSize: BlobSize.nullable(),
  newSize: BlobSize.nullable(),
});
/** `drift`: whether `max_drift` was measured, or why not (no baseline yet, or no metrics watched); null is never 0 %. */
export const TrendPoint = z.object({
  phase: Int,
  iteration: Int,
  at: z.string(),
  pass_rate: z.number().nullable(),
  coverage: z.number().nullable(),
  max_drift: z.number().nullable(),
  drift: z.enum(['measured', 'no_baseline', 'none']),
  outcome: z.string(),
  green: z.boolean(),
});
export const ConfigFileName = z.enum(['agents.yaml', '.project_policies.yaml', 'discord.yaml']);
/** Where a key the project needs comes from — never the key itself. */
export const KeyStatus = z.object({
  name: KeyName,
  /** The environment variable it is looked up under first. */
  env: z.string().nullable(),
  used_by: z.array(z.string()),
  required: z.boolean(),
  source: z.enum(['environment', 'keys_file', 'store']).nullable(),
  /** A source that could not be read (e.g. a keys_file others can read), in words. */
  problem: z.string().nullable(),
});
export type KeyStatus = z.infer<typeof KeyStatus>;
export const KeysOverview = z.object({
  /** Where Settings stores keys: the OS keychain (desktop) or a 0600 file (headless host); null when it cannot. */
  store: z.string().nullable(),
  keys: z.array(KeyStatus),
  stored: z.array(KeyName),
});
/** A project as the projects view shows it: its folder and its name (from agents.yaml). */
export const ProjectInfo = z.object({ dir: z.string(), name: z.string() });
/** A recently opened project; `missing` when its folder (or its agents.yaml) is no longer there. */
export const RecentProject = ProjectInfo.extend({ opened_at: z.string(), missing: z.boolean() });
export type ProjectInfo = z.infer<typeof ProjectInfo>;
export type RecentProject = z.infer<typeof RecentProject>;
/** What "create from a template" starts from: the blank commented configs, or the sample backtester. */
export const ProjectTemplate = z.enum(['blank', 'sample']);
const ProjectDir = z.string().trim().min(1, 'a folder path is required').max(4096);
/** A budget as `.project_policies.yaml` sets it; either limit may be absent. */
export const BudgetLimit = z.object({ usd: z.number().optional(), tokens: z.number().optional() });
/** Spend so far (all phases) and in the current phase, per agent and in total, beside the configured budgets. */
export const UsageSummary = z.object({
  phase: Int,
  total: z.object({ usd: z.number(), tokens: Int }),
  phase_total: z.object({ usd: z.number(), tokens: Int, budget: BudgetLimit.nullable() }),
  agents: z.array(
    z.object({
      agent: z.string(),
      usd: z.number(),
      tokens: Int,
      phase_usd: z.number(),
      phase_tokens: Int,
      budget: BudgetLimit.nullable(),
    }),
  ),
});
/** The Discord link as Settings shows it; never a token or webhook URL. */
/** What discord.yaml sets, as Settings → Discord summarises it; never a token or a webhook URL (only where they are looked up). */
export const DiscordConfigSummary = z.object({
  guild_id: z.string().nullable(),
  /** Each of the four channels: the id or name discord.yaml gives, or the default name. */
  channels: z.record(z.string(), z.string()),
  reviewers: z.object({ users: z.array(z.string()), roles: z.array(z.string()) }),
  daily_status: z.string().nullable(),
  /** Bot mode: the variable the token is read from. Webhook mode: the variable of each channel's URL. */
  secrets_env: z.record(z.string(), z.string()),
});
export type DiscordConfigSummary = z.infer<typeof DiscordConfigSummary>;
/** An attempt from someone not on the reviewer allowlist: who, when, what they tried. */
export const DiscordRefusal = z.object({ user: z.string(), user_id: z.string(), at: z.string(), what: z.string() });
export type DiscordRefusal = z.infer<typeof DiscordRefusal>;
export const DiscordStatus = z.object({
  configured: z.boolean(),
  mode: z.enum(['bot', 'webhook']).nullable(),
  running: z.boolean(),
  connected: z.boolean(),
  pending: Int,
  sent: Int,
  dead: Int,
  last_error: z.string().nullable(),
  config: DiscordConfigSummary.nullable(),
  /** The latest refused attempts, newest first (at most 10), and how many in the last 24 hours. */
  refused: z.array(DiscordRefusal).default([]),
  refused_24h: Int.default(0),
});
export type DiscordStatus = z.infer<typeof DiscordStatus>;
export const ConfigCheck = z.object({
  ok: z.boolean(),
  issues: z.array(z.object({ line: Int, path: z.string(), message: z.string() })),
});

/**
 * The one contract between the engine and every front end. Both transports (Electron IPC through the
 * preload bridge, WebSocket through the headless host) are derived from this object and validate every
 * request and response with it. Adding a call is one line here plus one handler in core.
 */
export const contract = {
  calls: {
    'project.status': call(Empty, StatusSnapshot),
    // Paged like concerns.list, pending ones first: a year's history holds a thousand decided reviews, and every
    // refresh of the Reviews view read them all. `path` lists the reviews of one document (its history).
    'reviews.list': call(
      z
        .object({
          open: z.boolean().optional(),
          path: NonEmptyString.optional(),
          limit: Int.min(1).max(REVIEW_PAGE_MAX).default(REVIEW_PAGE_DEFAULT),
          after: ReviewCursor.optional(),
        })
        .strict(),
      ReviewPage,
    ),
    'reviews.get': call(z.object({ id: Id }).strict(), Review),
    'reviews.decide': call(
      z
        .object({
          reviewId: Id,
          decision: DecisionKind,
          comment: z.string().max(20_000),
          inline: z.array(InlineComment).max(200).default([]),
        })
        .strict(),
      Review,
    ),
    // Paged, open ones first: a year's history holds ~100k resolved concerns, and a list of them all blocked the
    // host for a third of a second. `after` is the page's `next`; `totals` count every concern (counters, no scan).
    'concerns.list': call(
      z
        .object({
          open: z.boolean().optional(),
          limit: Int.min(1).max(CONCERN_PAGE_MAX).default(CONCERN_PAGE_DEFAULT),
          after: ConcernCursor.optional(),
        })
        .strict(),
      ConcernPage,
    ),
    'concerns.get': call(z.object({ id: Id }).strict(), Concern),
    'concerns.act': call(
      z
        .object({
          concernId: Id,
          action: ConcernAction,
          note: z.string().max(10_000).default(''),
          to: z.union([AgentName, z.literal('Human')]).optional(),
        })
        .strict(),
      Concern,
    ),
    'commands.run': call(z.object({ text: NonEmptyString.max(10_000) }).strict(), CommandResult),
    'agents.list': call(Empty, z.array(AgentState)),
    // Filters combine with AND; `total` counts the events that match them (the whole ledger when none is set),
    // up to 10,000: `total_capped` says more match (counting a filter exactly would walk the whole ledger).
    'ledger.page': call(
      z
        .object({
          before: PositiveInt.optional(),
          limit: Int.min(1).max(1000).default(100),
          types: z.array(z.string()).max(50).optional(),
          actors: z.array(Actor).max(50).optional(),
          phase: PositiveInt.optional(),
          text: z.string().max(200).optional(),
        })
        .strict(),
      z.object({ events: z.array(TimelineEvent), total: Int, total_capped: z.boolean() }),
    ),
    'ledger.verify': call(
      Empty,
      z.object({
        ok: z.boolean(),
        checked: Int,
        firstBad: z.object({ seq: Int, id: z.string(), reason: z.string() }).nullable(),
        exports: z.array(z.object({ path: z.string(), problem: z.string() })),
      }),
    ),
    'loop.run': call(Empty, z.object({ started: z.boolean(), reason: z.string() })),
    // Start the next phase of the roadmap once the current one is promoted (the same as `/phase next`).
    'phase.next': call(Empty, CommandResult),
    // For the review editor: every revision of an authored document, and any export as rendered now.
    'artifacts.revisions': call(z.object({ path: NonEmptyString }).strict(), z.array(ArtifactRevision)),
    'artifacts.rendered': call(
      z.object({ path: NonEmptyString }).strict(),
      z.object({ path: z.string(), content: z.string().nullable() }),
    ),
    // For the diffs view: refs to pick from, and a diff shaped for a side-by-side editor.
    'git.refs': call(
      Empty,
      z.object({
        branches: z.array(z.object({ name: z.string(), oid: z.string() })),
        tags: z.array(z.object({ name: z.string(), oid: z.string() })),
      }),
    ),
    'git.diff': call(
      z.object({ from: z.string().nullable(), to: NonEmptyString }).strict(),
      z.object({
        from: z.string().nullable(),
        to: z.string(),
        files: z.array(DiffFile),
        content_cap: PositiveInt,
      }),
    ),
    // For the diffs view's commit picker: a branch's recent history, and whatever the human typed (short sha, `rev^`, `main~2`) resolved.
    'git.log': call(
      z.object({ ref: RevisionText, limit: Int.min(1).max(500).default(50) }).strict(),
      z.object({ ref: z.string(), oid: z.string(), commits: z.array(CommitInfo) }),
    ),
    'git.resolve': call(z.object({ rev: RevisionText }).strict(), RevisionLookup),
    // For the QA view and the dashboard charts.
    'qa.gates': call(Empty, z.array(QaGate.extend({ at: z.string(), event_id: z.string() }))),
    'qa.trends': call(Empty, z.array(TrendPoint)),
    // The failed, flaky and skipped test cases behind one gate's counts (`event_id` from qa.gates), up to `limit` per group.
    'qa.cases': call(
      z.object({ event_id: NonEmptyString.max(100), limit: Int.min(1).max(1000).default(200) }).strict(),
      QaCases,
    ),
    'qa.output': call(
      z.object({ limit: Int.min(1).max(5000).default(500) }).strict(),
      z.array(z.object({ seq: Int, test: z.string(), attempt: Int, line: z.string() })),
    ),
    // For the settings view: the two config files, validated at the line before anything is written.
    // A missing discord.yaml reads as a commented starter (exists: false); saving it creates the file.
    'config.read': call(
      z.object({ file: ConfigFileName }).strict(),
      z.object({ file: ConfigFileName, text: z.string(), exists: z.boolean() }),
    ),
    'config.validate': call(z.object({ file: ConfigFileName, text: z.string().max(500_000) }).strict(), ConfigCheck),
    'config.write': call(z.object({ file: ConfigFileName, text: z.string().max(500_000) }).strict(), ConfigCheck),
    // For Settings → Providers and keys: keys go in, only where they come from comes out.
    'keys.list': call(Empty, KeysOverview),
    'keys.set': call(
      z
        .object({
          name: KeyName,
          key: z
            .string()
            .trim()
            .min(1, 'the key is empty')
            .max(4096)
            .regex(/^\S+$/, 'a key has no spaces or line breaks'),
        })
        .strict(),
      KeysOverview,
    ),
    'keys.remove': call(z.object({ name: KeyName }).strict(), KeysOverview),
    // For Settings → Discord: is the link configured and running, what is queued, and a test message through the outbox.
    'discord.status': call(Empty, DiscordStatus),
    'discord.test': call(Empty, z.object({ key: z.string() })),
    // Undeliverable messages (Discord refused them as malformed) queued again, e.g. after an upgrade fixed them.
    'discord.retry': call(Empty, z.object({ requeued: NonNegativeInt })),
    // For the dashboard's spend card: budgets are enforced per phase, so the card shows the phase beside them.
    'usage.summary': call(Empty, UsageSummary),
    // For the projects view: which project is served, recent ones, and switching (the host closes one, opens another).
    'projects.current': call(Empty, ProjectInfo),
    'projects.recent': call(Empty, z.array(RecentProject)),
    'projects.open': call(z.object({ dir: ProjectDir }).strict(), ProjectInfo),
    'projects.create': call(
      z
        .object({
          dir: ProjectDir,
          name: z.string().trim().min(1, 'a project name is required').max(200),
          template: ProjectTemplate.default('blank'),
        })
        .strict(),
      ProjectInfo,
    ),
    'projects.demo': call(z.object({ dir: ProjectDir }).strict(), ProjectInfo),
    // Coding agents' permission requests: the inbox, and one decision bound to the digest of the input the human saw.
    'permissions.list': call(z.object({ status: PermissionStatus.optional() }).strict(), z.array(PermissionRequest)),
    'permissions.get': call(z.object({ id: Id }).strict(), PermissionRequest),
    'permissions.decide': call(
      z
        .object({
          requestId: Id,
          decision: PermissionDecisionKind,
          digest: z.string().regex(/^[0-9a-f]{12,64}$/, "the request's input digest (12 to 64 hex characters)"),
          message: z.string().max(5000).default(''),
          /** For allow_edited: the input to run instead (a JSON object of the tool's fields). */
          input: z.record(z.string(), z.unknown()).optional(),
        })
        .strict(),
      PermissionRequest,
    ),
    // The coding agents' streams (messages, tool uses and how the gate decided them, test runs), newest last.
    'agents.activity': call(
      z.object({ agent: AgentName.optional(), limit: Int.min(1).max(1000).default(200) }).strict(),
      z.array(WorkerActivity.extend({ seq: Int, ts: z.string() })),
    ),
  },
  events: {
    'status.changed': StatusSnapshot,
    'ledger.appended': z.object({ events: z.array(TimelineEvent.omit({ payload: true })) }),
    progress: ProgressLine,
    // Another project is now served: every page drops what it holds and reloads from the new one.
    'project.switched': ProjectInfo,
  },
} as const;

export type Contract = typeof contract;
export type CallName = keyof Contract['calls'];
export type CallRequest<N extends CallName> = z.input<Contract['calls'][N]['request']>;
export type CallResponse<N extends CallName> = z.output<Contract['calls'][N]['response']>;
export type EventName = keyof Contract['events'];
export type EventData<N extends EventName> = z.output<Contract['events'][N]>;
export const CALL_NAMES = Object.keys(contract.calls) as CallName[];
export const EVENT_NAMES = Object.keys(contract.events) as EventName[];

/** The WebSocket frames, also validated at the boundary. */
export const ClientFrame = z
  .object({
    id: NonNegativeInt,
    call: z.enum(CALL_NAMES as [CallName, ...CallName[]]),
    params: z.unknown(),
  })
  .strict();
export type ClientFrame = z.infer<typeof ClientFrame>;
export const ServerFrame = z.union([
  z.object({ id: Int, ok: z.literal(true), result: z.unknown() }),
  z.object({
    id: Int.nullable(),
    ok: z.literal(false),
    error: z.object({ code: z.string(), message: z.string() }),
  }),
  z.object({ event: z.enum(EVENT_NAMES as [EventName, ...EventName[]]), data: z.unknown() }),
]);

/** What a transport offers the renderer: typed calls and typed event subscriptions. */
export interface Transport {
  call<N extends CallName>(name: N, params: CallRequest<N>): Promise<CallResponse<N>>;
  on<N extends EventName>(name: N, listener: (data: EventData<N>) => void): () => void;
}
