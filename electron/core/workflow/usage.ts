import type { AgentName } from '../../../shared/index.ts';
import { costOf, type PriceTable } from '../agents/llm/pricing.ts';
import type { Engine } from './engine.ts';
import { raiseConcern } from './records.ts';

/**
 * Record the tokens and cost of a model call, then hold the budgets of `.project_policies.yaml`: crossing
 * an agent's or the phase's budget raises a concern to the human and pauses that agent after its step.
 */
export function recordUsage(e: Engine, prices: PriceTable, agent: AgentName, model: string, purpose: string, usage: { input: number; output: number }): void {
  const phase = e.read.project()?.phase ?? 1;
  const { usd, priced } = costOf(prices, model, usage.input, usage.output);
  const spentBefore = spend(e, agent, phase);
  e.ledger.transact((tx) => {
    const ts = e.clock().toISOString();
    tx.append({ type: 'agent.usage_recorded', actor: agent, ts, payload: { agent, phase, model, purpose, input_tokens: usage.input, output_tokens: usage.output, cost_usd: usd, priced } });
    const after = spend(e, agent, phase);
    const budgets = e.policies.budgets;
    const crossed: string[] = [];
    const agentBudget = budgets?.per_agent?.[agent];
    if (agentBudget?.usd !== undefined && spentBefore.agentUsd < agentBudget.usd && after.agentUsd >= agentBudget.usd) crossed.push(`${agent} spent $${after.agentUsd.toFixed(2)} of its $${agentBudget.usd} budget`);
    if (agentBudget?.tokens !== undefined && spentBefore.agentTokens < agentBudget.tokens && after.agentTokens >= agentBudget.tokens) crossed.push(`${agent} used ${after.agentTokens} of its ${agentBudget.tokens} tokens`);
    const phaseBudget = budgets?.per_phase;
    if (phaseBudget?.usd !== undefined && spentBefore.phaseUsd < phaseBudget.usd && after.phaseUsd >= phaseBudget.usd) crossed.push(`phase ${phase} spent $${after.phaseUsd.toFixed(2)} of its $${phaseBudget.usd} budget`);
    if (phaseBudget?.tokens !== undefined && spentBefore.phaseTokens < phaseBudget.tokens && after.phaseTokens >= phaseBudget.tokens) crossed.push(`phase ${phase} used ${after.phaseTokens} of its ${phaseBudget.tokens} tokens`);
    if (crossed.length > 0) {
      raiseConcern(tx, { phase, from: agent, to: 'Human', severity: 'critical', category: 'budget', summary: `Budget crossed: ${crossed.join('; ')}`, details: `${agent} pauses after its current step. Raise the budget in .project_policies.yaml (budgets:) or decide otherwise, then \`/resume ${agent}\`.` }, ts);
      const state = e.read.agent(agent);
      if (state && state.status !== 'paused') tx.append({ type: 'agent.paused', actor: 'System', ts, payload: { agent, by: 'System', pending: state.status === 'working' } });
    }
  });
}

/** What an agent and the phase have spent so far, from the ledger. */
export function spend(e: Engine, agent: string, phase: number): { agentUsd: number; agentTokens: number; phaseUsd: number; phaseTokens: number } {
  // Totals the projection keeps per phase and agent: a few rows, however many model calls came before.
  const rows = e.read.usageInPhase(phase);
  const mine = rows.find((r) => r.agent === agent);
  return { agentUsd: mine?.usd ?? 0, agentTokens: mine?.tokens ?? 0, phaseUsd: rows.reduce((s, r) => s + r.usd, 0), phaseTokens: rows.reduce((s, r) => s + r.tokens, 0) };
}

type Limit = { usd?: number; tokens?: number };
const limitOrNull = (b: Limit | undefined): Limit | null => (b && (b.usd !== undefined || b.tokens !== undefined) ? { ...(b.usd !== undefined ? { usd: b.usd } : {}), ...(b.tokens !== undefined ? { tokens: b.tokens } : {}) } : null);

/**
 * Spend for the dashboard: every agent's tokens and cost (all phases, and the current phase), beside the
 * budgets of `.project_policies.yaml`. Budgets are held per phase (see `recordUsage`), so the phase figures
 * are the ones to compare with them; an agent's budget is looked up by its exact name, as it is enforced.
 */
export function usageSummary(e: Engine): {
  phase: number;
  total: { usd: number; tokens: number };
  phase_total: { usd: number; tokens: number; budget: Limit | null };
  agents: Array<{ agent: string; usd: number; tokens: number; phase_usd: number; phase_tokens: number; budget: Limit | null }>;
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
    phase_total: { usd: sum((a) => a.phase_usd), tokens: sum((a) => a.phase_tokens), budget: limitOrNull(budgets?.per_phase) },
    agents,
  };
}
