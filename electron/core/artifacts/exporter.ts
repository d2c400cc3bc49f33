import { readFile, readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Ledger } from '../store/ledger.ts';
import type { Reader } from '../store/read.ts';
import { createHash } from 'node:crypto';
import { type FileStamp, stampNow, writeFileAtomicSync } from './atomic.ts';
import { JSONL_PATHS, PRODUCERS, type Producer, handoffPath, renderAll } from './render/index.ts';
import { type Section, finish } from './render/markdown.ts';
import { SEGMENT_LINES, segmentNumber } from './render/segments.ts';
import { createAuditStreams } from './audit-streams.ts';
import { type SealedExport, type SealedRecord, createSealedStore } from './sealed-store.ts';
import {
  type Field,
  authoredLoaders,
  boundedLoaders,
  fieldsChangedBy,
  fullLoaders,
  lazySnapshot,
  resultsLoaders,
  trackingSnapshot,
} from './sources.ts';

export type { SealedExport } from './sealed-store.ts';

/**
 * How each document's snapshot is read (sources.ts): the ones rendered after every event (they show the
 * last update) from bounded reads, the authored documents from their own reviews, the test results and
 * the QA report with the open concerns only (re-rendered on every review, they must not read every concern),
 * the rest whole.
 */
const LOADERS: Record<string, 'bounded' | 'authored' | 'results'> = {
  overview: 'bounded',
  detail: 'bounded',
  status: 'bounded',
  authored: 'authored',
  'test-results': 'results',
  'qa-report': 'results',
};
const LOADER_KINDS = { full: fullLoaders, bounded: boundedLoaders, authored: authoredLoaders, results: resultsLoaders };
type Kind = keyof typeof LOADER_KINDS;
/** One sync's loaders and what they read, per kind: two documents reading the same field read it once. */
type Reads = Record<Kind, { loaders: ReturnType<typeof fullLoaders>; memo: Map<Field, unknown> }>;
function readsFor(read: Reader, memos?: Record<Kind, Map<Field, unknown>>): Reads {
  const of = (kind: Kind) => ({ loaders: LOADER_KINDS[kind](read), memo: memos?.[kind] ?? new Map<Field, unknown>() });
  return { full: of('full'), bounded: of('bounded'), authored: of('authored'), results: of('results') };
}

/** A producer's snapshot, sharing this sync's reads with the producers that read alike. */
function snapshotFor(producer: string, used: Set<Field>, reads: Reads) {
  const r = reads[kindOf(producer)];
  return lazySnapshot(r.loaders, used, r.memo);
}

const sameList = (a: readonly string[] | undefined, b: readonly string[]) =>
  a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);

const kindOf = (producer: string): Kind => LOADERS[producer] ?? 'full';

/** Two reads of a field hold the same (rows parsed from the same JSON keep their key order). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b) && a.length !== b.length) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** How often a process records how far its exports got, at most (see maybeSaveState). */
const SAVE_EVERY_MS = 5000;

export interface ExportMismatch {
  path: string;
  problem: 'missing' | 'differs';
}

export interface Exporter {
  /** Bring every export on disk in line with the ledger; returns the paths it wrote. */
  sync(): Promise<string[]>;
  /** Exports that do not match what the ledger renders to. */
  verify(): Promise<ExportMismatch[]>;
  /** The full expected content of every export, as the ledger renders it (reads the whole history). */
  expected(): Map<string, string>;
  /** One export as the ledger renders it now; a document costs its own reads only. Null if there is none. */
  rendered(path: string): string | null;
  /** The path of every export there is now (as of the last sync), without rendering the audit files. */
  paths(): string[];
  /**
   * Sync, then every export as the files now hold it, as bytes (what a commit of the records takes, and the
   * QA gate's manifest), except that a sealed audit segment (render/segments.ts) is what was stored about it
   * when it was sealed, with a loader: it never changes, so a commit whose parent holds it keeps that blob,
   * and the manifest takes its stored digest, without reading the file.
   */
  committable(): Promise<Map<string, Buffer | SealedExport>>;
  /**
   * Every sealed segment's git blob id, with its file's size and modification time when it was sealed, by
   * path: a file that still has them holds that blob (git's own test for an unchanged file).
   */
  sealedRecords(): Map<string, SealedRecord>;
  /** Record how far the exports got now, if a sync since the last record moved on (at close). */
  flush(): void;
  /** How many times this process's syncs rendered each document, and how many sections they rendered. */
  renders(): { documents: Record<string, number>; sections: number };
}

/**
 * What a sync leaves for the next process: how far it got, what each document read and wrote, and each
 * document file's stamp as written (`inode:size:mtimeNs|sha1`, see writeIfChanged).
 */
