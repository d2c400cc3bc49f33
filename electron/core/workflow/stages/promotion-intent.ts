/**
 * A promotion is recorded as an intent before any of its git writes, then carried out, then its effects
 * are recorded. The intent fixes everything a resumed run must reproduce exactly: the Audit-IDs each
 * commit and the tag will carry, the commit time, the human's identity, where main stood. A commit that
 * carries one of those ids is the promotion's own, not a stray: crash recovery leaves it for the resumed
 * run to adopt (git/recovery.ts), so a kill -9 at any instant ends in one release commit and one tag.
 *
 *   promotion.started ─ records commit ─ records merge ─ release merge ─ (effects recorded)
 *                     ─ final exports on main ─ tag ─ checkout brought along ─ promotion.finished
 */
import type { EventPayload, Review } from '../../../../shared/index.ts';
import { EventPayloads } from '../../../../shared/index.ts';
import type { HumanIdentity } from '../../git/identity.ts';
import type { Engine } from '../engine.ts';

export type PromotionIntent = EventPayload<'promotion.started'> & { event_id: string; ts: string };

function intents(e: Engine): PromotionIntent[] {
  return e.ledger
    .readTypes(['promotion.started'])
    .map((ev) => ({ ...EventPayloads['promotion.started'].parse(ev.payload), event_id: ev.id, ts: ev.ts }));
}

/** The newest intent, for one review or for any. */
export function latestIntent(e: Engine, reviewId?: string): PromotionIntent | null {
  const all = intents(e).filter((i) => reviewId === undefined || i.review_id === reviewId);
  return all.at(-1) ?? null;
}

/** Its effects (git actions, phase.promoted, the review followed up) are in the ledger. */
export const effectsRecorded = (e: Engine, intent: PromotionIntent): boolean => e.ledger.byId(intent.ids.tag) !== null;

export function isFinished(e: Engine, intent: PromotionIntent): boolean {
  return e.ledger
    .readTypes(['promotion.finished'])
    .some((ev) => EventPayloads['promotion.finished'].parse(ev.payload).tag === intent.tag);
}

/** A promotion started and not yet finished: nothing else may write main or the user's checkout meanwhile. */
export function promotionInFlight(e: Engine): PromotionIntent | null {
  const intent = latestIntent(e);
  return intent && !isFinished(e, intent) ? intent : null;
}

export function recordIntent(
  e: Engine,
  review: Review,
  at: {
    tag: string;
    mainBefore: string | null;
    developBefore: string | null;
    checkout: string | null;
    identity: HumanIdentity;
    unmet: string[];
  },
): PromotionIntent {
  const now = e.clock();
  const payload: EventPayload<'promotion.started'> = {
    review_id: review.id,
    phase: review.phase,
    tag: at.tag,
    timestamp: Math.floor(now.getTime() / 1000),
    main_before: at.mainBefore,
    develop_before: at.developBefore,
    checkout: at.checkout,
    identity: { name: at.identity.name, email: at.identity.email, source: at.identity.source },
    ids: {
      records: e.ledger.newEventId(),
      records_merge: e.ledger.newEventId(),
      release: e.ledger.newEventId(),
      tag: e.ledger.newEventId(),
    },
    unmet_conditions: at.unmet,
  };
  const ev = e.ledger.transact((tx) =>
    tx.append({ type: 'promotion.started', actor: 'Human', ts: now.toISOString(), payload }),
  );
  return { ...payload, event_id: ev.id, ts: ev.ts };
}
