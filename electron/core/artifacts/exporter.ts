import { open, readFile, readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Concern, EventType, Handoff, LedgerEvent } from '../../../shared/index.ts';
import { type ConcernChange, EventPayloads, applyConcernChange } from '../../../shared/index.ts';
import type { Ledger } from '../store/ledger.ts';
import type { Reader } from '../store/read.ts';

import { writeFileAtomic } from './atomic.ts';
import {
  HANDOFF_TYPES,
  JSONL_PATHS,
  type JsonlKind,
  PRODUCERS,
  handoffPath,
  handoffRecord,
  jsonlRecord,
  renderAll,
} from './render/index.ts';
import { SEGMENT_LINES, segmentDir, segmentNumber, segmentPath, splitStream } from './render/segments.ts';
import { type SealedExport, type SealedRecord, createSealedStore, streamFilesOf } from './sealed-store.ts';

export type { SealedExport } from './sealed-store.ts';
import {
  type Field,
  authoredLoaders,
  boundedLoaders,
  fieldsChangedBy,
  fullLoaders,
  lazySnapshot,
  resultsLoaders,
} from './sources.ts';

/** The fixed JSONL file an event type is written to. */
function streamOf(type: EventType): string {
  for (const [kind, types] of Object.entries(JSONL_SOURCES) as Array<[JsonlKind, readonly EventType[]]>)
    if (types.includes(type)) return JSONL_PATHS[kind];
  return '';
}

const JSONL_SOURCES: Record<JsonlKind, readonly EventType[]> = {
  commands: ['command.received'],
  responses: ['response.sent'],
  git_actions: ['git.action_recorded'],
  concerns: [
    'concern.raised',
    'concern.acknowledged',
    'concern.assigned',
    'concern.resolved',
    'concern.escalated',
    'concern.discord_posted',
  ],
};

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
function readsFor(read: Reader): Reads {
  const of = (kind: Kind) => ({ loaders: LOADER_KINDS[kind](read), memo: new Map<Field, unknown>() });
  return { full: of('full'), bounded: of('bounded'), authored: of('authored'), results: of('results') };
}

/** A producer's snapshot, sharing this sync's reads with the producers that read alike. */
function snapshotFor(producer: string, used: Set<Field>, reads: Reads) {
  const r = reads[LOADERS[producer] ?? 'full'];
  return lazySnapshot(r.loaders, used, r.memo);
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
}

