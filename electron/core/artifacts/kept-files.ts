/**
 * The files a sync's renames replace, kept under a second name until the next sync that writes, which
 * unlinks them once its own renames are under way.
 *
 * Why: on ext4, most of the cost of a rename that replaces a file is freeing the file it replaces (its inode
 * and blocks, whose data the last sync's rename had just sent to disk): measured here 0.14 ms per rename
 * quiet and about 1 ms under I/O load, against 0.04 ms when the replaced file keeps another name. The
 * documents the loop rewrites after every step (overview, detail, status.json) paid it three times a
 * step. Unlinked right after (by the next sync, which often writes nothing), they cost as much again;
 * a step later, behind the next sync's renames on the thread pool, their data is on disk and they are
 * freed cheaply. Nothing about the writes changes: each is still a temp file renamed over the document, so
 * readers see the old file or the new one; the old one only lives a step longer, as it would for a reader
 * holding it open.
 *
 * The second names live in `.governor/replaced/` (the project's state, out of git and of the agents'
 * reach). A project without `.governor/` keeps nothing. Any failure here only costs the time it saves.
 */
import { existsSync, linkSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { tempSuffix } from './atomic.ts';

export interface KeptFiles {
  /** Give the file at `path` a second name until it is released; false if it has none (no file, a failure). */
  keep(path: string): boolean;
  /** The names kept so far, handed over to be released once the renames after them have started. */
  take(): string[];
  /** Unlink names `take` handed over (on the thread pool); settles when done, never rejects. */
  release(names: readonly string[]): Promise<void>;
  /** Unlink everything kept now (a process closing). */
  releaseNow(): void;
  /** How many files were kept, in this process (tests hold a sync to it). */
  count(): number;
}

export function createKeptFiles(projectDir: string): KeptFiles {
  const state = join(projectDir, '.governor');
  const folder = join(state, 'replaced');
  let ready: boolean | null = null;
  let kept: string[] = [];
  let count = 0;

  /** Once per process: a folder for the second names, emptied of what a killed process left there. */
  function prepare(): boolean {
    if (ready !== null) return ready;
    ready = existsSync(state);
    if (!ready) return false;
    try {
      for (const name of readdirSync(folder)) rmSync(join(folder, name), { force: true });
    } catch {
      // No folder yet.
    }
    try {
      mkdirSync(folder, { recursive: true });
    } catch {
      ready = false;
    }
    return ready;
  }

  function link(path: string, name: string): boolean {
    try {
      linkSync(path, name);
      return true;
    } catch (err) {
      // ENOENT: no file yet (a first write), or another process emptied the folder (its first sync did).
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !existsSync(path)) return false;
      try {
        mkdirSync(folder, { recursive: true });
        linkSync(path, name);
        return true;
      } catch {
        return false;
      }
    }
  }

  return {
    keep(path) {
      if (!prepare()) return false;
      const name = join(folder, tempSuffix());
      if (!link(path, name)) return false;
      kept.push(name);
      count += 1;
      return true;
    },
    take() {
      const names = kept;
      kept = [];
      return names;
    },
    async release(names) {
      await Promise.all(names.map((name) => unlink(name).catch(() => {})));
    },
    releaseNow() {
      for (const name of kept.splice(0)) rmSync(name, { force: true });
    },
    count: () => count,
  };
}
