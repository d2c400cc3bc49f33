import type { AgentName, EventPayload, Review } from '../../../shared/index.ts';
import { costOf, type PriceTable } from '../agents/llm/pricing.ts';
import type { Engine } from './engine.ts';
import type { Tx } from '../store/ledger.ts';
import { raiseConcern, requestReview } from './records.ts';

/**
 * Record the tokens and cost of a model call, then hold the budgets of `.project_policies.yaml`: crossing
 * an agent's or the phase's budget raises a concern to the human and pauses that agent after its step.
 */
export function recordUsage(
  e: Engine,
  prices: PriceTable,
  agent: AgentName,
  model: string,
  purpose: string,
  usage: { input: number; output: number; costUsd?: number },
): void {
  const phase = e.read.project()?.phase ?? 1;
  // A coding agent reports its own cost (Claude Code prices its calls); the table prices the rest.
  const { usd, priced } =
    usage.costUsd !== undefined
      ? { usd: Math.round(usage.costUsd * 1e6) / 1e6, priced: true }
      : costOf(prices, model, usage.input, usage.output);
  // Without a budget for this agent or the phase nothing can be crossed: the spend is not read at all.
  const budgets = e.policies.budgets;
  const spentBefore =
    budgets?.per_phase !== undefined || budgets?.per_agent?.[agent] !== undefined ? spend(e, agent, phase) : null;
  e.ledger.transact((tx) => {
    const ts = e.clock().toISOString();
    tx.append({
      type: 'agent.usage_recorded',
      actor: agent,
      ts,
      payload: {
        agent,
        phase,
        model,
        purpose,
        input_tokens: usage.input,
        output_tokens: usage.output,
        cost_usd: usd,
        priced,
      },
    });
    if (!spentBefore) return;
    const after = spend(e, agent, phase);
    const crossed: string[] = [];
    const { agentBudget, phaseBudget } = budgetLimits(e, agent, phase);
    if (agentBudget?.usd !== undefined && spentBefore.agentUsd < agentBudget.usd && after.agentUsd >= agentBudget.usd)
      crossed.push(`${agent} spent $${after.agentUsd.toFixed(2)} of its $${agentBudget.usd} budget`);
    if (
      agentBudget?.tokens !== undefined &&
      spentBefore.agentTokens < agentBudget.tokens &&
      after.agentTokens >= agentBudget.tokens
    )
      crossed.push(`${agent} used ${after.agentTokens} of its ${agentBudget.tokens} tokens`);
    if (phaseBudget?.usd !== undefined && spentBefore.phaseUsd < phaseBudget.usd && after.phaseUsd >= phaseBudget.usd)
      crossed.push(`phase ${phase} spent $${after.phaseUsd.toFixed(2)} of its $${phaseBudget.usd} budget`);
    if (
      phaseBudget?.tokens !== undefined &&
      spentBefore.phaseTokens < phaseBudget.tokens &&
      after.phaseTokens >= phaseBudget.tokens
    )
      crossed.push(`phase ${phase} used ${after.phaseTokens} of its ${phaseBudget.tokens} tokens`);
    if (crossed.length > 0) {
      raiseConcern(
        tx,
        {
          phase,
          from: agent,
          to: 'Human',
          severity: 'critical',
          category: 'budget',
          summary: `Budget crossed: ${crossed.join('; ')}`,
          details: `${agent} pauses after its current step. Raise the budget in .project_policies.yaml (budgets:) or decide otherwise, then \`/resume ${agent}\`.`,
        },
        ts,
      );
      const state = e.read.agent(agent);
      if (state && state.status !== 'paused')
        tx.append({
          type: 'agent.paused',
          actor: 'System',
          ts,
          payload: { agent, by: 'System', pending: state.status === 'working' },
        });
      requestBudget(tx, e, agent, phase, `Budget crossed: ${crossed.join('; ')}`, ts);
    }
  });
}