interface SyncState {
  seq: number;
  reads: Record<string, Field[]>;
  files: Record<string, string[]>;
  stamps: Record<string, string>;
}

const hashOf = (content: string) => createHash('sha1').update(content).digest('hex');

/**
 * Files in the project are exports of the ledger, kept in step incrementally so no sync grows with the
 * history:
 * - Documents are re-rendered only when a field of the snapshot they read changed (the exporter records
 *   which fields each one reads, and which events change each field). The ones rendered after every event
 *   (overview, detail, status.json) read bounded rows: the latest decisions, the open concerns…
 * - The audit JSONL files are appended: each file's last line (its `event_id`) is the cursor, so only newer
 *   events are read, a crash mid-append is repaired on the next sync, and nothing is written twice.
 * What a sync did is kept in the ledger's `meta` table, so the next process (a CLI command) starts from it.
 */
export function createExporter(
  dir: string,
  ledger: Ledger,
  read: Reader,
  opts: { segmentLines?: number; storeBlob?: (content: Buffer) => Promise<string> } = {},
): Exporter {
  const perSegment = opts.segmentLines ?? SEGMENT_LINES;
  const sealedStore = createSealedStore(dir, ledger.db, { perSegment, storeBlob: opts.storeBlob });
  const streams = createAuditStreams(dir, ledger, read, { perSegment, sealed: sealedStore });
  const { streamFiles, handoffFiles } = streams;
  // What this process last wrote (or found) at each path. It saves re-reading every export after every
  // step; a file changed behind our back is still caught by `verify`.
  const written = new Map<string, string>();
  // Paths whose stamp this process recorded and whose content hash is not yet added (saveState does).
  const unhashed = new Set<string>();
  const stateKey = `exports:${resolve(dir)}`;
  let state: SyncState | null = null;
  let swept = false;
  // What this process read and rendered, kept from one sync to the next: each field as a loader last read
  // it, and each section of a sectioned document with the fields it used. A sync drops the entries the
  // new events change (fieldsChangedBy), so a step that changes only the agents re-reads only the agents
  // and re-renders only the sections showing them. Never kept across processes: a new one starts empty.
  const memos: Record<Kind, Map<Field, unknown>> = {
    full: new Map(),
    bounded: new Map(),
    authored: new Map(),
    results: new Map(),
  };
  const sections = new Map<Section, { used: Set<Field>; lines: string[] }>();
  /** How many documents and sections this process's syncs rendered (`renders()`). */
  const rendered = { documents: new Map<string, number>(), sections: 0 };

  // The values the fields this sync's events change had before it (per kind), and what comparing each with
  // its new value found: a field whose events came but whose value is the same (the phase on a stage
  // move, the authored documents' reviews on a gate review) re-renders nothing. Both last one sync.
  const previous: Record<Kind, Map<Field, unknown>> = {
    full: new Map(),
    bounded: new Map(),
    authored: new Map(),
    results: new Map(),
  };
  let verdicts = new Map<string, boolean>();

  function forget(changed: Set<Field>): void {
    for (const kind of Object.keys(memos) as Kind[]) {
      const memo = memos[kind];
      previous[kind].clear();
      for (const f of changed) {
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
  }

  /**
   * Whether field `f` as loaders of `kind` read it changed in this sync: its events came, and it was not
   * read before or now reads otherwise. Every document and section that read it rendered what it held
   * before, so an equal value leaves them right.
   */
  function changedIn(kind: Kind, f: Field, changed: Set<Field>, reads: Reads): boolean {
    if (!changed.has(f)) return false;
    if (!previous[kind].has(f)) return true;
    const key = `${kind}:${f}`;
    let verdict = verdicts.get(key);
    if (verdict === undefined) {
      const r = reads[kind];
      if (!r.memo.has(f)) r.memo.set(f, r.loaders[f]());
      verdict = !sameValue(previous[kind].get(f), r.memo.get(f));
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

  function loadState(): SyncState {
    const row = ledger.db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(stateKey);
    try {
      const parsed = row ? (JSON.parse(row.value) as Partial<SyncState>) : null;
      if (parsed && typeof parsed.seq === 'number' && parsed.reads && parsed.files)
        return { seq: parsed.seq, reads: parsed.reads, files: parsed.files, stamps: parsed.stamps ?? {} };
    } catch {
      // A damaged record only costs a full render.
    }
    return { seq: 0, reads: {}, files: {}, stamps: {} };
  }

  /**
   * Kept in the ledger at most every few seconds (and whenever what a document reads or writes changed):
   * every write is an fsync, and a state a crash left behind only costs re-rendering what changed since.
   */
  let savedAt = 0;
  let savedShape = '';
  let shape = '';
  let shapeStale = true;
  let savedSeq = 0;
  function maybeSaveState(s: SyncState, force = false): void {
    // Serialised only when a document rendered since (its reads or files may differ), not on every sync.
    if (shapeStale) {
      shape = JSON.stringify([s.reads, s.files]);
      shapeStale = false;
    }
    if (!force && shape === savedShape && Date.now() - savedAt < SAVE_EVERY_MS) return;
    if (force && s.seq === savedSeq && shape === savedShape && unhashed.size === 0) return;
    saveState(s);
    savedShape = shape;
    savedAt = Date.now();
    savedSeq = s.seq;
  }

  function saveState(s: SyncState): void {
    // The hashes of what this process wrote, taken only now: a state is saved every few seconds at most.
    for (const rel of unhashed) {
      const content = written.get(rel);
      if (content !== undefined) s.stamps[rel] = `${s.stamps[rel]}|${hashOf(content)}`;
    }
    unhashed.clear();
    ledger.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(stateKey, JSON.stringify(s));
  }

  // ---- documents -----------------------------------------------------------------------------------

  /**
   * Write a document unless the file already holds it. In a process, what it last wrote there is what the
   * file holds (a change since is `verify`'s to find). The first time, a file whose stamp (inode, size,
   * modification time) is the one the last sync recorded holds what that sync wrote, whose hash is kept
   * with the stamp: it is not read back. Any other file is read and compared.
   */
  async function writeIfChanged(s: SyncState, rel: string, content: string, out: Set<string>): Promise<void> {
    const last = written.get(rel);
    if (last === content) return;
    const abs = join(dir, rel);
    if (last === undefined) {
      const onDisk = await holds(s, rel, content);
      if (onDisk !== null) {
        written.set(rel, content);
        s.stamps[rel] = onDisk;
        unhashed.add(rel);
        return;
      }
    }
    s.stamps[rel] = writeFileAtomicSync(abs, content);
    unhashed.add(rel);
    out.add(rel);
    written.set(rel, content);
  }

  /** The file's stamp if it holds exactly `content`, else null. */
  async function holds(s: SyncState, rel: string, content: string): Promise<FileStamp | null> {
    const abs = join(dir, rel);
    const now = stampNow(abs);
    if (now === null) return null;
    const [stamp, hash] = (s.stamps[rel] ?? '').split('|');
    if (stamp === now) return hash === hashOf(content) ? now : null;
    let current: string | null = null;
    try {
      current = await readFile(abs, 'utf8');
    } catch {
      return null;
    }
    return current === content ? now : null;
  }

  /** A document whose files are not what the last sync recorded writing (missing, edited, or no record). */
  function touched(s: SyncState, paths: readonly string[]): boolean {
    return paths.some((rel) => {
      const [stamp] = (s.stamps[rel] ?? '').split('|');
      return !stamp || stampNow(join(dir, rel)) !== stamp;
    });
  }

  /** What the last sync left, read from the ledger once per process. */
  function syncState(): SyncState {
    if (state === null) state = loadState();
    return state;
  }

  async function syncOnce(): Promise<string[]> {
    const first = state === null;
    const s = syncState();
    const head = ledger.count();
    const out = new Set<string>();
    // A ledger behind what the exports were rendered from (a restored copy): render everything again.
    if (head < s.seq) s.seq = 0;
    if (!swept) {
      swept = true;
      await sweepTempFiles(dir, [
        ...Object.values(s.files).flat(),
        ...[...Object.values(JSONL_PATHS), ...(await handoffFiles())].flatMap(streamFiles),
      ]);
    }
    const types =
      head > s.seq
        ? ledger.db
            // NOT INDEXED: else SQLite walks the whole (type, seq) index to list the types, not the new rows.
            .prepare<[number], { type: string }>('SELECT DISTINCT type FROM events NOT INDEXED WHERE seq > ?')
            .all(s.seq)
            .map((r) => r.type)
        : [];
    const changed = fieldsChangedBy(types);
    forget(changed);
    try {
      await renderDocuments(s, first, changed, out);
    } catch (err) {
      forgetAll();
      throw err;
    }
    await streams.append(out);
    s.seq = head;
    maybeSaveState(s);
    return [...out];
  }

  async function renderDocuments(s: SyncState, first: boolean, changed: Set<Field>, out: Set<string>): Promise<void> {
    // Two documents reading the same field read it once, and a field no event changed since is not re-read.
    const loaded = readsFor(read, memos);
    for (const p of PRODUCERS) {
      const reads = s.reads[p.name];
      // A new process also re-renders a document whose file was edited, deleted or written by an older version.
      const stale =
        s.seq === 0 ||
        !reads ||
        (first && touched(s, s.files[p.name] ?? [])) ||
        reads.some((f) => changedIn(kindOf(p.name), f, changed, loaded));
      if (!stale) continue;
      const used = new Set<Field>();
      const files = renderProducer(p, loaded, changed, used);
      const nextReads = [...used];
      const nextFiles = files.map(([rel]) => rel);
      if (!sameList(s.reads[p.name], nextReads) || !sameList(s.files[p.name], nextFiles)) shapeStale = true;
      s.reads[p.name] = nextReads;
      s.files[p.name] = nextFiles;
      for (const [rel, content] of files) await writeIfChanged(s, rel, content, out);
    }
  }

  // The loop, the host and the Discord link each sync after their own changes, so calls overlap. Two
  // syncs at once could write an older rendering over a newer one, or append a JSONL line twice: they run
  // one after another, and callers that arrive while one waits to start share it (it starts after them).
  let tail: Promise<unknown> = Promise.resolve();
  let waiting: Promise<string[]> | null = null;

  function expected(): Map<string, string> {
    const files = renderAll(lazySnapshot(fullLoaders(read)));
    for (const [rel, content] of streams.all()) files.set(rel, content);
    return files;
  }

  /** The documents rendered now, or only the producers named. */
  function documents(only?: (name: string) => boolean): Map<string, string> {
    const reads = readsFor(read);
    const out = new Map<string, string>();
    for (const p of PRODUCERS) {
      if (only && !only(p.name)) continue;
      for (const [rel, content] of p.render(snapshotFor(p.name, new Set(), reads))) out.set(rel, content);
    }
    return out;
  }

  const jsonlPaths = () =>
    [...Object.values(JSONL_PATHS), ...read.handoffPhases().map(handoffPath)].flatMap(streamFiles);
  const isSealed = (path: string) =>
    segmentNumber(path.slice(path.lastIndexOf('/') + 1)) !== null && path.startsWith('audit/');

  return {
    expected,
    flush() {
      // A CLI command exits seconds after its last sync: without this the next process re-renders from
      // an older record (correct, but it reads what this one already did).
      if (state) maybeSaveState(state, true);
    },
    rendered(path) {
      // The producer that wrote this path last time, if a sync said so; else every document.
      const s = syncState();
      const owner = Object.entries(s.files).find(([, files]) => files.includes(path))?.[0];
      const doc = documents(owner ? (name) => name === owner : undefined).get(path);
      if (doc !== undefined) return doc;
      return jsonlPaths().includes(path) ? (streams.all().get(path) ?? null) : null;
    },
    paths() {
      const s = syncState();
      const docs =
        s.seq > 0 && PRODUCERS.every((p) => s.files[p.name]) ? Object.values(s.files).flat() : [...documents().keys()];
      return [...docs, ...jsonlPaths()];
    },
    sealedRecords: () => sealedStore.records(),
    renders: () => ({ documents: Object.fromEntries(rendered.documents), sections: rendered.sections }),
    async committable() {
      await this.sync();
      const out = new Map<string, Buffer | SealedExport>();
      const paths = this.paths();
      const sealed = sealedStore.exports(paths.filter(isSealed));
      for (const rel of paths) {
        const seg = sealed.get(rel);
        if (seg) {
          out.set(rel, seg);
          continue;
        }
        try {
          out.set(rel, await readFile(join(dir, rel)));
        } catch {
          // An export with nothing in it yet (no handoff of a phase) has no file.
        }
      }
      return out;
    },
    sync() {
      if (waiting) return waiting;
      const next = tail.then(() => {
        waiting = null;
        return syncOnce();
      });
      waiting = next;
      tail = next.catch(() => {});
      return next;
    },
    async verify() {
      const out: ExportMismatch[] = [];
      for (const [rel, content] of expected()) {
        let current: string | null = null;
        try {
          current = await readFile(join(dir, rel), 'utf8');
        } catch {
          current = null;
        }
        if (current === null) out.push({ path: rel, problem: 'missing' });
        else if (current !== content) out.push({ path: rel, problem: 'differs' });
      }
      return out;
    },
  };
}

/** The temp files `writeFileAtomic` leaves behind when a process is killed between write and rename. */
export const ATOMIC_TEMP = /\.[0-9a-f]{12}\.tmp$/;

/** Remove temp files a killed run left next to our exports; never touches anything else. */
async function sweepTempFiles(dir: string, exports: readonly string[]): Promise<void> {
  const bases = new Set(exports);
  const folders = new Set(exports.map((p) => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '')));
  for (const folder of folders) {
    let names: string[];
    try {
      names = await readdir(join(dir, folder));
    } catch {
      continue;
    }
    for (const name of names) {
      const rel = folder ? `${folder}/${name}` : name;
      if (ATOMIC_TEMP.test(name) && bases.has(rel.replace(ATOMIC_TEMP, ''))) await rm(join(dir, rel), { force: true });
    }
  }
}