/** What a sync leaves for the next process: how far it got, what each document read and wrote. */
interface SyncState {
  seq: number;
  reads: Record<string, Field[]>;
  files: Record<string, string[]>;
}

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
  const writeSegment = (path: string, content: string) => sealedStore.write(path, content);
  // Each JSONL stream's layout on disk as this process knows it: sealed segments and lines in its own file.
  const layouts = new Map<string, { sealed: number; lines: number }>();
  // What this process last wrote (or found) at each path. It saves re-reading every export after every
  // step; a file changed behind our back is still caught by `verify`.
  const written = new Map<string, string>();
  const stateKey = `exports:${resolve(dir)}`;
  let state: SyncState | null = null;
  let swept = false;
  // JSONL files reconciled this process: the seq of the last event in each fixed file, in any handoff
  // file (they share one stream), and in each handoff file seen.
  let jsonl: { fixed: Map<string, number>; handoffs: number; known: Map<string, number> } | null = null;
  // Concerns as of the last concern line appended, so a change is applied to the state before it.
  const concernState = new Map<string, Concern>();

  function loadState(): SyncState {
    const row = ledger.db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(stateKey);
    try {
      const parsed = row ? (JSON.parse(row.value) as Partial<SyncState>) : null;
      if (parsed && typeof parsed.seq === 'number' && parsed.reads && parsed.files)
        return { seq: parsed.seq, reads: parsed.reads, files: parsed.files };
    } catch {
      // A damaged record only costs a full render.
    }
    return { seq: 0, reads: {}, files: {} };
  }

  /**
   * Kept in the ledger at most every few seconds (and whenever what a document reads or writes changed):
   * every write is an fsync, and a state a crash left behind only costs re-rendering what changed since.
   */
  let savedAt = 0;
  let savedShape = '';
  let savedSeq = 0;
  function maybeSaveState(s: SyncState, force = false): void {
    const shape = JSON.stringify([s.reads, s.files]);
    if (!force && shape === savedShape && Date.now() - savedAt < SAVE_EVERY_MS) return;
    if (force && s.seq === savedSeq && shape === savedShape) return;
    saveState(s);
    savedShape = shape;
    savedAt = Date.now();
    savedSeq = s.seq;
  }

  function saveState(s: SyncState): void {
    ledger.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(stateKey, JSON.stringify(s));
  }

  // ---- audit JSONL ---------------------------------------------------------------------------------

  const JSONL_TYPES: readonly EventType[] = [...Object.values(JSONL_SOURCES).flat(), ...HANDOFF_TYPES];

  /**
   * The JSONL line of one event and its file. A concern line carries the concern as it stood after the
   * event, so `before(id)` gives its state before, and `after(c)` is told the new one.
   */
  function lineFor(
    e: LedgerEvent,
    before: (id: string) => Concern,
    after: (c: Concern) => void,
  ): { path: string; line: string } {
    const tail = (record: Record<string, unknown>) => `${JSON.stringify({ ...record, event_id: e.id })}\n`;
    switch (e.type) {
      case 'command.received':
        return {
          path: JSONL_PATHS.commands,
          line: tail(jsonlRecord('commands', EventPayloads['command.received'].parse(e.payload))),
        };
      case 'response.sent':
        return {
          path: JSONL_PATHS.responses,
          line: tail(jsonlRecord('responses', EventPayloads['response.sent'].parse(e.payload))),
        };
      case 'git.action_recorded':
        return {
          path: JSONL_PATHS.git_actions,
          line: tail(jsonlRecord('git_actions', EventPayloads['git.action_recorded'].parse(e.payload))),
        };
      case 'handoff.recorded': {
        const h = EventPayloads['handoff.recorded'].parse(e.payload);
        return { path: handoffPath(h.phase), line: tail(handoffRecord(h)) };
      }
      case 'handoff.status_changed': {
        const p = EventPayloads['handoff.status_changed'].parse(e.payload);
        const h = handoffAsRecorded(p.handoff_id, e.seq);
        return { path: handoffPath(h.phase), line: tail(handoffRecord({ ...h, status: p.status })) };
      }
      case 'concern.raised': {
        const c = EventPayloads['concern.raised'].parse(e.payload);
        after(c);
        return { path: JSONL_PATHS.concerns, line: tail(jsonlRecord('concerns', c)) };
      }
      default: {
        const change = {
          type: e.type,
          payload: EventPayloads[e.type as ConcernChange['type']].parse(e.payload),
        } as ConcernChange;
        const c = applyConcernChange(before(change.payload.concern_id), change, e.ts);
        after(c);
        return { path: JSONL_PATHS.concerns, line: tail(jsonlRecord('concerns', c)) };
      }
    }
  }

  /** A handoff as recorded: only its status ever changes, and each status change carries the new one. */
  function handoffAsRecorded(id: string, upTo: number): Handoff {
    const recorded = ledger.about(id, upTo).find((x) => x.type === 'handoff.recorded');
    if (!recorded) throw new Error(`audit/handoffs: a status change for unknown handoff ${id}`);
    return EventPayloads['handoff.recorded'].parse(recorded.payload);
  }

  /** A concern just before event `seq`: from this process's last line, else replayed from its own events. */
  function concernAt(id: string, seq: number): Concern {
    const cached = concernState.get(id);
    if (cached) return cached;
    let c: Concern | null = null;
    for (const e of ledger.about(id, seq - 1)) {
      if (e.type === 'concern.raised') c = EventPayloads['concern.raised'].parse(e.payload);
      else if (c && JSONL_SOURCES.concerns.includes(e.type))
        c = applyConcernChange(c, { type: e.type, payload: e.payload } as ConcernChange, e.ts);
    }
    if (!c) throw new Error(`audit/concerns: a change to unknown concern ${id}`);
    return c;
  }

  /** Every JSONL file, whole, from the whole history (verify, and a file that must be rebuilt). */
  function allJsonl(): Map<string, string> {
    const files = new Map<string, string[]>();
    const concerns = new Map<string, Concern>();
    const before = (id: string) => {
      const c = concerns.get(id);
      if (!c) throw new Error(`audit/concerns: a change to unknown concern ${id}`);
      return c;
    };
    for (let after = 0; ; ) {
      const page = ledger.readTypes(JSONL_TYPES, after, 5000);
      if (page.length === 0) break;
      for (const e of page) {
        const { path, line } = lineFor(e, before, (c) => concerns.set(c.id, c));
        const lines = files.get(path);
        if (lines) lines.push(line);
        else files.set(path, [line]);
      }
      after = page.at(-1)?.seq ?? after;
    }
    return new Map([...files].flatMap(([path, lines]) => splitStream(path, lines, perSegment)));
  }

  /** The last complete line of a file (cutting off a torn one), or null when the file is missing or empty. */
  async function lastLine(path: string): Promise<string | null> {
    let fh: Awaited<ReturnType<typeof open>>;
    try {
      fh = await open(path, 'r+');
    } catch {
      return null;
    }
    try {
      const size = (await fh.stat()).size;
      // Read the tail, widening it until the start of the last complete line is in view.
      for (let chunk = 64 * 1024; ; chunk *= 4) {
        const from = Math.max(0, size - chunk);
        const buf = Buffer.alloc(size - from);
        await fh.read(buf, 0, buf.length, from);
        const end = buf.lastIndexOf(0x0a);
        if (end < 0 && from > 0) continue;
        // A torn last line (the process died mid-append) is cut off here and appended again.
        if (end + 1 < buf.length) await fh.truncate(from + end + 1);
        if (end < 0) return null;
        const start = end > 0 ? buf.lastIndexOf(0x0a, end - 1) : -1;
        if (start < 0 && from > 0) continue;
        return buf.subarray(start + 1, end).toString('utf8');
      }
    } finally {
      await fh.close();
    }
  }

  /** The seq of the event a file ends with: 0 when it is missing or empty, -1 when it is not this ledger's. */
  async function fileCursor(rel: string): Promise<number> {
    const last = await lastLine(join(dir, rel));
    if (last === null) return 0;
    try {
      const id = (JSON.parse(last) as { event_id?: string }).event_id;
      return (id ? ledger.byId(id)?.seq : undefined) ?? -1;
    } catch {
      return -1;
    }
  }

  /**
   * Write a JSONL stream whole from the ledger, its sealed segments included (a missing or damaged file, or
   * the single-file layout of older versions, which this converts); returns the head it is complete up to.
   */
  async function rebuild(rel: string, out: Set<string>): Promise<number> {
    const head = ledger.count();
    const all = allJsonl();
    const parts = [...all].filter(([path]) => path === rel || path.startsWith(`${segmentDir(rel)}/`));
    for (const [path, content] of parts) {
      await (path === rel ? writeFileAtomic(join(dir, path), content) : writeSegment(path, content));
      out.add(path);
    }
    if (!all.has(rel)) {
      await writeFileAtomic(join(dir, rel), '');
      out.add(rel);
    }
    const sealed = parts.length > 0 ? parts.length - 1 : 0;
    // Segments beyond the ledger's (from another ledger, or a stopped rebuild) are not records of this one.
    for (const n of segmentsOnDisk(rel)) if (n > sealed) await rm(join(dir, segmentPath(rel, n)), { force: true });
    const lines = (all.get(rel) ?? '').split('\n').length - 1;
    layouts.set(rel, { sealed, lines });
    return head;
  }

  const segmentsOnDisk = (rel: string) => sealedStore.onDisk(rel);

  /**
   * Every file of a stream, in reading order: its sealed segments, then the stream's own file. From the
   * layout this process keeps once it has reconciled the stream (no directory listing), else from the disk.
   */
  function streamFiles(rel: string): string[] {
    const layout = layouts.get(rel);
    const sealed = layout ? Array.from({ length: layout.sealed }, (_, i) => i + 1) : segmentsOnDisk(rel);
    return streamFilesOf(rel, sealed);
  }

  /** The seq of the stream's first event after `after`, or null. */
  function nextInStream(rel: string, after: number): number | null {
    const kind = (Object.keys(JSONL_PATHS) as JsonlKind[]).find((k) => JSONL_PATHS[k] === rel);
    const types = kind ? JSONL_SOURCES[kind] : HANDOFF_TYPES;
    for (let a = after; ; ) {
      const page = ledger.readTypes(types, a, 200);
      if (page.length === 0) return null;
      for (const e of page) if (kind || handoffFileOf(e) === rel) return e.seq;
      a = page.at(-1)?.seq ?? a;
    }
  }

  function handoffFileOf(e: LedgerEvent): string {
    if (e.type === 'handoff.recorded') return handoffPath(EventPayloads['handoff.recorded'].parse(e.payload).phase);
    const p = EventPayloads['handoff.status_changed'].parse(e.payload);
    return handoffPath(handoffAsRecorded(p.handoff_id, e.seq).phase);
  }

  /** The seq of the event a JSONL line was written for, or -1. */
  function seqOfLine(line: string): number {
    try {
      const id = (JSON.parse(line) as { event_id?: string }).event_id;
      return (id ? ledger.byId(id)?.seq : undefined) ?? -1;
    } catch {
      return -1;
    }
  }

  /**
   * Whether a stream's files are laid out as this version writes them: segments 1..n of perSegment lines,
   * and 1 to perSegment lines in its own file, whose first record comes right after the last segment's last
   * in the stream (not so after a seal stopped between writing a segment and rewriting the file, or when
   * segments are missing). Else the stream is rebuilt. Reads the current file and the newest segment only,
   * once per process.
   */
  async function wellLaidOut(rel: string): Promise<boolean> {
    const numbers = segmentsOnDisk(rel);
    if (numbers.some((n, i) => n !== i + 1)) return false;
    let text: string;
    try {
      text = await readFile(join(dir, rel), 'utf8');
    } catch {
      return false;
    }
    const lines = text.split('\n').length - 1;
    if (lines === 0 || lines > perSegment) return false;
    const sealed = numbers.length;
    let before = 0;
    if (sealed > 0) {
      const last = await readFile(join(dir, segmentPath(rel, sealed)), 'utf8').catch(() => '');
      const all = last.split('\n');
      if (all.length - 1 !== perSegment) return false;
      before = seqOfLine(all.at(-2) ?? '');
      if (before < 0) return false;
    }
    if (nextInStream(rel, before) !== seqOfLine(text.slice(0, text.indexOf('\n')))) return false;
    layouts.set(rel, { sealed, lines });
    return true;
  }

  async function handoffFiles(): Promise<string[]> {
    try {
      return (await readdir(join(dir, 'audit', 'handoffs')))
        .filter((n) => /^phase-\d+\.jsonl$/.test(n))
        .map((n) => `audit/handoffs/${n}`);
    } catch {
      return [];
    }
  }

  /**
   * Append the JSONL lines of every event after what the files hold. On a process's first sync each file's
   * last line says where it stopped (a file from another ledger is rebuilt); after that, cursors in memory.
   * Events reach their files in seq order, so only events after the lowest cursor are read.
   */
  async function appendJsonl(out: Set<string>): Promise<void> {
    const head = ledger.count();
    if (jsonl === null) {
      const fixed = new Map<string, number>();
      for (const [kind, rel] of Object.entries(JSONL_PATHS) as Array<[JsonlKind, string]>) {
        const at = await fileCursor(rel);
        // A file that ends with the newest event of its kind (or no file while there is none) is complete up
        // to the head. Else a quiet stream (git actions are rare) would hold the process's first scan back
        // to its last line, and every CLI command would read the history since then.
        const complete = at >= 0 && ledger.lastSeqOf(JSONL_SOURCES[kind]) <= at;
        // A stream laid out otherwise (the single file of older versions, a stopped seal) is rebuilt.
        if (at === 0 && complete) fixed.set(rel, head);
        else if (at <= 0 || !(await wellLaidOut(rel))) fixed.set(rel, await rebuild(rel, out));
        else fixed.set(rel, complete ? head : at);
      }
      let handoffs = ledger.lastSeqOf(HANDOFF_TYPES) === 0 ? head : 0;
      const known = new Map<string, number>();
      for (const rel of await handoffFiles()) {
        const at = await fileCursor(rel);
        const upTo = at <= 0 || !(await wellLaidOut(rel)) ? await rebuild(rel, out) : at;
        known.set(rel, upTo);
        handoffs = Math.max(handoffs, upTo);
      }
      if (handoffs > 0 && ledger.lastSeqOf(HANDOFF_TYPES) <= handoffs) handoffs = head;
      jsonl = { fixed, handoffs, known };
    }
    const j = jsonl;
    const from = Math.min(...j.fixed.values(), j.handoffs);
    const pending = new Map<string, string[]>();
    for (let after = from; ; ) {
      const page = ledger.readTypes(JSONL_TYPES, after, 5000);
      if (page.length === 0) break;
      for (const e of page) {
        const handoff = HANDOFF_TYPES.includes(e.type);
        if (e.seq <= (handoff ? j.handoffs : (j.fixed.get(streamOf(e.type)) ?? 0))) continue;
        const { path, line } = lineFor(
          e,
          (id) => concernAt(id, e.seq),
          (c) => concernState.set(c.id, c),
        );
        if (handoff) {
          j.handoffs = e.seq;
          if (!j.known.has(path)) {
            // No file for this phase yet: a new phase, or a file someone deleted (then rebuilt whole, once).
            const phase = Number(/phase-(\d+)\.jsonl$/.exec(path)?.[1] ?? 0);
            j.known.set(path, read.handoffRecordedBefore(phase, e.seq) ? await rebuild(path, out) : 0);
          }
          if (e.seq <= (j.known.get(path) ?? 0)) continue;
          j.known.set(path, e.seq);
        } else j.fixed.set(path, e.seq);
        const lines = pending.get(path);
        if (lines) lines.push(line);
        else pending.set(path, [line]);
      }
      after = page.at(-1)?.seq ?? after;
    }
    for (const [rel, lines] of pending) await appendStream(rel, lines, out);
    // Every event of these types up to the head read before the scan is in its file now, so the streams
    // that got none are complete up to it too (else one quiet stream would hold every scan back).
    for (const [rel, at] of j.fixed) j.fixed.set(rel, Math.max(at, head));
    j.handoffs = Math.max(j.handoffs, head);
  }

  /**
   * Append lines to a stream; when its file would pass perSegment lines, the oldest full segments are sealed
   * (written first, so a crash leaves a layout `wellLaidOut` refuses) and the file keeps the rest.
   */
  async function appendStream(rel: string, lines: string[], out: Set<string>): Promise<void> {
    let layout = layouts.get(rel);
    if (!layout) {
      // A stream this process has not looked at: a new handoff phase (no file), or one found complete.
      if (!(await wellLaidOut(rel))) layouts.set(rel, { sealed: segmentsOnDisk(rel).length, lines: 0 });
      layout = layouts.get(rel) ?? { sealed: 0, lines: 0 };
    }
    out.add(rel);
    if (layout.lines + lines.length <= perSegment) {
      await appendLines(rel, lines.join(''));
      layout.lines += lines.length;
      return;
    }
    const held = layout.lines > 0 ? await readFile(join(dir, rel), 'utf8') : '';
    let all = [
      ...held
        .split('\n')
        .slice(0, -1)
        .map((l) => `${l}\n`),
      ...lines,
    ];
    while (all.length > perSegment) {
      layout.sealed += 1;
      const seg = segmentPath(rel, layout.sealed);
      await writeSegment(seg, all.slice(0, perSegment).join(''));
      out.add(seg);
      all = all.slice(perSegment);
    }
    await writeFileAtomic(join(dir, rel), all.join(''));
    layout.lines = all.length;
  }

  async function appendLines(rel: string, text: string): Promise<void> {
    const abs = join(dir, rel);
    try {
      await stat(abs);
    } catch {
      await writeFileAtomic(abs, text);
      return;
    }
    const fh = await open(abs, 'a');
    try {
      // No fsync, as for the other exports: a line lost to a power cut is appended again from the ledger.
      await fh.writeFile(text);
    } finally {
      await fh.close();
    }
  }

  // ---- documents -----------------------------------------------------------------------------------

  async function writeIfChanged(rel: string, content: string, out: Set<string>): Promise<void> {
    const last = written.get(rel);
    if (last === content) return;
    const abs = join(dir, rel);
    // The file is read only the first time this process renders it (a file already right is not rewritten);
    // after that, what this process wrote is what it holds, and a change since is `verify`'s to find.
    let current: string | null = null;
    if (last === undefined) {
      try {
        current = await readFile(abs, 'utf8');
      } catch {
        current = null;
      }
    }
    if (current !== content) {
      await writeFileAtomic(abs, content);
      out.add(rel);
    }
    written.set(rel, content);
  }

  async function missing(paths: readonly string[]): Promise<boolean> {
    for (const p of paths) {
      try {
        await stat(join(dir, p));
      } catch {
        return true;
      }
    }
    return false;
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
    // Two documents reading the same field in one sync read it once.
    const loaded = readsFor(read);
    for (const p of PRODUCERS) {
      const reads = s.reads[p.name];
      const stale =
        s.seq === 0 || !reads || reads.some((f) => changed.has(f)) || (first && (await missing(s.files[p.name] ?? [])));
      if (!stale) continue;
      const used = new Set<Field>();
      const files = p.render(snapshotFor(p.name, used, loaded));
      s.reads[p.name] = [...used];
      s.files[p.name] = files.map(([rel]) => rel);
      await Promise.all(files.map(([rel, content]) => writeIfChanged(rel, content, out)));
    }
    await appendJsonl(out);
    s.seq = head;
    maybeSaveState(s);
    return [...out];
  }

  // The loop, the host and the Discord link each sync after their own changes, so calls overlap. Two
  // syncs at once could write an older rendering over a newer one, or append a JSONL line twice: they run
  // one after another, and callers that arrive while one waits to start share it (it starts after them).
  let tail: Promise<unknown> = Promise.resolve();
  let waiting: Promise<string[]> | null = null;

  function expected(): Map<string, string> {
    const files = renderAll(lazySnapshot(fullLoaders(read)));
    for (const [rel, content] of allJsonl()) files.set(rel, content);
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
      return jsonlPaths().includes(path) ? (allJsonl().get(path) ?? null) : null;
    },
    paths() {
      const s = syncState();
      const docs =
        s.seq > 0 && PRODUCERS.every((p) => s.files[p.name]) ? Object.values(s.files).flat() : [...documents().keys()];
      return [...docs, ...jsonlPaths()];
    },
    sealedRecords: () => sealedStore.records(),
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
