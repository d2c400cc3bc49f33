import type { EventType } from '../../../shared/index.ts';
import { AuthoredPath, EventType as EventTypeSchema } from '../../../shared/index.ts';
import type { Reader } from '../store/read.ts';
import { RECENT_INTERACTIONS } from './render/detail.ts';
import { RECENT_CHECKPOINTS } from './render/overview.ts';
import { reviewCovers } from './render/signoff.ts';
import type { ProjectSnapshot, SnapshotStats } from './snapshot.ts';

export type Field = keyof ProjectSnapshot;
type Loaders = { [K in Field]-?: () => ProjectSnapshot[K] };

/** The events that change a concern (its projection, its JSONL stream). */
export const CONCERN_EVENTS: readonly EventType[] = [
  'concern.raised',
  'concern.acknowledged',
  'concern.assigned',
  'concern.resolved',
  'concern.escalated',
  'concern.discord_posted',
];
const REVIEW_EVENTS: readonly EventType[] = ['review.requested', 'review.decided', 'review.followed_up'];
const PROJECT_EVENTS: readonly EventType[] = [
  'project.initialized',
  'phase.started',
  'stage.entered',
  'phase.promoted',
  'project.released',
];

/**
 * Which events change each field of the snapshot: the projections each event type writes (projections.ts).
 * `all` changes with every event. A test holds this against the projector, so a new projection cannot be
 * forgotten here (an export would then go stale).
 */
export const FIELD_EVENTS: { readonly [K in Field]-?: readonly EventType[] | 'all' } = {
  name: ['project.initialized'],
  brief: ['project.initialized'],
  phase: PROJECT_EVENTS,
  stage: PROJECT_EVENTS,
  iteration: PROJECT_EVENTS,
  // A phase that starts or is promoted shows so in the roadmap (projections.ts, setRoadmapStatus).
  roadmap: ['project.initialized', 'plan.recorded', 'phase.started', 'phase.promoted'],
  kpis: ['project.initialized', 'plan.recorded'],
  risks: ['project.initialized', 'plan.recorded'],
  tasks: ['plan.recorded', 'task.updated', 'task.assigned'],
  artifacts: ['artifact.revised'],
  reviews: REVIEW_EVENTS,
  concerns: CONCERN_EVENTS,
  variations: ['variation.proposed', 'variation.decided'],
  handoffs: ['handoff.recorded', 'handoff.status_changed'],
  commands: ['command.received'],
  responses: ['response.sent'],
  // A decision too: the bounded loaders pick the clarifications of the latest decisions (boundedLoaders). Not
  // a review asked for: the authored loaders pick those of their documents' reviews, but a clarification is
  // asked about a review that exists, so a review just asked for has none yet.
  clarifications: ['clarification.requested', 'clarification.answered', 'review.decided'],
  agents: [
    'project.initialized',
    'agents.configured',
    'agent.status_changed',
    'agent.paused',
    'agent.resumed',
    'agent.usage_recorded',
  ],
  gitActions: ['git.action_recorded'],
  testRuns: ['test.run_completed'],
  gates: ['qa.gate_evaluated'],
  promotions: ['phase.promoted'],
  lastUpdate: 'all',
  stats: [...REVIEW_EVENTS, ...CONCERN_EVENTS],
};

/**
 * Projected event types no export shows: coding agents' permission requests, sessions and stream, budget
 * grants and promotion intents live in the ledger, the UI and the CLI. Listed so a new projected type is a decision,
 * not a miss.
 */
export const UNEXPORTED_EVENTS: readonly EventType[] = [
  'permission.requested',
  'permission.decided',
  'permission.timed_out',
  'permission.withdrawn',
  'worker.session_started',
  'worker.session_ended',
  'worker.activity',
  'budget.granted',
  // Where main stood before a promotion (the recorded refs crash recovery reads); the release shows in
  // the exports through `phase.promoted`.
  'promotion.started',
];

/**
 * Fields whose loaded value also depends on another field: the bounded loaders pick the responses to the
 * commands they read, so a new command changes that list though no response event came; the results
 * loaders pick the reviews requested since the newest test run and gate, in their phases, so a new run or
 * gate changes theirs.
 */
