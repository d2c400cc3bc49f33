import { readdirSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Ledger } from '../store/ledger.ts';
import type { Reader } from '../store/read.ts';
import { createAuditStreams } from './audit-streams.ts';
import { receiveAppends } from './received-events.ts';
import { createDiskMemo } from './disk-memo.ts';
import { createKeptFiles } from './kept-files.ts';
import { type SyncState, createExportStamps } from './export-stamps.ts';
import { createRenderCache, kindOf, readsFor, snapshotFor } from './render-cache.ts';
import { JSONL_PATHS, PRODUCERS, handoffPath, renderAll } from './render/index.ts';
import { SEGMENT_LINES, segmentNumber } from './render/segments.ts';
import { type SealedExport, type SealedRecord, createSealedStore } from './sealed-store.ts';
import { createLiveTails } from './live-tails.ts';
import { type Field, fieldsChangedBy, fullLoaders, lazySnapshot } from './sources.ts';

export type { SealedExport } from './sealed-store.ts';

const sameList = (a: readonly string[] | undefined, b: readonly string[]) =>
  a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);

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
   * Every sealed segment's git blob id, with its file's size and modification time when it was sealed, and
   * each stream tail's as its last commit took it (live-tails.ts), by path: a file that still has them holds
   * that blob (git's own test for an unchanged file).
   */
  recordedBlobs(): Map<string, SealedRecord>;
  /** Record how far the exports got now, if a sync since the last record moved on (at close). */
  flush(): void;
  /** How many times this process's syncs rendered each document, and how many sections they rendered. */
  renders(): { documents: Record<string, number>; sections: number };
  /** How many replaced files this process's syncs kept until the next sync (kept-files.ts). */
  keptFiles(): number;
  /** How many export files `committable` read from disk in this process (the rest it knew, disk-memo.ts). */
  committableReads(): number;
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
  const memo = createDiskMemo(dir);
  const tails = createLiveTails(dir, ledger.db, memo);
  const streams = createAuditStreams(dir, ledger, read, { perSegment, sealed: sealedStore, memo });
  const { streamFiles, handoffFiles } = streams;
  const kept = createKeptFiles(dir);
  const stamps = createExportStamps(dir, ledger, memo, kept);
  const cache = createRenderCache(read);
  let swept = false;
  // Every event this process appended (received-events.ts): the types since the last sync, without a query.
  const appended = receiveAppends(ledger, null);

  /** The types of the events after `seq`: from those this process appended when it saw them all, else read. */
  function newTypes(seq: number, head: number): string[] {
    const seen = appended.after(seq);
    if (seen && seen.through >= head) return [...new Set(seen.events.map((e) => e.type))];
    // A few events since (another process's step): walked by seq. NOT INDEXED, else SQLite walks the whole
    // (type, seq) index to list the types. Many (a copied project, exports left behind by a crash or an
    // import): each type the ledger holds, found by skipping through that index, and its newest event, two
    // seeks a type, where walking a million new rows held the event loop for about 100 ms.
    const sql = head - seq <= WALK_NEW_EVENTS ? NEW_TYPES_WALKED : NEW_TYPES_SKIPPED;
    return ledger.db
      .prepare<[number], { type: string }>(sql)
      .all(seq)
      .map((r) => r.type);
  }

  async function syncOnce(): Promise<string[]> {
    const first = !stamps.loaded();
    const s = stamps.state();
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
    const types = head > s.seq ? newTypes(s.seq, head) : [];
    const changed = fieldsChangedBy(types);
    cache.forget(changed, types);
    try {
      await renderDocuments(s, first, changed, out);
      // The documents' renames run on the thread pool while the audit lines are appended (export-stamps.ts).
      stamps.startWrites();
      await streams.append(out, head);
      await stamps.settle();
    } catch (err) {
      cache.forgetAll();
      // The writes already started finish before the next sync may start its own.
      await stamps.settle().catch(() => {});
      throw err;
    }
    s.seq = head;
    appended.drop(head);
    stamps.maybeSave(s);
    return [...out];
  }

  async function renderDocuments(s: SyncState, first: boolean, changed: Set<Field>, out: Set<string>): Promise<void> {
    // Two documents reading the same field read it once, and a field no event changed since is not re-read.
    const loaded = cache.reads();
    for (const p of PRODUCERS) {
      const reads = s.reads[p.name];
      // A new process also re-renders a document whose file was edited, deleted or written by an older version.
      const stale =
        s.seq === 0 ||
        !reads ||
        (first && stamps.touched(s, s.files[p.name] ?? [])) ||
        reads.some((f) => cache.changedIn(kindOf(p.name), f, changed, loaded));
      if (!stale) continue;
      const used = new Set<Field>();
      const files = cache.renderProducer(p, loaded, changed, used);
      // Sorted: the fields a cached section used come in another order than when it rendered.
      const nextReads = [...used].sort();
      const nextFiles = files.map(([rel]) => rel);
      if (!sameList(s.reads[p.name], nextReads) || !sameList(s.files[p.name], nextFiles)) stamps.reshaped();
      s.reads[p.name] = nextReads;
      s.files[p.name] = nextFiles;
      for (const [rel, content] of files) await stamps.writeIfChanged(s, rel, content, out);
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
  const isTail = (path: string) => path.startsWith('audit/') && path.endsWith('.jsonl') && !isSealed(path);

  return {
    expected,
    flush() {
      // A CLI command exits seconds after its last sync: without this the next process re-renders from
      // an older record (correct, but it reads what this one already did).
      stamps.flush();
      kept.releaseNow();
    },
    rendered(path) {
      // The producer that wrote this path last time, if a sync said so; else every document.
      const s = stamps.state();
      const owner = Object.entries(s.files).find(([, files]) => files.includes(path))?.[0];
      const doc = documents(owner ? (name) => name === owner : undefined).get(path);
      if (doc !== undefined) return doc;
      return jsonlPaths().includes(path) ? (streams.all().get(path) ?? null) : null;
    },
    paths() {
      const s = stamps.state();
      const docs =
        s.seq > 0 && PRODUCERS.every((p) => s.files[p.name]) ? Object.values(s.files).flat() : [...documents().keys()];
      return [...docs, ...jsonlPaths()];
    },
    recordedBlobs: () => new Map([...sealedStore.records(), ...tails.records(jsonlPaths().filter(isTail))]),
    renders: () => cache.renders(),
    keptFiles: () => kept.count(),
    committableReads: () => memo.reads(),
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
        // A stream's newest lines, by the blob its last commit recorded while the file is unchanged since.
        if (isTail(rel)) {
          const tail = tails.take(rel);
          if (tail) out.set(rel, tail);
          continue;
        }
        // What this process wrote or read, unless a stat finds the file changed since (disk-memo.ts).
        const bytes = memo.bytes(rel);
        // An export with nothing in it yet (no handoff of a phase) has no file.
        if (bytes !== null) out.set(rel, bytes);
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

/** Up to this many events since the last sync, their types are read by walking them (`newTypes`). */
const WALK_NEW_EVENTS = 2_000;
const NEW_TYPES_WALKED = 'SELECT DISTINCT type FROM events NOT INDEXED WHERE seq > ?';
/** A skip-scan of events_type (type, seq): the next type after each one, then whether it has events after `?`. */
const NEW_TYPES_SKIPPED = `WITH RECURSIVE t(type) AS (
    SELECT MIN(type) FROM events
    UNION ALL
    SELECT (SELECT MIN(type) FROM events WHERE type > t.type) FROM t WHERE t.type IS NOT NULL
  )
  SELECT type FROM t WHERE type IS NOT NULL AND (SELECT MAX(seq) FROM events e WHERE e.type = t.type) > ?`;

/** The temp files `writeFileAtomic` leaves behind when a process is killed between write and rename. */
export const ATOMIC_TEMP = /\.[0-9a-f]{12}\.tmp$/;

/** Remove temp files a killed run left next to our exports; never touches anything else. */
async function sweepTempFiles(dir: string, exports: readonly string[]): Promise<void> {
  const bases = new Set(exports);
  const folders = new Set(exports.map((p) => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '')));
  for (const folder of folders) {
    let names: string[];
    try {
      // Synchronous: once per process, a small folder each, and a thread-pool round trip per folder (one per
      // stream's segments) cost more than the listing.
      names = readdirSync(join(dir, folder));
    } catch {
      continue;
    }
    for (const name of names) {
      const rel = folder ? `${folder}/${name}` : name;
      if (ATOMIC_TEMP.test(name) && bases.has(rel.replace(ATOMIC_TEMP, ''))) await rm(join(dir, rel), { force: true });
    }
  }
}
