/**
 * Facts derived from a snapshot that several documents show: phase titles, active agents,
 * task and concern counts, the latest gate, decision wording. One definition keeps
 * `status.json`, `/status`, the overview and the QA report from disagreeing.
 */
import type {
  Actor,
  AgentState,
  Concern,
  DecisionKind,
  Review,
  RoleKind,
  Severity,
  Stage,
} from '../../../../shared/index.ts';
import type { GateRecord, ProjectSnapshot } from '../snapshot.ts';
import { byTime } from './markdown.ts';

/** `Phase 1 – Backtester Loop` (en dash, as in the seed); just `Phase 1` when the roadmap lacks it. */
export function phaseTitle(s: Pick<ProjectSnapshot, 'roadmap' | 'phase'>, phase: number = s.phase): string {
  const entry = s.roadmap.find((p) => p.number === phase);
  return entry ? `Phase ${phase} – ${entry.name}` : `Phase ${phase}`;
}

export const SEVERITY_EMOJI: Record<Severity, string> = { critical: '🔴', warning: '⚠️', info: 'ℹ️' };

/** Highest first, so the worst concern leads every list. */
export const SEVERITY_ORDER: readonly Severity[] = ['critical', 'warning', 'info'];

/** An agent's runtime, or null when the actor is the human, the system or an unknown agent. */
export function runtimeOf(s: Pick<ProjectSnapshot, 'agents'>, actor: string): string | null {
  return s.agents.find((a) => a.name === actor)?.runtime ?? null;
}

/**
 * An actor's name, marked `(scripted)` when the offline scripted runtime plays it:
 * scripted output must never pass for a model's.
 */
export function actorLabel(s: Pick<ProjectSnapshot, 'agents'>, actor: Actor | string): string {
  return runtimeOf(s, actor) === 'scripted' ? `${actor} (scripted)` : actor;
}

/** Open means not yet resolved: acknowledged and assigned concerns still need work. */
export function openConcerns(s: Pick<ProjectSnapshot, 'concerns'>): Concern[] {
  return s.concerns.filter((c) => c.status !== 'resolved');
}

export function concernCounts(s: Pick<ProjectSnapshot, 'concerns'>): {
  open: number;
  critical: number;
  bySeverity: Record<Severity, number>;
} {
  const open = openConcerns(s);
  const bySeverity: Record<Severity, number> = { critical: 0, warning: 0, info: 0 };
  for (const c of open) bySeverity[c.severity] += 1;
  return { open: open.length, critical: bySeverity.critical, bySeverity };
}

/** Tasks of the current phase: what `Tasks: 3 / 5 Complete` counts. */
export function taskCounts(s: Pick<ProjectSnapshot, 'tasks' | 'phase'>): {
  complete: number;
  pending: number;
  total: number;
} {
  const tasks = s.tasks.filter((t) => t.phase === s.phase);
  const complete = tasks.filter((t) => t.status === 'Done').length;
  return { complete, pending: tasks.length - complete, total: tasks.length };
}

export function pendingReviews(s: Pick<ProjectSnapshot, 'reviews'>): Review[] {
  return s.reviews.filter((r) => r.status === 'pending');
}

/** The ledger appends gates in order, so the last one is the newest. */
export function latestGate(s: ProjectSnapshot): GateRecord | null {
  return s.gates.at(-1) ?? null;
}

/** Which roles carry each stage; used for "active agents" when nobody is marked working. */
const STAGE_ROLES: Record<Stage, readonly RoleKind[]> = {
  plan: ['ProjectManager'],
  plan_review: ['ProjectManager'],
  design: ['Designer'],
  design_review: ['Designer'],
  // Implementation runs in parallel with the Tester's test plan (DESIGN §4 step 3).
  build: ['Implementer', 'Tester'],
  test: ['Tester'],
  // The PM runs the QA review in the seed (`qa_review()`).
  qa_gate: ['ProjectManager', 'Tester'],
  completion_review: ['ProjectManager'],
  promotion_review: ['ProjectManager'],
  promoted: [],
  released: [],
};

/**
 * Agents doing something right now: status `working` or `waiting_human` (a paused agent is not active).
 * When none is, the agents that carry the current stage are listed instead, so `/status` never
 * reports an empty team in the middle of a stage; paused agents are left out of that fallback too.
 */
export function activeAgents(s: Pick<ProjectSnapshot, 'agents' | 'stage'>): string[] {
  const busy = s.agents.filter((a) => a.status === 'working' || a.status === 'waiting_human');
  if (busy.length > 0) return busy.map((a) => a.name);
  const roles = STAGE_ROLES[s.stage];
  const byStage = s.agents.filter((a: AgentState) => roles.includes(a.role) && a.status !== 'paused');
  if (byStage.length > 0 || s.agents.length > 0) return byStage.map((a) => a.name);
  // No agent state recorded yet (a fresh ledger): the first agent of a role carries the role's name.
  return [...roles];
}

/** How the reviewed documents' sign-off lines name each decision. */
export const DECISION_SIGNOFF: Record<DecisionKind, string> = {
  approve: '✅ Approved',
  approve_with_conditions: '✅ Approved with conditions',
  request_clarification: '💬 Clarification requested',
  request_changes: '🔁 Changes requested',
  defer: '⏸️ Deferred',
  reject: '⛔ Rejected',
};

/** The closing line of the overview's `🧑‍💼 Human Review` block (the seed's `✅ Approved to proceed.`). */
export const DECISION_OUTCOME: Record<DecisionKind, string> = {
  approve: '✅ Approved to proceed.',
  approve_with_conditions: '✅ Approved to proceed, with conditions.',
  request_clarification: '💬 Clarification requested before proceeding.',
  request_changes: '🔁 Changes requested; revision required.',
  defer: '⏸️ Deferred; more information needed.',
  reject: '⛔ Rejected.',
};

export const REVIEW_KIND_LABEL: Record<Review['kind'], string> = {
  plan: 'Plan review',
  design: 'Design review',
  test_plan: 'Test-plan review',
  variation: 'Variation review',
  test_completion: 'Test-completion review',
  promotion: 'Promotion review',
  gate_failure: 'Gate-failure review',
  budget: 'Budget review',
};

/** Reviews that carry a decision, in the order the decisions were made. */
export function decidedReviews(s: ProjectSnapshot): Array<Review & { decision: NonNullable<Review['decision']> }> {
  const decided = s.reviews.filter(
    (r): r is Review & { decision: NonNullable<Review['decision']> } => r.decision !== null,
  );
  return byTime(decided, (r) => r.decision.timestamp);
}