/** The budgets of .project_policies.yaml plus what the human granted in this phase's budget reviews. */
export function budgetLimits(
  e: Engine,
  agent: string,
  phase: number,
): { agentBudget: Limit | undefined; phaseBudget: Limit | undefined } {
  const budgets = e.policies.budgets;
  const grants = e.read.budgetGrants(phase);
  const add = (b: Limit | undefined, g: typeof grants): Limit | undefined => {
    if (!b) return b;
    const usd = g.reduce((s, x) => s + (x.usd ?? 0), 0);
    const tokens = g.reduce((s, x) => s + (x.tokens ?? 0), 0);
    return {
      ...(b.usd !== undefined ? { usd: b.usd + usd } : {}),
      ...(b.tokens !== undefined ? { tokens: b.tokens + tokens } : {}),
    };
  };
  return {
    agentBudget: add(
      budgets?.per_agent?.[agent],
      grants.filter((g) => g.agent === agent),
    ),
    phaseBudget: add(budgets?.per_phase, grants),
  };
}

/** USD left for the agent this phase (the smaller of its own and the phase's), or null with no USD budget. */
export function budgetLeftUsd(e: Engine, agent: string, phase: number): number | null {
  const { agentBudget, phaseBudget } = budgetLimits(e, agent, phase);
  const s = spend(e, agent, phase);
  const left = [
    agentBudget?.usd !== undefined ? agentBudget.usd - s.agentUsd : null,
    phaseBudget?.usd !== undefined ? phaseBudget.usd - s.phaseUsd : null,
  ].filter((x): x is number => x !== null);
  return left.length ? Math.max(0, Math.min(...left)) : null;
}

/**
 * The budget was hit: a `budget` review asks the human for more (the same again, by default). Approving it
 * grants that much and resumes the agent; until then the agent stays paused. One pending ask per agent.
 */
export function requestBudget(
  tx: Tx,
  e: Engine,
  agent: AgentName,
  phase: number,
  reason: string,
  ts: string,
): string | null {
  const pending = e.read.pendingReviews().find((r) => r.kind === 'budget' && r.requested_by === agent);
  if (pending) return pending.id;
  const { agentBudget, phaseBudget } = budgetLimits(e, agent, phase);
  const base = e.policies.budgets?.per_agent?.[agent] ?? e.policies.budgets?.per_phase;
  const usd = base?.usd ?? agentBudget?.usd ?? phaseBudget?.usd ?? null;
  const tokens = base?.tokens ?? null;
  const ask =
    [usd !== null ? `$${usd}` : '', tokens !== null ? `${tokens} tokens` : ''].filter(Boolean).join(' and ') ||
    'more budget';
  const review = requestReview(
    tx,
    {
      kind: 'budget',
      phase,
      title: `Budget: ${agent} asks for ${ask} more`,
      requested_by: agent,
      impact: 'medium',
      subject: { path: 'docs/PROJECT_OVERVIEW.md', revision: 1 },
      context: [],
      handoff_id: null,
      summary: `${reason}. Approve to grant ${ask} more for phase ${phase} (${agent} resumes where it stopped); reject to keep it paused.`,
    },
    ts,
  );
  tx.append({
    type: 'budget.requested',
    actor: agent,
    ts,
    payload: { review_id: review.id, phase, agent, usd, tokens, reason },
  });
  return review.id;
}

/** What an agent and the phase have spent so far, from the ledger. */
export function spend(
  e: Engine,
  agent: string,
  phase: number,
): { agentUsd: number; agentTokens: number; phaseUsd: number; phaseTokens: number } {
  // Totals the projection keeps per phase and agent: a few rows, however many model calls came before.
  const rows = e.read.usageInPhase(phase);
  const mine = rows.find((r) => r.agent === agent);
  return {
    agentUsd: mine?.usd ?? 0,
    agentTokens: mine?.tokens ?? 0,
    phaseUsd: rows.reduce((s, r) => s + r.usd, 0),
    phaseTokens: rows.reduce((s, r) => s + r.tokens, 0),
  };
}

