/**
 * Whether an audit stream's files are laid out as this version writes them (render/segments.ts): sealed
 * segments 1..n of `perSegment` lines, and 1 to `perSegment` lines in the stream's own file, whose first
 * record comes right after the last segment's last in the stream. Not so after a seal stopped between
 * writing a segment and rewriting the file, or when segments are missing: then the stream is rebuilt. A new
 * process checks each stream once, from the first line of its own file, the last line of its newest
 * segment, and the ledger's next event of the stream after it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Handoff, LedgerEvent } from '../../../shared/index.ts';
import { EventPayloads } from '../../../shared/index.ts';
import type { Ledger } from '../store/ledger.ts';
import type { Reader } from '../store/read.ts';
import { JSONL_SOURCES } from './stream-sources.ts';
import { countLines, lastFullLine, lastFullLineOf, newlines } from './jsonl-files.ts';
import { HANDOFF_TYPES, JSONL_PATHS, type JsonlKind, handoffPath } from './render/index.ts';
import { segmentPath } from './render/segments.ts';
import type { SealedStore } from './sealed-store.ts';

export interface StreamLayout {
  sealed: number;
  lines: number;
}

export function createLayoutCheck(deps: {
  dir: string;
  ledger: Ledger;
  read: Reader;
  perSegment: number;
  sealedStore: SealedStore;
  /** A handoff as recorded, for the phase a status change belongs to. */
  handoffAsRecorded: (id: string, upTo: number) => Handoff;
}): (rel: string) => Promise<StreamLayout | null> {
  const { dir, ledger, read, perSegment, sealedStore, handoffAsRecorded } = deps;

  /** The seq of the stream's first event after `after`, or null. */
  function nextInStream(rel: string, after: number): number | null {
    const kind = (Object.keys(JSONL_PATHS) as JsonlKind[]).find((k) => JSONL_PATHS[k] === rel);
    const types = kind ? JSONL_SOURCES[kind] : HANDOFF_TYPES;
    // A phase's handoffs start with its first recording (a status change follows its handoff's), found by
    // index: paging through every handoff since `after` read each earlier phase's, 130 ms at 100k events in
    // every new process, for a phase file with no sealed segment yet.
    const phase = /^audit\/handoffs\/phase-(\d+)\.jsonl$/.exec(rel)?.[1];
    let from = after;
    if (!kind && phase && !read.handoffWithoutId()) {
      const first = read.firstHandoffSeq(Number(phase));
      if (first === null) return null;
      from = Math.max(after, first - 1);
    }
    for (let a = from; ; ) {
      // A fixed stream's next event is the first of its types; a phase's handoffs page past other phases'.
      const page = ledger.readTypes(types, a, kind ? 1 : 200);
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

  return async function layoutOf(rel: string): Promise<StreamLayout | null> {
    const numbers = sealedStore.onDisk(rel);
    if (numbers.some((n, i) => n !== i + 1)) return null;
    // Counted in chunks: the file holds up to a segment's worth (450 kB of /status answers), and reading,
    // decoding and splitting it whole cost every new process some 4 ms and a collection at 100k events.
    const own = countLines(join(dir, rel));
    if (own === null) return null;
    const { lines, first } = own;
    if (lines === 0 || lines > perSegment) return null;
    const sealed = numbers.length;
    let before = 0;
    if (sealed > 0) {
      const segment = segmentPath(rel, sealed);
      // A segment as sealed (its recorded size and time) has its lines: only its last one is read.
      if (sealedStore.intact(segment)) before = seqOfLine(lastFullLineOf(join(dir, segment)) ?? '');
      else {
        const last = await readFile(join(dir, segment)).catch(() => Buffer.alloc(0));
        if (newlines(last) !== perSegment) return null;
        before = seqOfLine(lastFullLine(last));
      }
      if (before < 0) return null;
    }
    if (nextInStream(rel, before) !== seqOfLine(first)) return null;
    return { sealed, lines };
  };
}
