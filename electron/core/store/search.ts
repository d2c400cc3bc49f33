/**
 * The audit timeline's index: one SQLite FTS5 row per event (rowid = seq), written in the append
 * transaction. Besides the words of the event (its type, actor and every string or number in its payload),
 * each row carries one marker token for its type, its actor, its phase and the records it is about, so every
 * filter the audit view offers, and any combination of them, is one FTS5 query that walks posting lists
 * newest first and stops after a page (and the exporter finds one concern's events without a scan). `detail=none` keeps
 * no positions, only which events hold a token: about 15 bytes an event.
 */

/** The FTS5 table, contentless: the events table holds the text, this only the index. */
export const SEARCH_TABLE_SQL =
  "CREATE VIRTUAL TABLE events_search USING fts5(doc, content='', detail=none, columnsize=0, tokenize='unicode61')";

/** Text beyond this much of one payload is not indexed (a whole document revision needs no more to be found). */
const MAX_DOC_CHARS = 16_384;

/** Marker tokens: letters and digits only, so the tokenizer keeps each whole; `xq` keeps them apart from words. */
const marker = (kind: 't' | 'a' | 'p' | 'i', value: string | number) =>
  `xq${kind}${String(value)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')}`;
export const typeToken = (type: string) => marker('t', type);
export const actorToken = (actor: string) => marker('a', actor);
export const phaseToken = (phase: number) => marker('p', phase);
/** The events about one record (a concern, a handoff, a review…): those naming it as `id` or `<kind>_id`. */
export const subjectToken = (id: string) => marker('i', id);

/** The phase an event belongs to: its payload's top-level `phase`, when that is a positive integer. */
export function phaseOf(payload: unknown): number | null {
  if (payload === null || typeof payload !== 'object') return null;
  const phase = (payload as { phase?: unknown }).phase;
  return typeof phase === 'number' && Number.isInteger(phase) && phase > 0 ? phase : null;
}

/** Phase markers of the first phases, made once: every event of a phase carries the same one. */
const phaseTokens = Array.from({ length: 64 }, (_, i) => phaseToken(i));
const phaseMarker = (phase: number) => phaseTokens[phase] ?? phaseToken(phase);

/**
 * The fixed head of a document per type and actor (their markers, then them as words): a handful of each
 * exist, and building it for every event was a tenth of an append. By type, then actor: no key is built.
 */
const heads = new Map<string, Map<string, string>>();
let headCount = 0;
function headOf(type: string, actor: string): string {
  let byActor = heads.get(type);
  if (byActor === undefined) {
    byActor = new Map();
    heads.set(type, byActor);
  }
  let head = byActor.get(actor);
  if (head === undefined) {
    head = `${typeToken(type)} ${actorToken(actor)}`;
    // Bounded: types are a closed list, actors the team's names (never more than a few dozen pairs).
    if (headCount < 4096) {
      byActor.set(actor, head);
      headCount += 1;
    }
  }
  return head;
}

/**
 * The words of a payload's values (every string and number, depth first, in key order), each after a
 * space, until MAX_DOC_CHARS have been taken: a value is taken whenever some budget is left before it.
 * A string built as it goes rather than an array joined at the end, and no Object.values/entries copies:
 * the per-event arrays were most of what indexing an event allocated.
 */
let docLeft = 0;
function valueWords(value: unknown): string {
  if (docLeft <= 0) return '';
  if (typeof value === 'string') {
    docLeft -= value.length + 1;
    return ` ${value}`;
  }
  if (typeof value === 'number') {
    const s = String(value);
    docLeft -= s.length + 1;
    return ` ${s}`;
  }
  let out = '';
  if (Array.isArray(value)) {
    for (const v of value) out += valueWords(v);
  } else if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    for (const k in o) if (Object.hasOwn(o, k)) out += valueWords(o[k]);
  }
  return out;
}

/**
 * The indexed text of one event: markers (type, actor, phase, then one per record it is about: its
 * payload's top-level `id` and `…_id` strings), then its type and actor as words, then its payload's values.
 */
export function searchDoc(type: string, actor: string, payload: unknown): string {
  let doc = headOf(type, actor);
  const phase = phaseOf(payload);
  if (phase !== null) doc += ` ${phaseMarker(phase)}`;
  if (payload !== null && typeof payload === 'object' && !Array.isArray(payload)) {
    const o = payload as Record<string, unknown>;
    for (const k in o) {
      const v = o[k];
      if ((k === 'id' || k.endsWith('_id')) && typeof v === 'string' && v && Object.hasOwn(o, k))
        doc += ` ${subjectToken(v)}`;
    }
  }
  docLeft = MAX_DOC_CHARS;
  return `${doc} ${type} ${actor}${valueWords(payload)}`;
}

export interface SearchFilter {
  types?: readonly string[] | undefined;
  actors?: readonly string[] | undefined;
  phase?: number | undefined;
  text?: string | undefined;
}

/**
 * The FTS5 query for a filter, or null when the filter is empty. Types (and actors) are alternatives,
 * the kinds combine with AND, and every word typed must be a word of the event, in any order and any case:
 * `4242 alert` finds "alert 4242". Whole words, not prefixes: FTS5 answers a prefix by merging the posting
 * lists of every word that starts with it, which for a common word costs as much as the whole ledger;
 * whole words are walked lazily and stop after a page. Words are the tokenizer's (letters and digits),
 * so punctuation only separates them. A text with no letters or digits matches nothing: `''` is returned.
 */
export function searchQuery(f: SearchFilter): string | null {
  const parts: string[] = [];
  const anyOf = (tokens: string[]) =>
    tokens.length === 1 ? `"${tokens[0]}"` : `(${tokens.map((t) => `"${t}"`).join(' OR ')})`;
  if (f.types && f.types.length > 0) parts.push(anyOf(f.types.map(typeToken)));
  if (f.actors && f.actors.length > 0) parts.push(anyOf(f.actors.map(actorToken)));
  if (f.phase !== undefined) parts.push(`"${phaseToken(f.phase)}"`);
  const text = f.text?.trim() ?? '';
  if (text) {
    const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
    if (words.length === 0) return '';
    for (const w of words) parts.push(`"${w}"`);
  }
  return parts.length > 0 ? parts.join(' AND ') : null;
}