const DERIVED: ReadonlyArray<readonly [Field, Field]> = [
  ['responses', 'commands'],
  ['reviews', 'testRuns'],
  ['reviews', 'gates'],
];

/** The fields the given event types change (as any loader reads them). */
export function fieldsChangedBy(types: Iterable<string>): Set<Field> {
  const known = new Set<string>(EventTypeSchema.options);
  const seen = new Set(types);
  const out = new Set<Field>();
  for (const [field, events] of Object.entries(FIELD_EVENTS) as Array<[Field, readonly EventType[] | 'all']>) {
    // An event type this build does not know may write anything: treat it as changing every field.
    if (seen.size > 0 && (events === 'all' || events.some((t) => seen.has(t)) || [...seen].some((t) => !known.has(t))))
      out.add(field);
  }
  for (const [field, source] of DERIVED) if (out.has(source)) out.add(field);
  return out;
}

function stats(read: Reader): SnapshotStats {
  const totals = read.concernTotals();
  const last = read.lastCritical();
  return {
    earlierDecisions: read.decidedMoreThan(RECENT_CHECKPOINTS),
    resolvedConcerns: {
      critical: totals.resolved.critical ?? 0,
      warning: totals.resolved.warning ?? 0,
      info: totals.resolved.info ?? 0,
    },
    lastCritical: last ? { id: last.id, timestamp: last.timestamp } : null,
  };
}

function projectRow(read: Reader) {
  const p = read.project();
  if (!p) throw new Error('the project has not been initialised');
  return p;
}

/** Every field as the whole history has it: `reader.snapshot()`, one field at a time. */
export function fullLoaders(read: Reader): Loaders {
  // Nine fields are columns of one row: read once per set of loaders (a sync, or a whole render).
  let row: ReturnType<typeof projectRow> | null = null;
  const p = () => (row ??= projectRow(read));
  return {
    name: () => p().name,
    brief: () => p().brief,
    phase: () => p().phase,
    stage: () => p().stage,
    iteration: () => p().iteration,
    roadmap: () => p().roadmap,
    kpis: () => p().kpis,
    risks: () => p().risks,
    lastUpdate: () => p().last_ts,
    tasks: () => read.tasks(),
    artifacts: () => read.artifacts(),
    reviews: () => read.reviews(),
    concerns: () => read.concerns(),
    variations: () => read.variations(),
    handoffs: () => read.handoffs(),
    commands: () => read.commands(),
    responses: () => read.responses(),
    clarifications: () => read.clarifications(),
    agents: () => read.agents(),
    gitActions: () => read.gitActions(),
    testRuns: () => read.testRuns(),
    gates: () => read.gates(),
    promotions: () => read.promotions(),
    stats: () => stats(read),
  };
}

/** How many of the newest commands and decisions to read: twice what is shown, against clock skew. */
const MARGIN = 2 * Math.max(RECENT_INTERACTIONS, RECENT_CHECKPOINTS);

/**
 * The fields as the documents rendered after every event (overview, detail, status.json) need them: only
 * the rows those documents can show, read by index, so rendering them costs the same at any history.
 * Each list is a subset of the full one, in the same order, that holds every item the documents pick
 * (open concerns, pending reviews, the latest decisions and commands, the newest revisions, the last
 * gate), so they render byte for byte what the whole history renders. The changelog gets the git actions
 * it lists (merges, tags, reverts), not every commit.
 */
export function boundedLoaders(read: Reader, full: Loaders = fullLoaders(read)): Loaders {
  let decided: string[] | null = null;
  const recentDecided = () => (decided ??= read.recentDecisionIds(MARGIN));
  let commands: ProjectSnapshot['commands'] | null = null;
  const recentCommands = () => (commands ??= read.recentCommands(MARGIN));
  return {
    ...full,
    artifacts: () => read.latestArtifacts(),
    reviews: () => read.someReviews(AuthoredPath.options, recentDecided()),
    concerns: () => read.openConcernsAndConditions(),
    commands: recentCommands,
    responses: () => read.responsesTo(recentCommands().map((c) => c.command_id)),
    clarifications: () => read.someClarifications(MARGIN, recentDecided()),
    gates: () => {
      const g = read.latestGate();
      return g ? [g] : [];
    },
    gitActions: () => read.notableGitActions(),
  };
}