type Limit = { usd?: number; tokens?: number };
const limitOrNull = (b: Limit | undefined): Limit | null =>
  b && (b.usd !== undefined || b.tokens !== undefined)
    ? { ...(b.usd !== undefined ? { usd: b.usd } : {}), ...(b.tokens !== undefined ? { tokens: b.tokens } : {}) }
    : null;

/**
 * Spend for the dashboard: every agent's tokens and cost (all phases, and the current phase), beside the
 * budgets of `.project_policies.yaml`. Budgets are held per phase (see `recordUsage`), so the phase figures
 * are the ones to compare with them; an agent's budget is looked up by its exact name, as it is enforced.
 */
export function usageSummary(e: Engine): {
  phase: number;
  total: { usd: number; tokens: number };
  phase_total: { usd: number; tokens: number; budget: Limit | null };
  agents: Array<{
    agent: string;
    usd: number;
    tokens: number;
    phase_usd: number;
    phase_tokens: number;
    budget: Limit | null;
  }>;
} {
  const phase = e.read.project()?.phase ?? 1;
  const budgets = e.policies.budgets;
  const inPhase = new Map(e.read.usageInPhase(phase).map((r) => [r.agent, r]));
  const agents = e.read.agents().map((a) => ({
    agent: a.name,
    usd: a.cost_usd,
    tokens: a.tokens_in + a.tokens_out,
    phase_usd: inPhase.get(a.name)?.usd ?? 0,
    phase_tokens: inPhase.get(a.name)?.tokens ?? 0,
    budget: limitOrNull(budgets?.per_agent?.[a.name]),
  }));
  const sum = (f: (a: (typeof agents)[number]) => number) => agents.reduce((s, a) => s + f(a), 0);
  return {
    phase,
    total: { usd: sum((a) => a.usd), tokens: sum((a) => a.tokens) },
    phase_total: {
      usd: sum((a) => a.phase_usd),
      tokens: sum((a) => a.phase_tokens),
      budget: limitOrNull(budgets?.per_phase),
    },
    agents,
  };
}

/** The human decided a budget review: approval grants what was asked and resumes the agent. */
export function followUpBudget(e: Engine, review: Review): void {
  const ask = e.ledger
    .readTypes(['budget.requested'])
    .map((ev) => ev.payload as EventPayload<'budget.requested'>)
    .find((p) => p.review_id === review.id);
  const d = review.decision;
  e.ledger.transact((tx) => {
    const ts = e.clock().toISOString();
    const ok = d?.decision === 'approve' || d?.decision === 'approve_with_conditions';
    if (ok && ask) {
      tx.append({
        type: 'budget.granted',
        actor: 'Human',
        ts,
        payload: {
          review_id: review.id,
          phase: ask.phase,
          agent: ask.agent,
          usd: ask.usd,
          tokens: ask.tokens,
          by: d?.reviewed_by ?? 'Human',
        },
      });
      for (const c of e.read.openConcerns())
        if (c.category === 'budget' && c.from === ask.agent)
          tx.append({
            type: 'concern.resolved',
            actor: 'Human',
            ts,
            payload: { concern_id: c.id, by: 'Human', note: `budget raised (${review.id})` },
          });
      if (e.read.agent(ask.agent)?.status === 'paused' || e.read.agent(ask.agent)?.pause_requested)
        tx.append({ type: 'agent.resumed', actor: 'Human', ts, payload: { agent: ask.agent, by: 'Human' } });
    }
    tx.append({
      type: 'review.followed_up',
      actor: 'System',
      ts,
      payload: {
        review_id: review.id,
        outcome: ok ? 'budget granted' : `budget not raised (${d?.decision ?? 'no decision'}); the agent stays paused`,
      },
    });
  });
}
