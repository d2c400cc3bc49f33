/**
 * Every view of the app, in navigation order; the number keys 1–9, then 0, follow this order. The hint is the link's
 * tooltip.
 */
export const ROUTES = [
  {
    id: 'dashboard',
    label: 'Dashboard',
    hint: 'The pipeline, the team, what waits on you, quality across iterations and spend.',
  },
  {
    id: 'reviews',
    label: 'Reviews',
    hint:
      'An inbox of everything waiting on your decision, and an editor that shows the document with ' +
      'inline comments on lines, the decision buttons and a diff against the previous revision.',
  },
  {
    id: 'concerns',
    label: 'Concerns',
    hint:
      'Every concern the agents raised, by severity, with its escalation path, and the actions to ' +
      'acknowledge, assign, escalate or resolve it.',
  },
  {
    id: 'console',
    label: 'Console',
    hint:
      'The command line of the seed (/status, /clarify, /assign, /pause, /approve…), with completion ' +
      'and the answers inline.',
  },
  {
    id: 'audit',
    label: 'Audit',
    hint: 'The ledger as a timeline you can filter by type and agent, with the hash chain verified end to end.',
  },
  { id: 'agents', label: 'Agents', hint: 'Each agent’s status, runtime, tokens and cost, with pause and resume.' },
  {
    id: 'settings',
    label: 'Settings',
    hint: 'Providers, Discord, and the project policy with schema validation as you type.',
  },
  { id: 'diffs', label: 'Diffs', hint: 'Any two branches, tags or commits compared, file by file, side by side.' },
  {
    id: 'qa',
    label: 'QA',
    hint: 'The QA gate: its verdict with every condition, the coverage and pass-rate trend, and the live test output.',
  },
  {
    id: 'projects',
    label: 'Projects',
    hint: 'Open a folder, create a project from a template, try the demo, or go back to a recent one.',
  },
] as const;

export type RouteId = (typeof ROUTES)[number]['id'];

/** The key that opens the view at `index`: 1–9, then 0 for the tenth (as on a keyboard's number row). */
export function routeKey(index: number): string {
  return index === 9 ? '0' : String(index + 1);
}

/** The view a number key opens, if any. */
export function routeForKey(key: string): RouteId | null {
  if (!/^[0-9]$/.test(key)) return null;
  return ROUTES[key === '0' ? 9 : Number(key) - 1]?.id ?? null;
}

export function routeFromHash(hash: string): RouteId {
  // `#/reviews/review_0003` (a notification click) opens the reviews view.
  const id = hash.replace(/^#\/?/, '').split('/')[0] ?? '';
  return ROUTES.find((r) => r.id === id)?.id ?? 'dashboard';
}

/*
 * Deep links between views are plain hashes, as a notification click already uses: the view reads its
 * selection from the hash when it opens (and when the hash changes), so a link is an ordinary `<a href>`.
 */

/** The reviews view with one review open. */
export const reviewHash = (id: string): string => `#/reviews/${encodeURIComponent(id)}`;

/** The concerns view with one concern selected. */
export const concernHash = (id: string): string => `#/concerns/${encodeURIComponent(id)}`;

/**
 * The diffs view comparing `from` (null: the empty tree) with `to`, written like git's `from..to`
 * (`..` cannot occur in a ref name, so the split is unambiguous).
 */
export const diffHash = (from: string | null, to: string): string =>
  `#/diffs/${encodeURIComponent(from ?? '')}..${encodeURIComponent(to)}`;

/** The comparison a diffs hash asks for, or null when it names none (`#/diffs`). */
export function diffFromHash(hash: string): { from: string | null; to: string } | null {
  const rest = hash.replace(/^#\/?/, '').split('/').slice(1).join('/');
  const at = rest.indexOf('..');
  if (at < 0) return null;
  const from = decodeURIComponent(rest.slice(0, at));
  const to = decodeURIComponent(rest.slice(at + 2));
  return to ? { from: from || null, to } : null;
}
