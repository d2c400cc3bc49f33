/**
 * "Approve with conditions" leaves work behind: each condition becomes a concern (category `condition`,
 * from the human to the author of what was approved), so it is tracked like any concern (PROJECT_DETAIL,
 * the Concerns view, Discord, `/resolve`) until it is met, by the agent that works it or by the human.
 * Unmet conditions are listed in the promotion review and recorded with the promotion.
 */
import type { Concern, Review } from '../../../shared/index.ts';
import { AgentName } from '../../../shared/index.ts';
import type { Tx } from '../store/ledger.ts';
import type { Reader } from '../store/read.ts';
import { raiseConcern } from './records.ts';

export const CONDITION_CATEGORY = 'condition';

const SUMMARY_MAX = 160;

/**
 * One condition per list item (`- …`, `* …`, `1. …`) or per line; a single paragraph is split on `;`.
 * A comment that is one sentence is one condition.
 */
export function splitConditions(comment: string): string[] {
  const lines = comment
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const items = lines.length > 1 ? lines : comment.split(';');
  return items.map((l) => l.replace(/^(?:[-*•]|\d+[.)])\s+/, '').trim()).filter((l) => l !== '');
}

/** Who must meet a condition: the agent whose work was approved, else the PM (who runs the phase). */
function ownerOf(review: Review): AgentName {
  const parsed = AgentName.safeParse(review.requested_by);
  return parsed.success ? parsed.data : 'ProjectManager';
}

/** Inside the decision's transaction: the decision and the conditions it sets are one fact. */
export function raiseConditions(tx: Tx, review: Review, comment: string, ts: string): string[] {
  const to = ownerOf(review);
  return splitConditions(comment).map((text) =>
    raiseConcern(
      tx,
      {
        phase: review.phase,
        from: 'Human',
        to,
        severity: 'info',
        category: CONDITION_CATEGORY,
        summary: text.length > SUMMARY_MAX ? `${text.slice(0, SUMMARY_MAX - 1)}…` : text,
        details:
          `Condition of the approval of ${review.id} (${review.title}): ${text}. ` +
          'Met when this concern is resolved.',
        review_id: review.id,
      },
      ts,
    ),
  );
}

export function unmetConditions(read: Reader): Concern[] {
  return read.openConcerns().filter((c) => c.category === CONDITION_CATEGORY);
}

/** One line per unmet condition, for the promotion review and the release. */
export function describeUnmet(conditions: readonly Concern[]): string {
  if (conditions.length === 0) return 'All conditions of earlier approvals are met.';
  const list = conditions.map((c) => {
    const from = c.review_id ? `, from ${c.review_id}` : '';
    return `${c.id} (${c.assigned_to ?? c.to}${from}): ${c.summary}`;
  });
  return `Unmet conditions (${conditions.length}): ${list.join('; ')}.`;
}
