/**
 * The append-only audit JSONL streams (commands, responses, git actions, concerns, and each phase's
 * handoffs), kept in step with the ledger incrementally: each file's last line (its `event_id`) is the
 * cursor, so only newer events are read, a crash mid-append is repaired on the next sync, and nothing is
 * written twice. A stream keeps its newest lines in its own file and the older ones in sealed segments
 * (render/segments.ts, sealed-store.ts).
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Concern, EventPayload, EventType, Handoff, LedgerEvent } from '../../../shared/index.ts';
import { type ConcernChange, EventPayloads, applyConcernChange } from '../../../shared/index.ts';
import type { Ledger } from '../store/ledger.ts';
import type { Reader } from '../store/read.ts';
import { writeFileAtomic } from './atomic.ts';
import { receiveAppends } from './received-events.ts';
import { appendLines, handoffFiles, lastLine } from './jsonl-files.ts';
import { createLayoutCheck } from './stream-layout.ts';
import { JSONL_SOURCES } from './stream-sources.ts';
import { HANDOFF_TYPES, JSONL_PATHS, type JsonlKind, handoffPath, handoffRecord, jsonlRecord } from './render/index.ts';
import { segmentDir, segmentPath, splitStream } from './render/segments.ts';
import { type SealedStore, streamFilesOf } from './sealed-store.ts';
import type { DiskMemo } from './disk-memo.ts';

/** The fixed JSONL file an event type is written to. */
function streamOf(type: EventType): string {
  for (const [kind, types] of Object.entries(JSONL_SOURCES) as Array<[JsonlKind, readonly EventType[]]>)
    if (types.includes(type)) return JSONL_PATHS[kind];
  return '';
}

export interface AuditStreams {
  /**
   * Append the lines of every event after what the files hold, up to `head` (the ledger's newest seq, read
   * by the caller before) at least; adds the paths it wrote to `out`.
   */
  append(out: Set<string>, head: number): Promise<void>;
  /** Every stream's files, whole, from the whole history (verify, and a file that must be rebuilt). */
  all(): Map<string, string>;
  /** Every file of a stream, in reading order: its sealed segments, then the stream's own file. */
  streamFiles(rel: string): string[];
  /** The handoff stream files on disk (one per phase). */
  handoffFiles(): Promise<string[]>;
}