/**
 * The authored documents' fields: their review logs need the reviews of those documents only (and the
 * clarifications those reviews asked for), not every variation or gate review of the history.
 */
export function authoredLoaders(read: Reader, full: Loaders = fullLoaders(read)): Loaders {
  let reviews: ProjectSnapshot['reviews'] | null = null;
  const mine = () =>
    (reviews ??= read
      .someReviews(AuthoredPath.options, [])
      .filter((r) => (AuthoredPath.options as readonly string[]).includes(r.subject.path)));
  return {
    ...full,
    reviews: mine,
    clarifications: () =>
      read.someClarifications(
        0,
        mine().map((r) => r.id),
      ),
  };
}

/** The documents the results' sign-offs list the reviews of (render/signoff.ts). */
const RESULT_DOCUMENTS = ['tests/TEST_RESULTS.md', 'QA_REPORT.md'];

/**
 * The test results and the QA report: they show open concerns only (the test failures to close, the open
 * criticals, the counts by severity), so they read the open ones by index, not every concern of the history.
 * Reviews are only their sign-offs: the reviews that show one of them (`reviewCovers`) in the phases they
 * sign off (the newest test run's and the newest gate's) requested since that run or gate, so a review of
 * another document, of an earlier phase or from before the gate leaves them as they were. The rest is read
 * whole.
 */
export function resultsLoaders(read: Reader, full: Loaders = fullLoaders(read)): Loaders {
  return {
    ...full,
    concerns: () => read.openConcernsAndConditions(),
    // Their sign-offs show the reviews of the newest test run's phase and the newest gate's requested since
    // that run or gate (signoff.ts): a long phase's earlier reviews, and those of other documents, are not read.
    reviews: () =>
      read
        .reviewsMentioning(RESULT_DOCUMENTS, read.resultScopes())
        .filter((r) => RESULT_DOCUMENTS.some((p) => reviewCovers(r, p))),
  };
}

/**
 * The changelog: every revision, variation and promotion, and of the git actions only the merges, tags and
 * reverts it lists, so a plain commit (most git actions) leaves it as it was instead of re-rendering it.
 */
export function changelogLoaders(read: Reader, full: Loaders = fullLoaders(read)): Loaders {
  return { ...full, gitActions: () => read.notableGitActions() };
}

/**
 * Loaders that each read once, however many sets of loaders built on them ask: the fields every kind
 * reads alike (the project row's, the agents, the tasks) are read once per sync, not once per kind.
 */
export function readOnce(loaders: Loaders): Loaders {
  const memo = new Map<Field, unknown>();
  const out = {} as Record<Field, () => unknown>;
  for (const [field, load] of Object.entries(loaders) as Array<[Field, () => unknown]>) {
    out[field] = () => {
      if (!memo.has(field)) memo.set(field, load());
      return memo.get(field);
    };
  }
  return out as Loaders;
}

/**
 * A snapshot whose fields are read on first use (once per `memo`, which snapshots of the same loaders may
 * share), recording which fields were used: the exporter re-renders a document only when one changes.
 */
export function lazySnapshot(
  loaders: Loaders,
  used: Set<Field> = new Set(),
  memo: Map<Field, unknown> = new Map(),
): ProjectSnapshot {
  const t = trackingSnapshot(loaders, memo);
  t.track(used);
  return t.snapshot;
}

/**
 * `lazySnapshot` whose record of used fields can be switched (`track`), so one snapshot serves each section
 * of a document in turn, each with its own record.
 */
export function trackingSnapshot(
  loaders: Loaders,
  memo: Map<Field, unknown>,
): { snapshot: ProjectSnapshot; track(used: Set<Field>): void } {
  let used = new Set<Field>();
  const s = {} as ProjectSnapshot;
  for (const field of Object.keys(loaders) as Field[]) {
    Object.defineProperty(s, field, {
      enumerable: true,
      get() {
        used.add(field);
        if (!memo.has(field)) memo.set(field, loaders[field]());
        return memo.get(field);
      },
    });
  }
  return {
    snapshot: s,
    track(next) {
      used = next;
    },
  };
}
