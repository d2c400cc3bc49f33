import type Database from 'better-sqlite3';
import type {
  AgentState,
  ArtifactRevision,
  Command,
  Concern,
  GitAction,
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
import type { ClarificationRecord, GateRecord, ProjectSnapshot, PromotionRecord, TestRunRecord } from '../artifacts/snapshot.ts';

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
  const docs = <T>(sql: string, ...params: unknown[]): T[] =>
    db
      .prepare<unknown[], { doc: string }>(sql)
      .all(...params)
      .map((r) => JSON.parse(r.doc) as T);
  const one = <T>(sql: string, ...params: unknown[]): T | null => {
    const r = db.prepare<unknown[], { doc: string }>(sql).get(...params);
    return r ? (JSON.parse(r.doc) as T) : null;
  };

  const reader = {
    project(): (Omit<ProjectRow, 'plan'> & { roadmap: Phase[]; kpis: KPI[]; risks: string[] }) | null {
      const row = db.prepare<[], ProjectRow>('SELECT * FROM project WHERE id = 1').get();
      if (!row) return null;
      const plan = JSON.parse(row.plan) as { roadmap: Phase[]; kpis: KPI[]; risks: string[] };
      return { name: row.name, brief: row.brief, phase: row.phase, stage: row.stage, iteration: row.iteration, last_seq: row.last_seq, last_ts: row.last_ts, ...plan };
    },
    reviews: (): Review[] => docs('SELECT doc FROM reviews ORDER BY seq, id'),
    review: (id: string): Review | null => one('SELECT doc FROM reviews WHERE id = ?', id),
    pendingReviews: (): Review[] => docs("SELECT doc FROM reviews WHERE status = 'pending' ORDER BY seq"),
    /** Decided reviews the loop has not acted on yet. */
    unhandledDecisions: (): Review[] => docs("SELECT doc FROM reviews WHERE status = 'decided' AND handled = 0 ORDER BY seq"),
    concerns: (): Concern[] => docs('SELECT doc FROM concerns ORDER BY rowid'),
    concern: (id: string): Concern | null => one('SELECT doc FROM concerns WHERE id = ?', id),
    openConcerns: (): Concern[] => docs("SELECT doc FROM concerns WHERE status != 'resolved' ORDER BY rowid"),
    tasks: (): Task[] => docs('SELECT doc FROM tasks ORDER BY rowid'),
    task: (id: string): Task | null => one('SELECT doc FROM tasks WHERE id = ?', id),
    artifacts: (): ArtifactRevision[] => docs('SELECT doc FROM artifacts ORDER BY seq, path'),
    latestArtifact: (path: string): ArtifactRevision | null => one('SELECT doc FROM artifacts WHERE path = ? ORDER BY revision DESC LIMIT 1', path),
    variations: (): Variation[] => docs('SELECT doc FROM variations ORDER BY number'),
    variation: (id: string): Variation | null => one('SELECT doc FROM variations WHERE id = ?', id),
    handoffs: (): Handoff[] => docs('SELECT doc FROM handoffs ORDER BY rowid'),
    commands: (): Command[] => docs('SELECT doc FROM commands ORDER BY seq'),
    responses: (): Response[] => docs('SELECT doc FROM responses ORDER BY seq'),
    clarifications: (): ClarificationRecord[] => docs('SELECT doc FROM clarifications ORDER BY rowid'),
    pendingClarification: (agent: string): ClarificationRecord | null => one("SELECT doc FROM clarifications WHERE agent = ? AND status = 'pending' LIMIT 1", agent),
    pendingClarifications: (): ClarificationRecord[] => docs("SELECT doc FROM clarifications WHERE status = 'pending' ORDER BY seq"),
    agents: (): AgentState[] => docs('SELECT doc FROM agents ORDER BY rowid'),
    agent: (name: string): AgentState | null => one('SELECT doc FROM agents WHERE name = ?', name),
    gitActions: (): GitAction[] => docs('SELECT doc FROM git_actions ORDER BY seq'),
    recordedRefs: (): Array<{ name: string; oid: string }> => db.prepare<[], { name: string; oid: string }>('SELECT name, oid FROM git_refs ORDER BY name').all(),
    testRuns: (): TestRunRecord[] => docs('SELECT doc FROM test_runs ORDER BY seq'),
    gates: (): GateRecord[] => docs('SELECT doc FROM gates ORDER BY seq'),
    permissionRequests: (status?: PermissionStatus): PermissionRequest[] =>
      status ? docs('SELECT doc FROM permission_requests WHERE status = ? ORDER BY seq', status) : docs('SELECT doc FROM permission_requests ORDER BY seq'),
    permissionRequest: (id: string): PermissionRequest | null => one('SELECT doc FROM permission_requests WHERE id = ?', id),
    /** The latest request of this agent for this exact input (a resumed session asks again for the same thing). */
    permissionByDigest: (agent: string, digest: string): PermissionRequest | null =>
      one('SELECT doc FROM permission_requests WHERE agent = ? AND digest = ? ORDER BY seq DESC LIMIT 1', agent, digest),
    sessionPermissions: (agent: string, sessionId: string): PermissionRequest[] =>
      docs("SELECT doc FROM permission_requests WHERE agent = ? AND session_id = ? AND status = 'allowed' ORDER BY seq", agent, sessionId),
    workerSession: (agent: string, taskId: string): WorkerSession | null => one('SELECT doc FROM worker_sessions WHERE agent = ? AND task_id = ?', agent, taskId),
    budgetGrants: (phase: number): Array<{ agent: string; usd: number | null; tokens: number | null }> =>
      docs('SELECT doc FROM budget_grants WHERE phase = ? ORDER BY seq', phase),
    promotions: (): PromotionRecord[] => docs('SELECT doc FROM promotions ORDER BY phase'),
    /** One point per QA gate, oldest first: what the dashboard and the report chart over iterations. */
    trends(): Array<{ phase: number; iteration: number; at: string; pass_rate: number | null; coverage: number | null; max_drift: number | null; drift: 'measured' | 'no_baseline' | 'none'; outcome: string; green: boolean }> {
      return reader.gates().map((g) => {
        // Only metrics compared with a baseline count: a metric with none has no drift, not 0 % drift.
        const drifts = g.drift.filter((d) => d.percent !== null).map((d) => Math.abs(d.percent ?? 0));
        const drift = drifts.length > 0 ? 'measured' : g.drift.length > 0 ? 'no_baseline' : 'none';
        return { phase: g.phase, iteration: g.iteration, at: g.at, pass_rate: g.totals.tests > 0 ? Math.round((g.totals.passed / g.totals.tests) * 1000) / 10 : null, coverage: g.coverage_lines, max_drift: drifts.length ? Math.max(...drifts) : null, drift, outcome: g.outcome, green: g.green };
      });
    },
    counts(): { openConcerns: number; criticalOpen: number; pendingReviews: number; tasksDone: number; tasksTotal: number } {
      const c = db
        .prepare<[], { open: number; critical: number }>(
          "SELECT COUNT(*) AS open, COALESCE(SUM(severity = 'critical'), 0) AS critical FROM concerns WHERE status != 'resolved'",
        )
        .get() ?? { open: 0, critical: 0 };
      const r = db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM reviews WHERE status = 'pending'").get()?.n ?? 0;
      const t = db.prepare<[], { done: number; total: number }>("SELECT COALESCE(SUM(status = 'Done'), 0) AS done, COUNT(*) AS total FROM tasks").get() ?? { done: 0, total: 0 };
      return { openConcerns: c.open, criticalOpen: c.critical, pendingReviews: r, tasksDone: t.done, tasksTotal: t.total };
    },
    snapshot(): ProjectSnapshot {
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
    },
  };
  return reader;
}

export type Reader = ReturnType<typeof createReader>;