export function createAuditStreams(
  dir: string,
  ledger: Ledger,
  read: Reader,
  opts: { perSegment: number; sealed: SealedStore; memo: DiskMemo },
): AuditStreams {
  const { perSegment, sealed: sealedStore, memo } = opts;
  // Rewritten whole (rare: a rebuild, a seal): the next commit reads the file once.
  const rewrite = (rel: string, content: string) => {
    memo.forget(rel);
    return writeFileAtomic(join(dir, rel), content);
  };
  const writeSegment = (path: string, content: string) => sealedStore.write(path, content);
  // Each JSONL stream's layout on disk as this process knows it: sealed segments and lines in its own file.
  const layouts = new Map<string, { sealed: number; lines: number }>();
  // JSONL files reconciled this process: the seq of the last event in each fixed file, in any handoff
  // file (they share one stream), and in each handoff file seen.
  let jsonl: { fixed: Map<string, number>; handoffs: number; known: Map<string, number> } | null = null;
  // Concerns as of the last concern line appended, so a change is applied to the state before it.
  const concernState = new Map<string, Concern>();

  const JSONL_TYPES: readonly EventType[] = [...Object.values(JSONL_SOURCES).flat(), ...HANDOFF_TYPES];
  const received = receiveAppends(ledger, JSONL_TYPES);

  /**
   * The JSONL line of one event and its file. A concern line carries the concern as it stood after the
   * event, so `before(id)` gives its state before, and `after(c)` is told the new one.
   */
  function lineFor(
    e: LedgerEvent,
    before: (id: string) => Concern,
    after: (c: Concern) => void,
    validated = false,
  ): { path: string; line: string } {
    const tail = (record: Record<string, unknown>) => `${JSON.stringify({ ...record, event_id: e.id })}\n`;
    // An event this process appended holds the payload its schema output (received-events.ts); one read
    // back from SQLite is parsed like any input.
    const payload = <T extends EventType>(type: T): EventPayload<T> =>
      validated ? (e.payload as EventPayload<T>) : (EventPayloads[type].parse(e.payload) as EventPayload<T>);
    switch (e.type) {
      case 'command.received':
        return { path: JSONL_PATHS.commands, line: tail(jsonlRecord('commands', payload('command.received'))) };
      case 'response.sent':
        return { path: JSONL_PATHS.responses, line: tail(jsonlRecord('responses', payload('response.sent'))) };
      case 'git.action_recorded':
        return {
          path: JSONL_PATHS.git_actions,
          line: tail(jsonlRecord('git_actions', payload('git.action_recorded'))),
        };
      case 'handoff.recorded': {
        const h = payload('handoff.recorded');
        remember(h);
        return { path: handoffPath(h.phase), line: tail(handoffRecord(h)) };
      }
      case 'handoff.status_changed': {
        const p = payload('handoff.status_changed');
        const h = handoffAsRecorded(p.handoff_id, e.seq);
        return { path: handoffPath(h.phase), line: tail(handoffRecord({ ...h, status: p.status })) };
      }
      case 'concern.raised': {
        const c = payload('concern.raised');
        after(c);
        return { path: JSONL_PATHS.concerns, line: tail(jsonlRecord('concerns', c)) };
      }
      default: {
        const change = { type: e.type, payload: payload(e.type as ConcernChange['type']) } as ConcernChange;
        const c = applyConcernChange(before(change.payload.concern_id), change, e.ts);
        after(c);
        return { path: JSONL_PATHS.concerns, line: tail(jsonlRecord('concerns', c)) };
      }
    }
  }

  // The handoffs last recorded, by id: a status change usually follows its handoff within a few events, and
  // finding the recording in the ledger is a query per change. Bounded: older ones are looked up.
  const recent = new Map<string, Handoff>();
  function remember(h: Handoff): void {
    // As the ledger lookup finds it: the first recording of an id (old ledgers hold handoffs without one).
    if (h.id === '' || recent.has(h.id)) return;
    recent.set(h.id, h);
    if (recent.size > 256) for (const id of recent.keys()) if (recent.delete(id)) break;
  }

  /** A handoff as recorded: only its status ever changes, and each status change carries the new one. */
  function handoffAsRecorded(id: string, upTo: number): Handoff {
    const known = recent.get(id);
    if (known) return known;
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
      // A short page is the last: no query only to learn that nothing follows.
      if (page.length < 5000) break;
      after = page.at(-1)?.seq ?? after;
    }
    return new Map([...files].flatMap(([path, lines]) => splitStream(path, lines, perSegment)));
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
      await (path === rel ? rewrite(path, content) : writeSegment(path, content));
      out.add(path);
    }
    if (!all.has(rel)) {
      await rewrite(rel, '');
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

  const layoutOf = createLayoutCheck({ dir, ledger, read, perSegment, sealedStore, handoffAsRecorded });
  /** Whether a stream's files are laid out as this version writes them (stream-layout.ts); once per process. */
  async function wellLaidOut(rel: string): Promise<boolean> {
    const layout = await layoutOf(rel);
    if (layout) layouts.set(rel, layout);
    return layout !== null;
  }

  /**
   * Append the JSONL lines of every event after what the files hold. On a process's first sync each file's
   * last line says where it stopped (a file from another ledger is rebuilt); after that, cursors in memory.
   * Events reach their files in seq order, so only events after the lowest cursor are read.
   */
  async function appendJsonl(out: Set<string>, head: number): Promise<void> {
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
      for (const rel of await handoffFiles(dir)) {
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
    const take = async (e: LedgerEvent, validated: boolean): Promise<void> => {
      const handoff = HANDOFF_TYPES.includes(e.type);
      if (e.seq <= (handoff ? j.handoffs : (j.fixed.get(streamOf(e.type)) ?? 0))) return;
      const { path, line } = lineFor(
        e,
        (id) => concernAt(id, e.seq),
        (c) => concernState.set(c.id, c),
        validated,
      );
      if (handoff) {
        j.handoffs = e.seq;
        if (!j.known.has(path)) {
          // No file for this phase yet: a new phase, or a file someone deleted (then rebuilt whole, once).
          const phase = Number(/phase-(\d+)\.jsonl$/.exec(path)?.[1] ?? 0);
          j.known.set(path, read.handoffRecordedBefore(phase, e.seq) ? await rebuild(path, out) : 0);
        }
        if (e.seq <= (j.known.get(path) ?? 0)) return;
        j.known.set(path, e.seq);
      } else j.fixed.set(path, e.seq);
      const lines = pending.get(path);
      if (lines) lines.push(line);
      else pending.set(path, [line]);
    };
    // What this process appended since the cursors, as the ledger handed it over; the rest (all of it when
    // another process appended in between) is read back.
    const got = received.after(from);
    let after = from;
    if (got) {
      for (const e of got.events) await take(e, true);
      after = Math.max(from, got.through);
    }
    if (!got || got.through < head)
      for (;;) {
        const page = ledger.readTypes(JSONL_TYPES, after, 5000);
        if (page.length === 0) break;
        for (const e of page) await take(e, false);
        // A short page is the last (one query per sync, not two); an event appended since has a later seq
        // than every cursor and is read by the next sync.
        if (page.length < 5000) break;
        after = page.at(-1)?.seq ?? after;
      }
    for (const [rel, lines] of pending) await appendStream(rel, lines, out);
    // Every event of these types up to the head read before the scan is in its file now, so the streams
    // that got none are complete up to it too (else one quiet stream would hold every scan back).
    for (const [rel, at] of j.fixed) j.fixed.set(rel, Math.max(at, head));
    j.handoffs = Math.max(j.handoffs, head);
    received.drop(Math.min(...j.fixed.values(), j.handoffs));
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
      appendLines(dir, rel, lines.join(''), memo);
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
    await rewrite(rel, all.join(''));
    layout.lines = all.length;
  }

  return { append: appendJsonl, all: allJsonl, streamFiles, handoffFiles: () => handoffFiles(dir) };
}
