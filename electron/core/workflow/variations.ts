import type { AgentName } from '../../../shared/index.ts';
import type { ProposedVariation } from '../agents/runtime.ts';
import type { Tx } from '../store/ledger.ts';
import type { Engine } from './engine.ts';
import { nextId } from './ids.ts';
import { recordHandoff, requestReview } from './records.ts';

/**
 * An agent proposes a variation (from its tool loop, or through Governor's MCP server): `impact: high`,
 * and whatever `merge_policy.require_human_if` names, goes to the human as a review; the rest is accepted
 * by policy. Both are logged in PROJECT_VARIATIONS.md.
 */
export function proposeVariation(
  tx: Tx,
  e: Engine,
  agent: AgentName,
  phase: number,
  v: ProposedVariation,
  ts: string,
): { id: string; number: number; review_id: string | null } {
  const { id, number } = nextId.variation(tx.db);
  tx.append({
    type: 'variation.proposed',
    actor: agent,
    ts,
    payload: {
      id,
      number,
      phase,
      ...v,
      proposed_by: agent,
      status: 'proposed',
      decision_comment: null,
      reviewed_by: null,
      decided_at: null,
      proposed_at: ts,
    },
  });
  const human =
    v.impact === 'high' || e.policies.merge_policy.require_human_if.some((c) => 'impact' in c && c.impact === v.impact);
  if (!human) {
    tx.append({
      type: 'variation.decided',
      actor: 'System',
      ts,
      payload: {
        variation_id: id,
        status: 'accepted_by_policy',
        comment: `impact ${v.impact} is below the policy's human threshold`,
        reviewed_by: 'Policy',
        review_id: null,
      },
    });
    return { id, number, review_id: null };
  }
  const h = recordHandoff(
    tx,
    e.read,
    {
      phase,
      from: agent,
      to: 'Human',
      purpose: 'High-Impact Variation Review',
      inputs: ['docs/PROJECT_DETAIL.md'],
      outputs: ['docs/PROJECT_VARIATIONS.md'],
      summary: `${agent} proposes: ${v.title}`,
      status: 'awaiting_review',
      impact: v.impact,
    },
    ts,
  );
  const review = requestReview(
    tx,
    {
      kind: 'variation',
      phase,
      title: `Variation #${number} — ${v.title}`,
      requested_by: agent,
      impact: v.impact,
      subject: { path: 'docs/PROJECT_VARIATIONS.md', revision: 1 },
      context: ['docs/PROJECT_DETAIL.md'],
      handoff_id: h.id,
      variation_id: id,
      summary: v.rationale,
    },
    ts,
  );
  e.progress({
    kind: 'review',
    agent,
    text: `variation #${number} (${v.impact} impact) goes to the human: ${v.title}`,
  });
  return { id, number, review_id: review.id };
}
