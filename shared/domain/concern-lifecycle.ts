import type { EventPayload } from '../events.ts';
import type { Concern } from './concern.ts';

export type ConcernChange =
  | { type: 'concern.acknowledged'; payload: EventPayload<'concern.acknowledged'> }
  | { type: 'concern.assigned'; payload: EventPayload<'concern.assigned'> }
  | { type: 'concern.resolved'; payload: EventPayload<'concern.resolved'> }
  | { type: 'concern.escalated'; payload: EventPayload<'concern.escalated'> }
  | { type: 'concern.discord_posted'; payload: EventPayload<'concern.discord_posted'> };

/**
 * The concern lifecycle (open → acknowledged → assigned → resolved, plus hops up the chain) as one pure
 * fold, used by the projection and by the `audit/concerns.jsonl` export so the two can never disagree.
 */
export function applyConcernChange(prev: Concern, change: ConcernChange, ts: string): Concern {
  // Reaching Discord is bookkeeping, not a change to the concern: it keeps its updated_at.
  const c: Concern = {
    ...prev,
    escalations: [...prev.escalations],
    updated_at: change.type === 'concern.discord_posted' ? prev.updated_at : ts,
  };
  switch (change.type) {
    case 'concern.acknowledged':
      if (c.status === 'open') c.status = 'acknowledged';
      if (change.payload.note) c.response = change.payload.note;
      break;
    case 'concern.assigned':
      c.status = 'assigned';
      c.assigned_to = change.payload.assigned_to;
      if (change.payload.note) c.response = change.payload.note;
      break;
    case 'concern.resolved':
      c.status = 'resolved';
      c.resolution = change.payload.note;
      break;
    case 'concern.escalated':
      c.escalations.push({ from: change.payload.from, to: change.payload.to, at: ts, reason: change.payload.reason });
      c.to = change.payload.to;
      break;
    case 'concern.discord_posted':
      c.discord_message_id = change.payload.message_id;
      break;
  }
  return c;
}
