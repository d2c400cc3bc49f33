import type Database from 'better-sqlite3';
import type {
  AgentState,
  ArtifactRevision,
  Command,
  Handoff,
  PermissionRequest,
  PermissionStatus,
  WorkerSession,
  KPI,
  Phase,
  Response,
  Review,
  Stage,
  Task,
  Variation,
} from '../../../shared/index.ts';
import { OPEN, concernReads } from './concern-reads.ts';
import { docQueries } from './doc-queries.ts';
import { gitActionReads } from './git-action-reads.ts';
import { resultReviewReads } from './result-review-reads.ts';
import { reviewPages } from './review-pages.ts';
import { phaseToken, typeToken } from './search.ts';
import type {
  ClarificationRecord,
  GateRecord,
  ProjectSnapshot,
  PromotionRecord,
  StatusFacts,
  TestRunRecord,
} from '../artifacts/snapshot.ts';

interface ProjectRow {
  name: string;
  brief: string;
  phase: number;
  stage: Stage;
  iteration: number;
  plan: string;
  last_seq: number;
  last_ts: string;
}

/** Typed reads of the projections. Everything the loop, the exports and the front ends look at comes through here. */
export function createReader(db: Database.Database) {
  const { docs, one } = docQueries(db);

  /**
   * Runs `fn`, which only reads and returns before any await, in one read transaction: its reads see one
   * state of the database, and share one WAL read lock. Outside a transaction SQLite takes and drops that
   * lock for every statement (two fcntl calls and an fstat), which made a small read cost 8–17 µs instead of
   * 2–3 µs. `query_only` turns a write inside into an error instead of a write in a snapshot that another
   * process may have moved past. Inside a transaction already, `fn` just runs in it.
   */
  const atOnce = <R>(fn: () => R): R => {
    if (db.inTransaction) return fn();
    db.exec('BEGIN');
    db.pragma('query_only = ON');
    try {
      return fn();
    } finally {
      db.pragma('query_only = OFF');
      db.exec('COMMIT');
    }
  };

  const reader = {
    ...reviewPages(db),
    ...concernReads(db),
    ...gitActionReads(db),
    ...resultReviewReads(db),
    atOnce,
    project(): (Omit<ProjectRow, 'plan'> & { roadmap: Phase[]; kpis: KPI[]; risks: string[] }) | null {
      const row = db.prepare<[], ProjectRow>('SELECT * FROM project WHERE id = 1').get();
      if (!row) return null;
      const plan = JSON.parse(row.plan) as { roadmap: Phase[]; kpis: KPI[]; risks: string[] };
      return {
        name: row.name,
        brief: row.brief,
        phase: row.phase,
        stage: row.stage,
        iteration: row.iteration,
        last_seq: row.last_seq,
        last_ts: row.last_ts,
        ...plan,
      };
    },
    reviews: (): Review[] => docs('SELECT doc FROM reviews ORDER BY seq, id'),
    review: (id: string): Review | null => one('SELECT doc FROM reviews WHERE id = ?', id),
    pendingReviews: (): Review[] => docs("SELECT doc FROM reviews WHERE status = 'pending' ORDER BY seq"),
    /** Decided reviews the loop has not acted on yet. */
    unhandledDecisions: (): Review[] =>
      docs("SELECT doc FROM reviews WHERE status = 'decided' AND handled = 0 ORDER BY seq"),
    tasks: (): Task[] => docs('SELECT doc FROM tasks ORDER BY rowid'),
    tasksOfPhase: (phase: number): Task[] => docs('SELECT doc FROM tasks WHERE phase = ? ORDER BY rowid', phase),
    /** Reviews of one kind in one phase, oldest first. */
    reviewsOf: (kind: Review['kind'], phase: number): Review[] =>
      docs('SELECT doc FROM reviews WHERE phase = ? AND kind = ? ORDER BY seq, id', phase, kind),
    /** The ids of the reviews decided last, newest decision first (the ledger's own order of decisions). */
    recentDecisionIds: (limit: number): string[] =>
      db
        .prepare<[number], { id: string }>(
          "SELECT json_extract(payload, '$.review_id') AS id FROM events WHERE type = 'review.decided' " +
            'ORDER BY seq DESC LIMIT ?',
        )
        .all(limit)
        .map((r) => r.id),
    /** More than `n` reviews have been decided. */
    decidedMoreThan: (n: number): boolean =>
      (db
        .prepare<[number], { n: number }>(
          "SELECT COUNT(*) AS n FROM (SELECT 1 FROM reviews WHERE status = 'decided' LIMIT ?)",
        )
        .get(n + 1)?.n ?? 0) > n,
    task: (id: string): Task | null => one('SELECT doc FROM tasks WHERE id = ?', id),
    artifacts: (): ArtifactRevision[] => docs('SELECT doc FROM artifacts ORDER BY seq, path'),
    latestArtifact: (path: string): ArtifactRevision | null =>
      one('SELECT doc FROM artifacts WHERE path = ? ORDER BY revision DESC LIMIT 1', path),
    variations: (): Variation[] => docs('SELECT doc FROM variations ORDER BY number'),
    variation: (id: string): Variation | null => one('SELECT doc FROM variations WHERE id = ?', id),
    handoffs: (): Handoff[] => docs('SELECT doc FROM handoffs ORDER BY rowid'),
    /** Some handoff was recorded without an id (one key lookup, not a read of every handoff). */
    handoffWithoutId: (): boolean => db.prepare("SELECT 1 FROM handoffs WHERE id = '' LIMIT 1").get() !== undefined,
    /**
     * A handoff of `phase` was recorded before event `seq`: one seek in the handoffs' phase index. The search
     * index could answer it too, but for a phase with no handoffs FTS5 walks every handoff's posting to find
     * none (0.2 ms a phase at 100k events, several phases per promotion). Handoffs recorded without an id
     * (old ledgers) share one row, so for those the search index answers.
     */
    handoffRecordedBefore: (phase: number, seq: number): boolean =>
      reader.handoffWithoutId()
        ? db
            .prepare<[string, number], { n: number }>(
              'SELECT 1 AS n FROM events_search WHERE events_search MATCH ? AND rowid < ? LIMIT 1',
            )
            .get(`"${typeToken('handoff.recorded')}" AND "${phaseToken(phase)}"`, seq) !== undefined
        : db
            .prepare<[number, number], { n: number }>(
              "SELECT 1 AS n FROM handoffs WHERE json_extract(doc, '$.phase') = ? AND seq < ? LIMIT 1",
            )
            .get(phase, seq) !== undefined,
    /**
     * The seq of the first handoff recorded in `phase` (null: none), one seek in the handoffs' phase index.
     * Not for old ledgers, whose id-less handoffs share one row (`handoffWithoutId`).
     */
    firstHandoffSeq: (phase: number): number | null =>
      db
        .prepare<[number], { s: number | null }>(
          "SELECT MIN(seq) AS s FROM handoffs WHERE json_extract(doc, '$.phase') = ?",
        )
        .get(phase)?.s ?? null,
    /** The phases that have handoffs, from the first to the current one and the roadmap's last. */
    handoffPhases(): number[] {
      return atOnce(() => {
        const p = reader.project();
        const last = Math.max(p?.phase ?? 1, ...(p?.roadmap ?? []).map((r) => r.number));
        const head = Number.MAX_SAFE_INTEGER;
        return Array.from({ length: last }, (_, i) => i + 1).filter((phase) =>
          reader.handoffRecordedBefore(phase, head),
        );
      });
    },
    commands: (): Command[] => docs('SELECT doc FROM commands ORDER BY seq'),
    responses: (): Response[] => docs('SELECT doc FROM responses ORDER BY seq'),
    /** The last `limit` commands, oldest first. */
    recentCommands: (limit: number): Command[] =>
      docs<Command>('SELECT doc FROM commands ORDER BY seq DESC LIMIT ?', limit).reverse(),
    /** The answers to these commands, oldest first. */
    responsesTo: (commandIds: readonly string[]): Response[] =>
      commandIds.length === 0
        ? []
        : docs(
            `SELECT doc FROM responses WHERE command_id IN (${commandIds.map(() => '?').join(',')}) ORDER BY seq`,
            ...commandIds,
          ),
    clarifications: (): ClarificationRecord[] => docs('SELECT doc FROM clarifications ORDER BY rowid'),
    clarification: (id: string): ClarificationRecord | null => one('SELECT doc FROM clarifications WHERE id = ?', id),
    /**
     * Clarifications asked outside a command whose answer (or question) came last, plus every one asked
     * during the given reviews, in the order of `clarifications()`.
     */
    someClarifications(direct: number, reviewIds: readonly string[]): ClarificationRecord[] {
      const marks = reviewIds.map(() => '?').join(',');
      return docs(
        `SELECT doc FROM clarifications WHERE rowid IN (
           SELECT rowid FROM clarifications WHERE json_extract(doc, '$.command_id') IS NULL
             ORDER BY COALESCE(json_extract(doc, '$.answered_at'), json_extract(doc, '$.asked_at')) DESC LIMIT ?)
         ${reviewIds.length > 0 ? `OR json_extract(doc, '$.review_id') IN (${marks})` : ''} ORDER BY rowid`,
        direct,
        ...reviewIds,
      );
    },
    /** Reviews still pending, of these documents, or among the last decided: in the order of `reviews()`. */
    someReviews(paths: readonly string[], decided: readonly string[]): Review[] {
      const pm = paths.map(() => '?').join(',');
      const dm = decided.map(() => '?').join(',');
      return docs(
        `SELECT doc FROM reviews WHERE status = 'pending'
           ${paths.length > 0 ? `OR json_extract(doc, '$.subject.path') IN (${pm})` : ''}
           ${decided.length > 0 ? `OR id IN (${dm})` : ''} ORDER BY seq, id`,
        ...paths,
        ...decided,
      );
    },
    /** The newest revision of each document. */
    latestArtifacts: (): ArtifactRevision[] =>
      docs(
        'SELECT doc FROM artifacts a WHERE revision = (SELECT MAX(revision) FROM artifacts b WHERE b.path ' +
          '= a.path) ORDER BY seq, path',
      ),
    latestGate: (): GateRecord | null => one('SELECT doc FROM gates ORDER BY seq DESC LIMIT 1'),
    pendingClarification: (agent: string): ClarificationRecord | null =>
      one("SELECT doc FROM clarifications WHERE agent = ? AND status = 'pending' LIMIT 1", agent),
    pendingClarifications: (): ClarificationRecord[] =>
      docs("SELECT doc FROM clarifications WHERE status = 'pending' ORDER BY seq"),
    agents: (): AgentState[] => docs('SELECT doc FROM agents ORDER BY rowid'),
    /** What each agent spent in a phase (cost and tokens), added up as usage was recorded. */
    usageInPhase: (phase: number): Array<{ agent: string; usd: number; tokens: number }> =>
      db
        .prepare<[number], { agent: string; usd: number; tokens: number }>(
          'SELECT agent, usd, tokens FROM usage_totals WHERE phase = ?',
        )
        .all(phase),
    agent: (name: string): AgentState | null => one('SELECT doc FROM agents WHERE name = ?', name),
    testRuns: (): TestRunRecord[] => docs('SELECT doc FROM test_runs ORDER BY seq'),
    gates: (): GateRecord[] => docs('SELECT doc FROM gates ORDER BY seq'),
    permissionRequests: (status?: PermissionStatus): PermissionRequest[] =>
      status
        ? docs('SELECT doc FROM permission_requests WHERE status = ? ORDER BY seq', status)
        : docs('SELECT doc FROM permission_requests ORDER BY seq'),
    permissionRequest: (id: string): PermissionRequest | null =>
      one('SELECT doc FROM permission_requests WHERE id = ?', id),
    /** The latest request of this agent for this exact input (a resumed session asks again for the same thing). */
    permissionByDigest: (agent: string, digest: string): PermissionRequest | null =>
      one(
        'SELECT doc FROM permission_requests WHERE agent = ? AND digest = ? ORDER BY seq DESC LIMIT 1',
        agent,
        digest,
      ),
    /** Requests a human allowed always: the rules they granted, a few rows however long the history. */
    alwaysAllowed: (): PermissionRequest[] =>
      docs(
        `SELECT doc FROM permission_requests INDEXED BY permission_requests_always
         WHERE status = 'allowed' AND json_extract(doc, '$.decision.decision') = 'allow_always' ORDER BY seq`,
      ),
    /** Was this request's decision already used by a tool use of the same input? */
    permissionUsed: (id: string): boolean =>
      (db.prepare<[string], { used: number }>('SELECT used FROM permission_requests WHERE id = ?').get(id)?.used ?? 0) >
      0,
    sessionPermissions: (agent: string, sessionId: string): PermissionRequest[] =>
      docs(
        "SELECT doc FROM permission_requests WHERE agent = ? AND session_id = ? AND status = 'allowed' ORDER BY seq",
        agent,
        sessionId,
      ),
    workerSession: (agent: string, taskId: string): WorkerSession | null =>
      one('SELECT doc FROM worker_sessions WHERE agent = ? AND task_id = ?', agent, taskId),
    budgetGrants: (phase: number): Array<{ agent: string; usd: number | null; tokens: number | null }> =>
      docs('SELECT doc FROM budget_grants WHERE phase = ? ORDER BY seq', phase),
    promotions: (): PromotionRecord[] => docs('SELECT doc FROM promotions ORDER BY phase'),
    /** One point per QA gate, oldest first: what the dashboard and the report chart over iterations. */
    trends(): Array<{
      phase: number;
      iteration: number;
      at: string;
      pass_rate: number | null;
      coverage: number | null;
      max_drift: number | null;
      drift: 'measured' | 'no_baseline' | 'none';
      outcome: string;
      green: boolean;
    }> {
      return reader.gates().map((g) => {
        // Only metrics compared with a baseline count: a metric with none has no drift, not 0 % drift.
        const drifts = g.drift.filter((d) => d.percent !== null).map((d) => Math.abs(d.percent ?? 0));
        const drift = drifts.length > 0 ? 'measured' : g.drift.length > 0 ? 'no_baseline' : 'none';
        return {
          phase: g.phase,
          iteration: g.iteration,
          at: g.at,
          pass_rate: g.totals.tests > 0 ? Math.round((g.totals.passed / g.totals.tests) * 1000) / 10 : null,
          coverage: g.coverage_lines,
          max_drift: drifts.length ? Math.max(...drifts) : null,
          drift,
          outcome: g.outcome,
          green: g.green,
        };
      });
    },
    counts(): {
      openConcerns: number;
      criticalOpen: number;
      pendingReviews: number;
      tasksDone: number;
      tasksTotal: number;
    } {
      const c = db
        .prepare<[], { open: number; critical: number }>(
          `SELECT COUNT(*) AS open, COALESCE(SUM(severity = 'critical'), 0) AS critical FROM concerns ` +
            `WHERE status IN (${OPEN})`,
        )
        .get() ?? { open: 0, critical: 0 };
      const r =
        db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM reviews WHERE status = 'pending'").get()?.n ?? 0;
      const t = db
        .prepare<[], { done: number; total: number }>(
          "SELECT COALESCE(SUM(status = 'Done'), 0) AS done, COUNT(*) AS total FROM tasks",
        )
        .get() ?? { done: 0, total: 0 };
      return {
        openConcerns: c.open,
        criticalOpen: c.critical,
        pendingReviews: r,
        tasksDone: t.done,
        tasksTotal: t.total,
      };
    },
    /** The current phase's tasks, the open concerns, the pending reviews and the team: a few indexed rows. */
    statusFacts: (): StatusFacts =>
      atOnce(() => {
        const p = reader.project();
        if (!p) throw new Error('the project has not been initialised');
        return {
          name: p.name,
          phase: p.phase,
          stage: p.stage,
          iteration: p.iteration,
          roadmap: p.roadmap,
          tasks: reader.tasksOfPhase(p.phase),
          concerns: reader.openConcerns(),
          reviews: reader.pendingReviews(),
          agents: reader.agents(),
          lastUpdate: p.last_ts,
        };
      }),
    snapshot: (): ProjectSnapshot =>
      atOnce(() => {
        const p = reader.project();
        if (!p) throw new Error('the project has not been initialised');
        return {
          name: p.name,
          brief: p.brief,
          phase: p.phase,
          stage: p.stage,
          iteration: p.iteration,
          roadmap: p.roadmap,
          tasks: reader.tasks(),
          kpis: p.kpis,
          risks: p.risks,
          artifacts: reader.artifacts(),
          reviews: reader.reviews(),
          concerns: reader.concerns(),
          variations: reader.variations(),
          handoffs: reader.handoffs(),
          commands: reader.commands(),
          responses: reader.responses(),
          clarifications: reader.clarifications(),
          agents: reader.agents(),
          gitActions: reader.gitActions(),
          testRuns: reader.testRuns(),
          gates: reader.gates(),
          promotions: reader.promotions(),
          lastUpdate: p.last_ts,
        };
      }),
  };
  return reader;
}

export type Reader = ReturnType<typeof createReader>;
