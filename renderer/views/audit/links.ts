import { concernHash, diffHash, reviewHash } from '../../shell/routes.ts';

/**
 * What an event is about, read from its payload, as links the event detail shows: a review or concern
 * opens its view with it selected, a commit or tag opens the diffs view against its first parent, and a
 * command or an artifact (which have no view of their own) narrow the timeline to the events naming them.
 */
export type EventLink =
  | { kind: 'review' | 'concern'; id: string; label: string; href: string }
  | { kind: 'commit'; id: string; label: string; href: string; from: string | null; to: string }
  | { kind: 'command' | 'artifact'; id: string; label: string; search: string };

type Payload = Record<string, unknown>;

/** Ids as the engine mints them (`review_0003`, `concern_0001`); also found inside free text such as a git trigger. */
const REVIEW_ID = /\breview_\d+\b/g;
const CONCERN_ID = /\bconcern_\d+\b/g;
const OID = /^[0-9a-f]{40}$/;
/** Payload fields whose text is a document body or a long explanation, not a reference to anything. */
const PROSE = new Set(['content', 'details', 'brief', 'reason', 'comment', 'summary', 'answer', 'question', 'lines']);
/** Keys that hold the id of a review or a concern by name. */
const REVIEW_KEYS = ['review_id', 'in_response_to', 'follows'];
const CONCERN_KEYS = ['concern_id', 'last_concern_id'];

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const isRecord = (v: unknown): v is Payload => typeof v === 'object' && v !== null && !Array.isArray(v);
const short = (oid: string): string => (OID.test(oid) ? oid.slice(0, 7) : oid);

/** Every string in the payload outside prose fields, however deeply nested (a review's decision, a task). */
function scanStrings(v: unknown, out: string[], key = ''): void {
  if (PROSE.has(key)) return;
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) scanStrings(x, out, key);
  else if (isRecord(v)) for (const [k, x] of Object.entries(v)) scanStrings(x, out, k);
}

function commitLink(label: string, to: string, from: string | null): EventLink {
  return { kind: 'commit', id: to, label, href: diffHash(from, to), from, to };
}

/** The commit or tag a git or promotion event produced, shown against what came before it. */
function gitLinks(type: string, p: Payload): EventLink[] {
  if (type === 'git.action_recorded') {
    const commit = str(p.commit);
    if (!commit) return []; // a refusal or failure produced nothing
    const action = str(p.action) ?? 'commit';
    const target = str(p.target) ?? '';
    if (action === 'tag') return [commitLink(`Tag ${target}`, target, `${target}^`)];
    // `previous` is the target's tip before the action: a merge's first parent, a commit's parent.
    // A new branch has none recorded, so git finds the parent itself.
    const verb =
      action === 'merge'
        ? `Merge into ${target}`
        : action === 'commit'
          ? `Commit on ${target}`
          : `${action[0]?.toUpperCase()}${action.slice(1)} ${target}`;
    return [commitLink(`${verb} · ${short(commit)}`, commit, str(p.previous) ?? `${commit}^`)];
  }
  if (type === 'phase.promoted') {
    const tag = str(p.tag);
    if (tag) return [commitLink(`Tag ${tag}`, tag, `${tag}^`)];
  }
  if (type === 'qa.gate_evaluated') {
    const c = str(p.candidate);
    if (c && OID.test(c)) return [commitLink(`Candidate · ${short(c)}`, c, `${c}^`)];
  }
  return [];
}

/** The links an event's detail offers, most specific first, each target once. */
export function eventLinks(type: string, payload: unknown): EventLink[] {
  const p: Payload = isRecord(payload) ? payload : {};
  const reviews: string[] = [];
  const concerns: string[] = [];
  const add = (list: string[], id: string | null) => id && !list.includes(id) && list.push(id);

  // The event's own subject first: `review.requested` and `concern.raised` carry the whole record.
  if (type.startsWith('review.')) add(reviews, str(p.id) ?? str(p.review_id));
  if (type.startsWith('concern.')) add(concerns, str(p.concern_id) ?? (type === 'concern.raised' ? str(p.id) : null));
  for (const k of REVIEW_KEYS) add(reviews, str(p[k]));
  for (const k of CONCERN_KEYS) add(concerns, str(p[k]));
  // Then ids named anywhere else: a git trigger (`human_approval review_0003`), a command's target, a response.
  const strings: string[] = [];
  scanStrings(p, strings);
  for (const s of strings) {
    for (const m of s.matchAll(REVIEW_ID)) add(reviews, m[0]);
    for (const m of s.matchAll(CONCERN_ID)) add(concerns, m[0]);
  }

  const links: EventLink[] = [
    ...reviews.map((id): EventLink => ({ kind: 'review', id, label: `Review ${id}`, href: reviewHash(id) })),
    ...concerns.map((id): EventLink => ({ kind: 'concern', id, label: `Concern ${id}`, href: concernHash(id) })),
    ...gitLinks(type, p),
  ];
  const command = str(p.command_id);
  if (command) links.push({ kind: 'command', id: command, label: `Command ${command}`, search: command });
  const subject = isRecord(p.subject) ? p.subject : type === 'artifact.revised' ? p : null;
  const path = subject ? str(subject.path) : null;
  if (path) {
    const rev = typeof subject?.revision === 'number' ? ` r${subject.revision}` : '';
    links.push({ kind: 'artifact', id: path, label: `${path}${rev}`, search: path });
  }
  return links;
}
