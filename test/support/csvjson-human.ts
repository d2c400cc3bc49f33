import type { DecisionKind, Review } from '../../shared/index.ts';

type Asked = Pick<Review, 'phase'> & { kind: string };

export const CSVJSON_BRIEF = 'a CLI that converts CSV to JSON';

/**
 * The human of the three-phase csvjson story: what they decide at each review, by phase and kind and how
 * many times that review was asked. Every kind of review is decided, with changes, a clarification and
 * conditions at least once; the plan reviews add, drop and reorder phases of the roadmap.
 */
export function csvjsonDecision(r: Asked, asked: number): { decision: DecisionKind; comment: string } {
  const first = asked === 1;
  if (r.kind === 'plan' && r.phase === 1 && first)
    return {
      decision: 'request_changes',
      comment: 'drop: Docs site; drop: Streaming; add: Type inference — numbers, booleans and empty cells',
    };
  if (r.kind === 'plan' && r.phase === 2 && first)
    return { decision: 'request_changes', comment: 'move: Type inference to 2' };
  if (r.kind === 'design' && r.phase === 1 && first)
    return { decision: 'request_clarification', comment: 'Why a hand-written parser rather than a library?' };
  if (r.kind === 'design' && r.phase === 3 && first)
    return { decision: 'request_changes', comment: 'Read from stdin when no file is given.' };
  if (r.kind === 'test_plan' && r.phase === 2)
    return { decision: 'approve_with_conditions', comment: 'Also cover an empty cell and a header-only file.' };
  if (r.kind === 'promotion' && r.phase === 3) return { decision: 'approve', comment: 'Ship it.' };
  return { decision: 'approve', comment: '' };
}

/** The roadmap the human's plan reviews lead to. */
export const CSVJSON_PHASES = ['Parser', 'Type inference', 'CLI'];
