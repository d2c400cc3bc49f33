import { open, readFile, readdir, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import type { Concern, EventType, LedgerEvent } from '../../../shared/index.ts';
import { type ConcernChange, EventPayloads, applyConcernChange } from '../../../shared/index.ts';
import type { Ledger } from '../store/ledger.ts';
import type { Reader } from '../store/read.ts';

import { writeFileAtomic } from './atomic.ts';
import { JSONL_PATHS, type JsonlKind, jsonlRecord, renderAll } from './render/index.ts';

const JSONL_SOURCES: Record<JsonlKind, readonly EventType[]> = {
  commands: ['command.received'],
  responses: ['response.sent'],
  git_actions: ['git.action_recorded'],
  concerns: ['concern.raised', 'concern.acknowledged', 'concern.assigned', 'concern.resolved', 'concern.escalated', 'concern.discord_posted'],
};

export interface ExportMismatch {
  path: string;
  problem: 'missing' | 'differs';
}

export interface Exporter {
  /** Bring every export on disk in line with the ledger; returns the paths it wrote. */
  sync(): Promise<string[]>;
  /** Exports that do not match what the ledger renders to. */
  verify(): Promise<ExportMismatch[]>;
  /** The full expected content of every export, as the ledger renders it. */
  expected(): Map<string, string>;
}

/**
 * Files in the project are exports of the ledger. Documents are re-rendered and replaced atomically
 * when they change; the audit JSONL files are appended incrementally, using the file's own last line
 * (its `event_id`) as the cursor, so a crash mid-append is repaired on the next sync and never duplicated.
 */
export function createExporter(dir: string, ledger: Ledger, read: Reader): Exporter {
  // What this process last wrote (or found) at each path. It saves re-reading every export after every
  // step; a file changed behind our back is still caught by `verify`, and by the next process's sync.
  const written = new Map<string, string>();
  // JSONL files already reconciled with the file on disk, and the last ledger seq appended to each.
  const jsonlCursor = new Map<JsonlKind, number>();
  let swept = false;
  /** One JSONL record per event; concern lines carry the concern as it stood after that event. */
  function jsonlEntries(kind: JsonlKind): Array<{ eventId: string; seq: number; line: string }> {
    const events = ledger.readTypes(JSONL_SOURCES[kind]);
    const state = new Map<string, Concern>();
    return events.map((e) => ({ eventId: e.id, seq: e.seq, line: `${JSON.stringify({ ...jsonlRecord(kind, recordFor(kind, e, state) as never), event_id: e.id })}\n` }));
  }

  function expected(): Map<string, string> {
    const files = renderAll(read.snapshot());
    for (const kind of Object.keys(JSONL_PATHS) as JsonlKind[]) {
      const lines = jsonlEntries(kind);
      if (lines.length > 0) files.set(JSONL_PATHS[kind], lines.map((l) => l.line).join(''));
    }
    return files;
  }

  async function appendJsonl(kind: JsonlKind): Promise<boolean> {
    const path = join(dir, JSONL_PATHS[kind]);
    const cursor = jsonlCursor.get(kind);
    if (cursor !== undefined) {
      // Fast path: the file is known to hold everything up to `cursor`; append only newer events.
      const fresh = ledger.readTypes(JSONL_SOURCES[kind], cursor, 1);
      if (fresh.length === 0) return false;
    }
    const entries = jsonlEntries(kind);
    jsonlCursor.set(kind, entries.at(-1)?.seq ?? 0);
    let text: string | null = null;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      text = null;
    }
    if (text === null) {
      if (entries.length === 0) return false;
      await writeFileAtomic(path, entries.map((e) => e.line).join(''));
      return true;
    }
    // A torn last line (the process died mid-append) is cut off and written again below.
    const complete = text.endsWith('\n') ? text : text.slice(0, text.lastIndexOf('\n') + 1);
    if (complete.length !== text.length) await truncate(path, Buffer.byteLength(complete));
    const lastLine = complete.trimEnd().split('\n').at(-1) ?? '';
    let after = 0;
    if (lastLine) {
      const lastId = (JSON.parse(lastLine) as { event_id?: string }).event_id;
      const idx = entries.findIndex((e) => e.eventId === lastId);
      if (idx < 0) {
        // The file does not belong to this ledger's history: rebuild it whole rather than guess.
        await writeFileAtomic(path, entries.map((e) => e.line).join(''));
        return true;
      }
      after = idx + 1;
    }
    const missing = entries.slice(after);
    if (missing.length === 0) return complete.length !== text.length;
    const fh = await open(path, 'a');
    try {
      // No fsync, as for the other exports: a line lost to a power cut is appended again from the ledger.
      await fh.writeFile(missing.map((e) => e.line).join(''));
    } finally {
      await fh.close();
    }
    return true;
  }

  async function syncOnce(): Promise<string[]> {
    if (!swept) {
      swept = true;
      await sweepTempFiles(dir, [...renderAll(read.snapshot()).keys(), ...Object.values(JSONL_PATHS)]);
    }
    const out: string[] = [];
    const changed = [...renderAll(read.snapshot())].filter(([rel, content]) => written.get(rel) !== content);
    // Independent files: write them concurrently, each one atomically.
    await Promise.all(
      changed.map(async ([rel, content]) => {
        const abs = join(dir, rel);
        let current: string | null = null;
        try {
          current = await readFile(abs, 'utf8');
        } catch {
          current = null;
        }
        if (current !== content) {
          await writeFileAtomic(abs, content);
          out.push(rel);
        }
        written.set(rel, content);
      }),
    );
    for (const kind of Object.keys(JSONL_PATHS) as JsonlKind[]) if (await appendJsonl(kind)) out.push(JSONL_PATHS[kind]);
    return out;
  }

  // The loop, the host and the Discord link each sync after their own changes, so calls overlap. Two
  // syncs at once could write an older rendering over a newer one, or append a JSONL line twice: they run
  // one after another, and callers that arrive while one waits to start share it (it starts after them).
  let tail: Promise<unknown> = Promise.resolve();
  let waiting: Promise<string[]> | null = null;

  return {
    expected,
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

function recordFor(kind: JsonlKind, e: LedgerEvent, concerns: Map<string, Concern>): unknown {
  switch (e.type) {
    case 'command.received':
    case 'response.sent':
    case 'git.action_recorded':
      return e.payload;
    case 'concern.raised': {
      const c = EventPayloads['concern.raised'].parse(e.payload);
      concerns.set(c.id, c);
      return c;
    }
    default: {
      const change = { type: e.type, payload: EventPayloads[e.type as ConcernChange['type']].parse(e.payload) } as ConcernChange;
      const prev = concerns.get(change.payload.concern_id);
      if (!prev) throw new Error(`${kind}: ${e.type} for unknown concern ${change.payload.concern_id}`);
      const c = applyConcernChange(prev, change, e.ts);
      concerns.set(c.id, c);
      return c;
    }
  }
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
