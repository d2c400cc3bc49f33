import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Ledger } from '../store/ledger.ts';
import { type FileStamp, renameStarted, stampNow, writeTemp } from './atomic.ts';
import type { DiskMemo } from './disk-memo.ts';
import type { KeptFiles } from './kept-files.ts';
import type { Field } from './sources.ts';

/** How often a process records how far its exports got, at most (see maybeSave). */
const SAVE_EVERY_MS = 5000;

/**
 * What a sync leaves for the next process: how far it got, what each document read and wrote, and each
 * document file's stamp as written (`inode:size:mtimeNs|sha1`, see writeIfChanged).
 */
export interface SyncState {
  seq: number;
  reads: Record<string, Field[]>;
  files: Record<string, string[]>;
  stamps: Record<string, string>;
}

const hashOf = (content: string) => createHash('sha1').update(content).digest('hex');

/**
 * How far the exports in `dir` got, kept in the ledger's `meta` table so the next process (a CLI command)
 * starts from it, and the document files as this process wrote them: a file whose stamp is the one
 * recorded holds what was written, so a fresh process need not read it back.
 */
export function createExportStamps(dir: string, ledger: Ledger, memo: DiskMemo, kept: KeptFiles) {
  // What this process last wrote (or found) at each path. It saves re-reading every export after every
  // step; a file changed behind our back is still caught by `verify`.
  const written = new Map<string, string>();
  // Paths whose stamp this process recorded and whose content hash is not yet added (saveState does).
  const unhashed = new Set<string>();
  const stateKey = `exports:${resolve(dir)}`;
  let state: SyncState | null = null;

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
  function maybeSave(s: SyncState, force = false): void {
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

  /**
   * Write a document unless the file already holds it. In a process, what it last wrote there is what the
   * file holds (a change since is `verify`'s to find). The first time, a file whose stamp (inode, size,
   * modification time) is the one the last sync recorded holds what that sync wrote, whose hash is kept
   * with the stamp: it is not read back. Any other file is read and compared.
   */
  async function writeIfChanged(s: SyncState, rel: string, content: string, out: Set<string>): Promise<void> {
    const last = written.get(rel);
    if (last === content) return;
    if (last === undefined) {
      const onDisk = await holds(s, rel, content);
      if (onDisk !== null) {
        written.set(rel, content);
        s.stamps[rel] = onDisk;
        unhashed.add(rel);
        memo.know(rel, onDisk, content);
        return;
      }
    }
    queued.push({ s, rel, content });
    out.add(rel);
    written.set(rel, content);
  }

  /** Documents `writeIfChanged` found changed, not written yet (`startWrites`). */
  const queued: Array<{ s: SyncState; rel: string; content: string }> = [];
  /** Writes `startWrites` started that `settle` has not awaited; a failed one resolves to its path. */
  const started: Array<Promise<{ s: SyncState; rel: string; err: unknown } | null>> = [];

  /**
   * Write the queued documents' temp files, then start their renames on the thread pool (atomic.ts says why
   * they run there). Every temp file is written before the first rename starts: a rename that replaces a
   * file holds its folder's lock while the kernel allocates and flushes the new file, and creating the next
   * temp file in that folder (the overview and the detail share docs/) waited for it on the main thread.
   */
  function startWrites(): void {
    if (queued.length === 0) return;
    // What the last sync that wrote replaced: freed once this one's renames are under way (kept-files.ts).
    const replaced = kept.take();
    const temps: Array<{ w: (typeof queued)[number]; tmp: string; path: string }> = [];
    for (const w of queued.splice(0)) {
      try {
        const path = join(dir, w.rel);
        const { tmp, stamp } = writeTemp(path, w.content);
        w.s.stamps[w.rel] = stamp;
        unhashed.add(w.rel);
        // Known before the rename lands: until it does, a stat finds the old file's stamp and reads that.
        memo.know(w.rel, stamp, w.content);
        temps.push({ w, tmp, path });
      } catch (err) {
        started.push(Promise.resolve({ ...w, err }));
      }
    }
    // The files these renames replace keep a second name until the next sync (kept-files.ts says why).
    for (const { path } of temps) kept.keep(path);
    // Handled at once (a rejection nobody waits for yet would be an unhandled one); `settle` reports it.
    for (const { w, tmp, path } of temps)
      started.push(
        renameStarted(tmp, path).then(
          () => null,
          (err: unknown) => ({ ...w, err }),
        ),
      );
    // Queued after the renames: the thread pool takes them first.
    if (replaced.length > 0) started.push(kept.release(replaced).then(() => null));
  }

  /**
   * Wait for every write started to be in place. A write that failed is forgotten (the next sync writes it
   * again) and the first failure is thrown once all have settled.
   */
  async function settle(): Promise<void> {
    startWrites();
    const failed = (await Promise.all(started.splice(0))).filter((r) => r !== null);
    for (const { s, rel } of failed) {
      written.delete(rel);
      unhashed.delete(rel);
      delete s.stamps[rel];
      memo.forget(rel);
    }
    if (failed[0]) throw failed[0].err;
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

  return {
    /** What the last sync left, read from the ledger once per process. */
    state(): SyncState {
      if (state === null) state = loadState();
      return state;
    },
    /** Whether this process has read the state yet (its first sync checks every document file's stamp). */
    loaded: () => state !== null,
    /** What a document reads or writes changed: serialised again at the next save, which then is not put off. */
    reshaped(): void {
      shapeStale = true;
    },
    maybeSave,
    /** Record how far the exports got now, if a sync since the last record moved on (at close). */
    flush(): void {
      if (state) maybeSave(state, true);
    },
    writeIfChanged,
    startWrites,
    settle,
    touched,
  };
}
