import type { Reader } from '../store/read.ts';
import type { Producer } from './render/index.ts';
import type { ProjectSnapshot } from './snapshot.ts';
import { type Section, finish } from './render/markdown.ts';
import {
  type Field,
  authoredLoaders,
  boundedLoaders,
  changelogLoaders,
  fieldsChangedBy,
  fullLoaders,
  lazySnapshot,
  readOnce,
  resultsLoaders,
  trackingSnapshot,
} from './sources.ts';

/**
 * How each document's snapshot is read (sources.ts): the ones rendered after every event (they show the
 * last update) from bounded reads, the authored documents from their own reviews, the test results and
 * the QA report with the open concerns only (re-rendered on every review, they must not read every concern),
 * the rest whole.
 */
const LOADERS: Record<string, Exclude<Kind, 'full'>> = {
  overview: 'bounded',
  detail: 'bounded',
  status: 'bounded',
  authored: 'authored',
  changelog: 'changelog',
  'test-results': 'results',
  'qa-report': 'results',
};
type Loaders = ReturnType<typeof fullLoaders>;
const LOADER_KINDS = {
  full: (_: Reader, full: Loaders) => full,
  bounded: boundedLoaders,
  authored: authoredLoaders,
  changelog: changelogLoaders,
  results: resultsLoaders,
};
type Kind = keyof typeof LOADER_KINDS;
const KINDS = Object.keys(LOADER_KINDS) as Kind[];
/** One sync's loaders and what they read, per kind: two documents reading the same field read it once. */
type Reads = Record<Kind, { loaders: Loaders; memo: Map<Field, unknown> }>;
export function readsFor(read: Reader, memos?: Record<Kind, Map<Field, unknown>>): Reads {
  // The kinds share the loaders they do not override, and what those read in this sync.
  const full = readOnce(fullLoaders(read));
  const of = (kind: Kind) => ({
    loaders: LOADER_KINDS[kind](read, full),
    memo: memos?.[kind] ?? new Map<Field, unknown>(),
  });
  return Object.fromEntries(KINDS.map((kind) => [kind, of(kind)])) as Reads;
}

/** A producer's snapshot, sharing this sync's reads with the producers that read alike. */
export function snapshotFor(producer: string, used: Set<Field>, reads: Reads) {
  const r = reads[kindOf(producer)];
  return lazySnapshot(r.loaders, used, r.memo);
}

export const kindOf = (producer: string): Kind => LOADERS[producer] ?? 'full';

/**
 * What a kind's documents show of a field, where that is less than the field: a change to the rest leaves
 * them as they were, so it renders nothing. No document shows an agent's usage (tokens, cost, and the time
 * they last moved), which every model call records: else each step re-rendered every section naming an
 * agent. The test results and the QA report name phases (a title, the next phase's number) but no phase's
 * status (it changes at every phase start and promotion) nor plan; the QA report is the longest document
 * there is. test/render-tests-qa.test.ts holds them to it.
 */
const agentsShown = (value: unknown) =>
  (value as ProjectSnapshot['agents']).map(({ tokens_in, tokens_out, cost_usd, updated_at, ...shown }) => shown);
const SHOWN: Record<Kind, Partial<Record<Field, (value: unknown) => unknown>>> = {
  full: { agents: agentsShown },
  bounded: { agents: agentsShown },
  authored: { agents: agentsShown },
  changelog: { agents: agentsShown },
  results: {
    agents: agentsShown,
    roadmap: (value) => (value as ProjectSnapshot['roadmap']).map((p) => [p.number, p.name]),
  },
};

/**
 * Events that change a field only as the loaders of some kinds read it: the others' value stays as it
 * was, kept from the last sync and not read again. A decision moves the bounded loaders' window of the
 * latest decisions, and with it the clarifications they pick (sources.ts); the other kinds read every
 * clarification, or those of their documents' reviews, which a decision does not change.
 */
const ONLY_IN: Partial<Record<Field, { kinds: readonly Kind[]; events: readonly string[] }>> = {
  clarifications: { kinds: ['bounded'], events: ['review.decided'] },
};

/** Per kind, the fields among `changed` that this sync's event types leave as that kind reads them. */
function unchangedByKind(changed: Set<Field>, types: readonly string[]): Record<Kind, Set<Field>> {
  const out = Object.fromEntries(KINDS.map((kind) => [kind, new Set<Field>()])) as Record<Kind, Set<Field>>;
  for (const [field, only] of Object.entries(ONLY_IN) as Array<[Field, NonNullable<(typeof ONLY_IN)[Field]>]>) {
    if (!changed.has(field)) continue;
    // Changed by some other event too (an unknown type changes every field): changed for every kind.
    if (fieldsChangedBy(types.filter((t) => !only.events.includes(t))).has(field)) continue;
    for (const kind of KINDS) if (!only.kinds.includes(kind)) out[kind].add(field);
  }
  return out;
}

