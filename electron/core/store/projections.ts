import type Database from 'better-sqlite3';
import type {
  Concern,
  EventPayload,
  EventType,
  PermissionRequest,
  Phase,
  Review,
  Task,
  Variation,
  WorkerSession,
} from '../../../shared/index.ts';
import { AgentName, type ConcernChange, applyConcernChange, roleOf } from '../../../shared/index.ts';
import { agentRows } from './agent-rows.ts';

/** What a projector knows of the event besides its payload. */
export interface EventMeta {
  seq: number;
  id: string;
  ts: string;
  actor: string;
}

type Projector<K extends EventType> = (p: EventPayload<K>, e: EventMeta) => void;
type ProjectorMap = { [K in EventType]?: Projector<K> };

/**
 * Projections: SQL tables kept in step with the events, inside the append transaction.
 * Each record is stored as a JSON document plus the few columns queries filter on.
 * Everything here is a pure function of the event stream, so `rebuild` can replay it.
 */
export function createProjector(db: Database.Database) {
  const s = {
    projectGet: db.prepare<[], { phase: number; stage: string; iteration: number; plan: string }>(
      'SELECT phase, stage, iteration, plan FROM project WHERE id = 1',
    ),
    projectInit: db.prepare(
      'INSERT INTO project (id, name, brief, phase, stage, iteration, plan, last_seq, last_ts) VALUES (1, ' +
        '?, ?, 1, ?, 1, ?, ?, ?)',
    ),
    projectSet: db.prepare('UPDATE project SET phase = ?, stage = ?, iteration = ? WHERE id = 1'),
    projectPlan: db.prepare('UPDATE project SET plan = ? WHERE id = 1'),
    projectTouch: db.prepare('UPDATE project SET last_seq = ?, last_ts = ? WHERE id = 1'),
    reviewGet: db.prepare<[string], { doc: string }>('SELECT doc FROM reviews WHERE id = ?'),
    reviewPut: db.prepare(
      'INSERT INTO reviews (id, seq, kind, phase, status, doc) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) ' +
        'DO UPDATE SET status = excluded.status, doc = excluded.doc',
    ),
    reviewHandled: db.prepare('UPDATE reviews SET handled = 1 WHERE id = ?'),
    concernGet: db.prepare<[string], { doc: string }>('SELECT doc FROM concerns WHERE id = ?'),
    concernPut: db.prepare(
      `INSERT INTO concerns (id, seq, status, severity, addressee, doc, phase) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET status = excluded.status, addressee = excluded.addressee, doc = excluded.doc`,
    ),
    concernCount: db.prepare(
      `INSERT INTO concern_counts (phase, severity, status, n) VALUES (?, ?, ?, ?)
       ON CONFLICT(phase, severity, status) DO UPDATE SET n = n + excluded.n`,
    ),
    taskGet: db.prepare<[string], { doc: string }>('SELECT doc FROM tasks WHERE id = ?'),
    taskPut: db.prepare(
      'INSERT INTO tasks (id, seq, phase, agent, status, doc) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO ' +
        'UPDATE SET status = excluded.status, agent = excluded.agent, doc = excluded.doc',
    ),
    artifactPut: db.prepare('INSERT INTO artifacts (path, revision, seq, doc) VALUES (?, ?, ?, ?)'),
    variationGet: db.prepare<[string], { doc: string }>('SELECT doc FROM variations WHERE id = ?'),
    variationPut: db.prepare(
      'INSERT INTO variations (id, seq, number, status, doc) VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO ' +
        'UPDATE SET status = excluded.status, doc = excluded.doc',
    ),
    handoffGet: db.prepare<[string], { doc: string }>('SELECT doc FROM handoffs WHERE id = ?'),
    handoffPut: db.prepare(
      'INSERT INTO handoffs (id, seq, doc) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET doc = excluded.doc',
    ),
    commandPut: db.prepare('INSERT INTO commands (command_id, seq, doc) VALUES (?, ?, ?)'),
    responsePut: db.prepare('INSERT INTO responses (id, seq, command_id, doc) VALUES (?, ?, ?, ?)'),
    clarGet: db.prepare<[string], { doc: string }>('SELECT doc FROM clarifications WHERE id = ?'),
    clarPut: db.prepare(
      'INSERT INTO clarifications (id, seq, agent, status, doc) VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO ' +
        'UPDATE SET status = excluded.status, doc = excluded.doc',
    ),
    gitPut: db.prepare('INSERT INTO git_actions (id, seq, doc, action) VALUES (?, ?, ?, ?)'),
    usageAdd: db.prepare(
      `INSERT INTO usage_totals (phase, agent, usd, tokens) VALUES (?, ?, ?, ?)
       ON CONFLICT(phase, agent) DO UPDATE SET usd = round(usd + excluded.usd, 6), tokens = tokens + excluded.tokens`,
    ),
    refPut: db.prepare(
      'INSERT INTO git_refs (name, oid, seq) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET oid = ' +
        'excluded.oid, seq = excluded.seq',
    ),
    runPut: db.prepare('INSERT INTO test_runs (run_id, seq, phase, doc) VALUES (?, ?, ?, ?)'),
    gatePut: db.prepare('INSERT INTO gates (event_id, seq, phase, doc) VALUES (?, ?, ?, ?)'),
    permGet: db.prepare<[string], { doc: string }>('SELECT doc FROM permission_requests WHERE id = ?'),
    permPut: db.prepare(
      'INSERT INTO permission_requests (id, seq, agent, status, session_id, digest, doc) VALUES (?, ?, ?, ' +
        '?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET status = excluded.status, doc = excluded.doc',
    ),
    sessionGet: db.prepare<[string, string], { doc: string }>(
      'SELECT doc FROM worker_sessions WHERE agent = ? AND task_id = ?',
    ),
    sessionPut: db.prepare(
      'INSERT INTO worker_sessions (agent, task_id, seq, session_id, status, doc) VALUES (?, ?, ?, ?, ?, ' +
        '?) ON CONFLICT(agent, task_id) DO UPDATE SET seq = excluded.seq, session_id = ' +
        'excluded.session_id, status = excluded.status, doc = excluded.doc',
    ),
    // A request's decision was used by a tool use of the same input (the gate's activity line names it).
    permUsed: db.prepare('UPDATE permission_requests SET used = 1 WHERE id = ? AND digest = ?'),
    grantPut: db.prepare('INSERT INTO budget_grants (seq, phase, agent, doc) VALUES (?, ?, ?, ?)'),
    promotionPut: db.prepare(
      'INSERT INTO promotions (phase, seq, doc) VALUES (?, ?, ?) ON CONFLICT(phase) DO UPDATE SET seq = ' +
        'excluded.seq, doc = excluded.doc',
    ),
  };

  function doc<T>(row: { doc: string } | undefined, what: string, key: string): T {
    if (!row) throw new Error(`projection: ${what} ${key} does not exist`);
    return JSON.parse(row.doc) as T;
  }
  const putReview = (r: Review, seq: number) =>
    s.reviewPut.run(r.id, seq, r.kind, r.phase, r.status, JSON.stringify(r));
  /** Writes the concern and moves it between the counters (`was` is its state before, none when raised). */
  const putConcern = (c: Concern, seq: number, was: Concern | null = null) => {
    s.concernPut.run(c.id, seq, c.status, c.severity, c.assigned_to ?? c.to, JSON.stringify(c), c.phase);
    if (was && was.status === c.status && was.severity === c.severity && was.phase === c.phase) return;
    if (was) s.concernCount.run(was.phase, was.severity, was.status, -1);
    s.concernCount.run(c.phase, c.severity, c.status, 1);
  };
  const putTask = (t: Task, seq: number) => s.taskPut.run(t.id, seq, t.phase, t.agent, t.status, JSON.stringify(t));
  const putVariation = (v: Variation, seq: number) =>
    s.variationPut.run(v.id, seq, v.number, v.status, JSON.stringify(v));
  const agentsHeld = agentRows(db);
  const putAgent = agentsHeld.put;
  const agent = agentsHeld.get;
  /** An agent that joins the team (at init or by a configuration change): idle, nothing spent yet. */
  const putNewAgent = (name: string, runtimes: Record<string, string>, e: EventMeta) => {
    const n = AgentName.parse(name);
    putAgent(
      {
        name: n,
        role: roleOf(n),
        runtime: runtimes[n] ?? 'scripted',
        status: 'idle',
        pause_requested: false,
        current_task: null,
        tokens_in: 0,
        tokens_out: 0,
        cost_usd: 0,
        updated_at: e.ts,
      },
      e.seq,
    );
  };
  const updateConcern = (id: string, e: EventMeta, change: ConcernChange) => {
    const was = doc<Concern>(s.concernGet.get(id), 'concern', id);
    putConcern(applyConcernChange(was, change, e.ts), e.seq, was);
  };

  /** A permission request that was decided, timed out or withdrawn: its status (and decision) change. */
  const setPermission = (
    id: string,
    e: EventMeta,
    change: Pick<PermissionRequest, 'status'> & Partial<PermissionRequest>,
  ) => {
    const r = doc<PermissionRequest>(s.permGet.get(id), 'permission request', id);
    const next = { ...r, ...change };
    s.permPut.run(r.id, e.seq, r.agent, next.status, r.session_id, r.input_digest, JSON.stringify(next));
  };

  /** The roadmap lives in the plan document; a phase that starts or is promoted shows so at once. */
  const setRoadmapStatus = (phase: number, status: Phase['status']) => {
    const row = s.projectGet.get();
    if (!row) return;
    const plan = JSON.parse(row.plan) as { roadmap: Phase[] };
    if (!plan.roadmap.some((r) => r.number === phase && r.status !== status)) return;
    plan.roadmap = plan.roadmap.map((r) => (r.number === phase ? { ...r, status } : r));
    s.projectPlan.run(JSON.stringify(plan));
  };

  const projectors: ProjectorMap = {
    'project.initialized': (p, e) => {
      s.projectInit.run(p.name, p.brief, 'plan', JSON.stringify({ roadmap: [], kpis: [], risks: [] }), e.seq, e.ts);
      for (const name of p.agents) {
        putNewAgent(name, p.runtimes, e);
      }
    },
    'agents.configured': (p, e) => {
      for (const name of p.added) {
        putNewAgent(name, p.runtimes, e);
      }
      for (const [name, runtime] of Object.entries(p.runtimes)) {
        if (p.added.includes(AgentName.parse(name))) continue;
        const a = agent(name);
        if (a.runtime !== runtime) putAgent({ ...a, runtime, updated_at: e.ts }, e.seq);
      }
    },
    'phase.started': (p) => {
      s.projectSet.run(p.phase, 'plan', p.iteration);
      setRoadmapStatus(p.phase, 'active');
    },
    'stage.entered': (p) => {
      const cur = s.projectGet.get();
      s.projectSet.run(p.phase, p.stage, p.iteration ?? cur?.iteration ?? 1);
    },
    'plan.recorded': (p, e) => {
      s.projectPlan.run(JSON.stringify({ roadmap: p.roadmap, kpis: p.kpis, risks: p.risks }));
      for (const t of p.tasks) putTask(t, e.seq);
    },
    'task.updated': (p, e) => {
      const t = doc<Task>(s.taskGet.get(p.task_id), 'task', p.task_id);
      t.status = p.status;
      if (p.commentary !== null) t.commentary = p.commentary;
      t.links = [...new Set([...t.links, ...p.links])];
      putTask(t, e.seq);
    },
    'task.assigned': (p, e) => putTask(p.task, e.seq),
    'artifact.revised': (p, e) => s.artifactPut.run(p.path, p.revision, e.seq, JSON.stringify(p)),
    'handoff.recorded': (p, e) => s.handoffPut.run(p.id, e.seq, JSON.stringify(p)),
    'handoff.status_changed': (p, e) => {
      const h = doc<Record<string, unknown>>(s.handoffGet.get(p.handoff_id), 'handoff', p.handoff_id);
      h.status = p.status;
      s.handoffPut.run(p.handoff_id, e.seq, JSON.stringify(h));
    },
    'review.requested': (p, e) => putReview(p, e.seq),
    'review.decided': (p, e) => {
      const r = doc<Review>(s.reviewGet.get(p.review_id), 'review', p.review_id);
      r.status = 'decided';
      r.decision = p.decision;
      putReview(r, e.seq);
    },
    'review.followed_up': (p) => void s.reviewHandled.run(p.review_id),
    'concern.raised': (p, e) => putConcern(p, e.seq),
    'concern.acknowledged': (p, e) => updateConcern(p.concern_id, e, { type: 'concern.acknowledged', payload: p }),
    'concern.assigned': (p, e) => updateConcern(p.concern_id, e, { type: 'concern.assigned', payload: p }),
    'concern.resolved': (p, e) => updateConcern(p.concern_id, e, { type: 'concern.resolved', payload: p }),
    'concern.escalated': (p, e) => updateConcern(p.concern_id, e, { type: 'concern.escalated', payload: p }),
    'concern.discord_posted': (p, e) => updateConcern(p.concern_id, e, { type: 'concern.discord_posted', payload: p }),
    'variation.proposed': (p, e) => putVariation(p, e.seq),
    'variation.decided': (p, e) => {
      const v = doc<Variation>(s.variationGet.get(p.variation_id), 'variation', p.variation_id);
      v.status = p.status;
      v.decision_comment = p.comment;
      v.reviewed_by = p.reviewed_by;
      v.decided_at = e.ts;
      putVariation(v, e.seq);
    },
    'command.received': (p, e) => void s.commandPut.run(p.command_id, e.seq, JSON.stringify(p)),
    'response.sent': (p, e) => void s.responsePut.run(p.id, e.seq, p.command_id, JSON.stringify(p)),
    'clarification.requested': (p, e) =>
      void s.clarPut.run(
        p.id,
        e.seq,
        p.agent,
        'pending',
        JSON.stringify({ ...p, asked_at: e.ts, answer: null, answered_at: null, scripted: false }),
      ),
    'clarification.answered': (p, e) => {
      const c = doc<Record<string, unknown>>(s.clarGet.get(p.clarification_id), 'clarification', p.clarification_id);
      s.clarPut.run(
        p.clarification_id,
        e.seq,
        p.agent,
        'answered',
        JSON.stringify({ ...c, answer: p.answer, answered_at: e.ts, scripted: p.scripted }),
      );
    },
    'agent.status_changed': (p, e) => {
      const a = agent(p.agent);
      a.status = a.status === 'paused' && p.status !== 'working' ? 'paused' : p.status;
      if (a.pause_requested && p.status !== 'working') {
        a.status = 'paused';
        a.pause_requested = false;
      }
      a.current_task = p.task;
      a.updated_at = e.ts;
      putAgent(a, e.seq);
    },
    'agent.paused': (p, e) => {
      const a = agent(p.agent);
      if (p.pending) a.pause_requested = true;
      else {
        a.status = 'paused';
        a.pause_requested = false;
      }
      a.updated_at = e.ts;
      putAgent(a, e.seq);
    },
    'agent.resumed': (p, e) => {
      const a = agent(p.agent);
      a.pause_requested = false;
      if (a.status === 'paused') a.status = 'idle';
      a.updated_at = e.ts;
      putAgent(a, e.seq);
    },
    'agent.usage_recorded': (p, e) => {
      const a = agent(p.agent);
      a.tokens_in += p.input_tokens;
      a.tokens_out += p.output_tokens;
      a.cost_usd = Math.round((a.cost_usd + p.cost_usd) * 1e6) / 1e6;
      s.usageAdd.run(p.phase, p.agent, p.cost_usd, p.input_tokens + p.output_tokens);
      a.updated_at = e.ts;
      putAgent(a, e.seq);
    },
    'git.action_recorded': (p, e) => {
      s.gitPut.run(p.id, e.seq, JSON.stringify(p), p.action);
      if (p.commit && p.action !== 'failure' && p.action !== 'protect_refused') {
        // The recorded tip of every ref we wrote: crash recovery resets refs that moved without a record.
        const ref = p.action === 'tag' || p.action === 'archive' ? `refs/tags/${p.target}` : `refs/heads/${p.target}`;
        s.refPut.run(ref, p.commit, e.seq);
      }
    },
    'test.run_completed': (p, e) =>
      void s.runPut.run(
        p.run_id,
        e.seq,
        p.phase,
        JSON.stringify({ run_id: p.run_id, phase: p.phase, at: e.ts, result: p.result }),
      ),
    'qa.gate_evaluated': (p, e) =>
      void s.gatePut.run(e.id, e.seq, p.phase, JSON.stringify({ ...p, at: e.ts, event_id: e.id })),
    // main's position before a promotion moves it: crash recovery needs a recorded tip for main even
    // before the first promotion has recorded one.
    'promotion.started': (p, e) => {
      if (p.main_before) s.refPut.run('refs/heads/main', p.main_before, e.seq);
    },
    'permission.requested': (p, e) =>
      void s.permPut.run(p.id, e.seq, p.agent, p.status, p.session_id, p.input_digest, JSON.stringify(p)),
    'permission.decided': (p, e) => setPermission(p.request_id, e, { status: p.status, decision: p.decision }),
    'permission.timed_out': (p, e) => setPermission(p.request_id, e, { status: 'timed_out' }),
    'permission.withdrawn': (p, e) => setPermission(p.request_id, e, { status: 'withdrawn' }),
    'worker.session_started': (p, e) => {
      const session: WorkerSession = {
        agent: p.agent,
        worker: p.worker,
        task_id: p.task_id,
        session_id: p.session_id,
        workspace: p.workspace,
        status: 'running',
      };
      s.sessionPut.run(p.agent, p.task_id, e.seq, p.session_id, 'running', JSON.stringify(session));
    },
    'worker.session_ended': (p, e) => {
      const cur = s.sessionGet.get(p.agent, p.task_id);
      const base = cur
        ? (JSON.parse(cur.doc) as WorkerSession)
        : { agent: p.agent, worker: p.worker, task_id: p.task_id, session_id: p.session_id, workspace: '' };
      const status = p.outcome === 'interrupted' ? 'interrupted' : 'finished';
      s.sessionPut.run(
        p.agent,
        p.task_id,
        e.seq,
        p.session_id,
        status,
        JSON.stringify({ ...base, session_id: p.session_id, status }),
      );
    },
    'worker.activity': (p) => {
      const id = p.gate ? p.text.slice(0, p.text.indexOf(' ')) : '';
      if (p.gate && id.length > 0) s.permUsed.run(id, p.gate.digest);
    },
    'budget.granted': (p, e) => void s.grantPut.run(e.seq, p.phase, p.agent, JSON.stringify(p)),
    'phase.promoted': (p, e) => {
      s.promotionPut.run(p.phase, e.seq, JSON.stringify({ ...p, at: e.ts }));
      s.projectSet.run(p.phase, 'promoted', 1);
      setRoadmapStatus(p.phase, 'promoted');
    },
    'project.released': (p) => void s.projectSet.run(p.phase, 'released', 1),
  };

  return {
    /** The event types that write a projection. */
    types: Object.keys(projectors) as EventType[],
    apply(type: EventType, payload: unknown, e: EventMeta): void {
      const fn = projectors[type] as Projector<EventType> | undefined;
      if (!fn) return;
      try {
        fn(payload as never, e);
      } catch (err) {
        // A projector that failed half-way may have changed a held row it did not write: read rows afresh.
        agentsHeld.forget();
        throw err;
      }
    },
    // Transaction start and batched agent writes: agent-rows.ts says how.
    begin: agentsHeld.begin,
    deferred: agentsHeld.deferred,
    /** Once per transaction: the newest event the projections have seen. */
    touch(e: EventMeta): void {
      s.projectTouch.run(e.seq, e.ts);
    },
  };
}
