import type { Concern } from '../../../shared/domain/concern.ts';

/**
 * Everyone a concern has been addressed to, in order, starting with who raised it:
 * `Implementer → Designer → ProjectManager → Human`. `to` is where it stands now; each escalation hop
 * moved it from one addressee to the next. Who is assigned to fix it is a separate matter (`assigned_to`).
 */
export function concernRoute(c: Pick<Concern, 'from' | 'to' | 'escalations'>): string[] {
  const route = [c.from];
  for (const hop of c.escalations) {
    if (route.at(-1) !== hop.from) route.push(hop.from);
    route.push(hop.to);
  }
  if (route.at(-1) !== c.to) route.push(c.to);
  return route;
}

/** The concern a `#/concerns/<id>` hash selects, if any. */
export function concernFromHash(hash: string): string | null {
  const [view, id] = hash.replace(/^#\/?/, '').split('/');
  return view === 'concerns' && id ? decodeURIComponent(id) : null;
}