/** Two reads of a field hold the same (rows parsed from the same JSON keep their key order). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b) && a.length !== b.length) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

const noMemos = () => Object.fromEntries(KINDS.map((kind) => [kind, new Map()])) as Record<Kind, Map<Field, unknown>>;

/**
 * What this process read and rendered, kept from one sync to the next: each field as a loader last read
 * it, and each section of a sectioned document with the fields it used. A sync drops the entries the
 * new events change (fieldsChangedBy), so a step that changes only the agents re-reads only the agents
 * and re-renders only the sections showing them. Never kept across processes: a new one starts empty.
 */
export function createRenderCache(read: Reader) {
  const memos = noMemos();
  const sections = new Map<Section, { used: Set<Field>; lines: string[] }>();
  /** How many documents and sections this process's syncs rendered (`renders()`). */
  const rendered = { documents: new Map<string, number>(), sections: 0 };

  // The values the fields this sync's events change had before it (per kind), and what comparing each with
  // its new value found: a field whose events came but whose value is the same (the phase on a stage
  // move, the authored documents' reviews on a gate review) re-renders nothing. Both last one sync.
  const previous = noMemos();
  let verdicts = new Map<string, boolean>();

  // Per kind, the fields whose events came in this sync but leave them as that kind reads them (ONLY_IN).
  let unchanged = unchangedByKind(new Set(), []);

  function forget(changed: Set<Field>, types: readonly string[]): void {
    unchanged = unchangedByKind(changed, types);
    for (const kind of Object.keys(memos) as Kind[]) {
      const memo = memos[kind];
      previous[kind].clear();
      for (const f of changed) {
        if (unchanged[kind].has(f)) continue;
        if (memo.has(f)) previous[kind].set(f, memo.get(f));
        memo.delete(f);
      }
    }
    verdicts = new Map();
  }

  /** Everything this process kept, dropped: a sync that failed half-way may have read what it did not render. */
  function forgetAll(): void {
    for (const kind of Object.keys(memos) as Kind[]) {
      memos[kind].clear();
      previous[kind].clear();
    }
    sections.clear();
    verdicts = new Map();
    unchanged = unchangedByKind(new Set(), []);
  }

  /**
   * Whether field `f` as loaders of `kind` read it changed in this sync: its events came, and it was not
   * read before or now reads otherwise. Every document and section that read it rendered what it held
   * before, so an equal value leaves them right.
   */
  function changedIn(kind: Kind, f: Field, changed: Set<Field>, reads: Reads): boolean {
    if (!changed.has(f) || unchanged[kind].has(f)) return false;
    if (!previous[kind].has(f)) return true;
    const key = `${kind}:${f}`;
    let verdict = verdicts.get(key);
    if (verdict === undefined) {
      const r = reads[kind];
      if (!r.memo.has(f)) r.memo.set(f, r.loaders[f]());
      const shown = SHOWN[kind][f] ?? ((value: unknown) => value);
      verdict = !sameValue(shown(previous[kind].get(f)), shown(r.memo.get(f)));
      verdicts.set(key, verdict);
    }
    return verdict;
  }

  /** A producer's files, its sections (if it has any) taken from the last render where nothing changed. */
  function renderProducer(p: Producer, reads: Reads, changed: Set<Field>, used: Set<Field>): Array<[string, string]> {
    rendered.documents.set(p.name, (rendered.documents.get(p.name) ?? 0) + 1);
    const kind = kindOf(p.name);
    const r = reads[kind];
    if (!p.sections) return p.render(lazySnapshot(r.loaders, used, r.memo));
    const snap = trackingSnapshot(r.loaders, r.memo);
    const lines: string[] = [];
    for (const section of p.sections.of) {
      let c = sections.get(section);
      if (c && [...c.used].some((f) => changedIn(kind, f, changed, reads))) c = undefined;
      if (!c) {
        const mine = new Set<Field>();
        snap.track(mine);
        c = { used: mine, lines: section(snap.snapshot) };
        sections.set(section, c);
        rendered.sections += 1;
      }
      for (const f of c.used) used.add(f);
      for (const l of c.lines) lines.push(l);
    }
    return [[p.sections.path, finish(lines)]];
  }

  return {
    forget,
    forgetAll,
    changedIn,
    renderProducer,
    /** This sync's loaders, sharing what this process already read: a field no event changed is not re-read. */
    reads: () => readsFor(read, memos),
    renders: () => ({ documents: Object.fromEntries(rendered.documents), sections: rendered.sections }),
  };
}
