import type { CommandSource, DecisionKind, InlineComment, Review } from '../../../shared/index.ts';
import { decisionNeedsComment } from '../../../shared/index.ts';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.ts';
import { byVia, utcStamp } from '../notify/notifications.ts';
import type { Ledger } from '../store/ledger.ts';
import type { Reader } from '../store/read.ts';
import { raiseConditions } from './conditions.ts';
import { normaliseId } from './ids.ts';

export interface DecideInput {
  reviewId: string;
  decision: DecisionKind;
  comment: string;
  inline?: InlineComment[];
  by?: string;
  source: CommandSource;
}

const HANDOFF_STATUS = {
  approve: 'approved',
  approve_with_conditions: 'approved_with_conditions',
  request_clarification: 'clarification_requested',
  request_changes: 'changes_requested',
  defer: 'deferred',
  reject: 'rejected',
} as const;

// A change request on a variation parks it as deferred (the proposer must come back with a revised
// proposal); a clarification request is answered by the proposer and asked again.
const VARIATION_STATUS = {
  approve: 'approved',
  approve_with_conditions: 'approved_with_conditions',
  request_changes: 'deferred',
  defer: 'deferred',
  reject: 'rejected',
} as const;

/**
 * Decide a review. The check and the append run in one IMMEDIATE transaction, so the first decision
 * wins even across processes (the CLI while a loop runs, Discord while the UI is open); a second
 * decision gets a ConflictError that says who decided, how and when, and changes nothing. `clock` is the
 * engine's (replays and tests pin it); front ends reach this through `dispatch(createApi(…))`.
 */
export function decideReview(
  ledger: Ledger,
  read: Reader,
  input: DecideInput,
  clock: () => Date = () => new Date(),
): Review {
  const id = normaliseId('review', input.reviewId);
  const comment = input.comment.trim();
  if (decisionNeedsComment(input.decision) && !comment) {
    throw new InvalidInputError(
      `"${input.decision}" needs a comment saying ${input.decision === 'request_clarification' ? 'what to clarify' : 'why'}`,
    );
  }
  const inline = input.inline ?? [];
  return ledger.transact((tx) => {
    const review = read.review(id);
    if (!review) throw new NotFoundError('review', id, 'list pending reviews with `governor reviews`');
    if (review.status === 'decided' && review.decision) {
      const d = review.decision;
      throw new ConflictError(
        `review ${id} was already decided ${byVia(d.reviewed_by, d.source)} at ${utcStamp(d.timestamp)}: ` +
          `${d.decision}; the first decision stands`,
      );
    }
    const allowed = new Set([review.subject.path, ...review.context]);
    for (const c of inline) {
      if (!allowed.has(c.path))
        throw new InvalidInputError(
          `inline comment on ${c.path}:${c.line}, but review ${id} covers ${[...allowed].join(', ')}`,
        );
    }
    const ts = clock().toISOString();
    const decision = {
      reviewed_by: input.by ?? 'Human',
      decision: input.decision,
      comment,
      inline,
      timestamp: ts,
      source: input.source,
    };
    tx.append({ type: 'review.decided', actor: 'Human', payload: { review_id: id, decision }, ts });
    // Each condition is tracked from the moment it is set, in the same transaction as the decision.
    if (input.decision === 'approve_with_conditions') raiseConditions(tx, review, comment, ts);
    if (review.handoff_id) {
      tx.append({
        type: 'handoff.status_changed',
        actor: 'Human',
        payload: { handoff_id: review.handoff_id, status: HANDOFF_STATUS[input.decision] },
        ts,
      });
    }
    if (review.kind === 'variation' && review.variation_id) {
      // A variation decision is bookkeeping the loop need not act on, except a clarification (answered by the proposer).
      const status =
        input.decision in VARIATION_STATUS ? VARIATION_STATUS[input.decision as keyof typeof VARIATION_STATUS] : null;
      if (status) {
        const note = input.decision === 'request_changes' ? `Changes requested: ${comment}` : comment;
        tx.append({
          type: 'variation.decided',
          actor: 'Human',
          ts,
          payload: {
            variation_id: review.variation_id,
            status,
            comment: note || null,
            reviewed_by: decision.reviewed_by,
            review_id: id,
          },
        });
      }
    }
    const after = read.review(id);
    if (!after) throw new NotFoundError('review', id);
    return after;
  });
}
