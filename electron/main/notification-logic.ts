import type { Notification } from '../core/notify/notifications.ts';

/**
 * Which of the engine's notifications interrupt the human with a native desktop notification, and where a
 * click takes them. Only two kinds do: a review waiting on a decision, and a critical concern. Merges,
 * tags, gate results and lesser concerns are facts for the timeline and Discord, not for a pop-up.
 */

export interface NativeNotice {
  /** The ledger event it came from, for de-duplication. */
  key: string;
  title: string;
  body: string;
  /** Where a click takes the window: a hash route of the renderer. */
  route: string;
  urgency: 'normal' | 'critical';
}

/** Ids as the engine makes them (review_0003, concern_0002, ULIDs): nothing that could escape a hash route. */
const SAFE_ID = /^[A-Za-z0-9_-]{1,80}$/;

/** The renderer route for an item, or null when the id is not one we would put in a URL. */
export function routeFor(ref: { kind: 'review' | 'concern'; id: string }): string | null {
  if (!SAFE_ID.test(ref.id)) return null;
  return ref.kind === 'review' ? `#/reviews/${ref.id}` : `#/concerns/${ref.id}`;
}

/** The routes main may steer the window to; anything else is ignored rather than trusted. */
export function isSafeRoute(route: string): boolean {
  return /^#\/(dashboard|reviews|concerns)(\/[A-Za-z0-9_-]{1,80})?$/.test(route);
}

/** Native notifications show a few lines at most; the full text is one click away. */
function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function nativeNoticeFor(n: Notification): NativeNotice | null {
  if (!n.ref) return null;
  if (n.ref.kind === 'review' && n.channel === 'approvals') {
    const route = routeFor({ kind: 'review', id: n.ref.id });
    return route
      ? { key: n.event_id, title: clip(n.title, 120), body: clip(n.body, 300), route, urgency: 'normal' }
      : null;
  }
  if (n.ref.kind === 'concern' && n.severity === 'critical') {
    const route = routeFor({ kind: 'concern', id: n.ref.id });
    return route
      ? { key: n.event_id, title: clip(n.title, 120), body: clip(n.body, 300), route, urgency: 'critical' }
      : null;
  }
  return null;
}

/** Beyond this many in one batch, one summary replaces the pile (a stage that opens five reviews at once). */
export const BURST_LIMIT = 3;
const SEEN_LIMIT = 2000;

/**
 * The notices for one batch of notifications, in order, each event at most once (`seen` carries over
 * between batches). A burst collapses into a single notice that opens the most urgent list.
 */
export function nativeNotices(batch: readonly Notification[], seen: Set<string>): NativeNotice[] {
  const out: NativeNotice[] = [];
  for (const n of batch) {
    const notice = nativeNoticeFor(n);
    if (!notice || seen.has(notice.key)) continue;
    seen.add(notice.key);
    out.push(notice);
  }
  // Keys are only needed while a duplicate could still arrive; keep the memory bounded over long sessions.
  for (const old of seen) {
    if (seen.size <= SEEN_LIMIT) break;
    seen.delete(old);
  }
  if (out.length <= BURST_LIMIT) return out;
  const critical = out.filter((x) => x.urgency === 'critical').length;
  const reviews = out.length - critical;
  const parts = [
    reviews > 0 ? `${reviews} review${reviews === 1 ? '' : 's'} waiting` : '',
    critical > 0 ? `${critical} critical concern${critical === 1 ? '' : 's'}` : '',
  ].filter(Boolean);
  return [
    {
      key: out.map((x) => x.key).join(','),
      title: `Governor: ${parts.join(', ')}`,
      body: clip(out.map((x) => x.title).join('\n'), 300),
      route: critical > 0 ? '#/concerns' : '#/reviews',
      urgency: critical > 0 ? 'critical' : 'normal',
    },
  ];
}
