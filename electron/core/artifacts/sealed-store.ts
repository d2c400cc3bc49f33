/**
 * The bookkeeping of sealed audit segments (render/segments.ts): a segment never changes once written, so
 * what a commit or a QA gate needs to know about it is taken when it is sealed, while its bytes are in
 * hand, and kept in the ledger's `meta` table: its git blob (stored in the repository then) and its
 * sha256, size and modification time (the gate's manifest; the checkout's test that the file is unchanged,
 * as git tests its own index entries). Later commits, the user's checkout after a promotion and the
 * gate's manifest then name it without reading it, so their cost stays with what changed since the last
 * one, not with the history.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync } from 'node:fs';
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { writeFileAtomic } from './atomic.ts';
import { segmentDir, segmentNumber, segmentPath } from './render/segments.ts';

export interface Digest {
  sha256: string;
  bytes: number;
}

/** What was recorded about a sealed segment when it was written: its blob, its digest, its file's stat. */
export interface SealedRecord {
  oid: string;
  size: number;
  /** Rounded to the millisecond, as Node gives a Date and sets times from one (`cp -a` keeps them too). */
  mtimeMs: number;
}

/**
 * A sealed audit segment: immutable once written, read only when a commit does not hold it yet. Or, `live`,
 * a stream's tail known by its blob (live-tails.ts): it changes, so a commit compares `oid` with its own.
 */
export interface SealedExport {
  load: () => Promise<Buffer>;
  /** Its git blob, stored when it was sealed (see `storeBlob`); a live tail's blob as the file holds it now. */
  oid?: string;
  live?: true;
  /**
   * Its sha256 and size: as recorded when it was sealed while the file still has the size and modification
   * time it had then (git's own test for an unchanged file), else read and hashed.
   */
  digest: () => Promise<Digest>;
}

export interface SealedStore {
  /** Write a sealed segment (atomically), store its blob and record its blob id, digest and stat. */
  write(path: string, content: string): Promise<void>;
  /** The stored blob id of every sealed segment, by path. */
  blobs(): Map<string, string>;
  /** Every segment whose blob, size and modification time were recorded, by path. */
  records(): Map<string, SealedRecord>;
  /** Each of `paths` as a SealedExport, from one read of what is stored. */
  exports(paths: readonly string[]): Map<string, SealedExport>;
  /** The numbers of a stream's sealed segment files on disk, ascending. */
  onDisk(stream: string): number[];
  /** The segment's file still has the size and time recorded when it was sealed: it holds what was sealed. */
  intact(path: string): boolean;
}

interface Kept extends Digest {
  mtimeMs: number;
}

export function createSealedStore(
  dir: string,
  db: Database.Database,
  opts: { perSegment: number; storeBlob?: (content: Buffer) => Promise<string> },
): SealedStore {
  // Keyed by the segment size, which decides a segment's content.
  const blobKey = (path: string) => `segment-blob:${opts.perSegment}:${path}`;
  const keptKey = (path: string) => `segment-digest:${opts.perSegment}:${path}`;
  const put = (key: string, value: string) =>
    db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, value);
  const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
  /**
   * Every stored value under a key prefix, by the path after it: a range of the primary key, [prefix, the
   * prefix with its last character raised by one). `LIKE 'prefix%'` would read every meta row, since LIKE
   * ignores case and so cannot use the (case-sensitive) key index.
   */
  const stored = (prefix: string) =>
    new Map(
      db
        .prepare<[string, string], { key: string; value: string }>(
          'SELECT key, value FROM meta WHERE key >= ? AND key < ?',
        )
        .all(prefix, `${prefix.slice(0, -1)}${String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)}`)
        .map((r) => [r.key.slice(prefix.length), r.value]),
    );
  /** `sha256 bytes mtimeMs`, as `keep` writes it; null for anything else. */
  const parseKept = (value: string | undefined): Kept | null => {
    const [hash, bytes, mtime] = value?.split(' ') ?? [];
    const out = { sha256: hash ?? '', bytes: Number(bytes), mtimeMs: Number(mtime) };
    return /^[0-9a-f]{64}$/.test(out.sha256) && Number.isSafeInteger(out.bytes) && Number.isSafeInteger(out.mtimeMs)
      ? out
      : null;
  };
  /** Record a segment's digest with its file's stat now (the file holds `data`). */
  async function keep(path: string, data: Buffer): Promise<Digest> {
    const st = await lstat(join(dir, path));
    const kept = { sha256: sha256(data), bytes: data.byteLength, mtimeMs: Math.round(st.mtimeMs) };
    put(keptKey(path), `${kept.sha256} ${kept.bytes} ${kept.mtimeMs}`);
    return { sha256: kept.sha256, bytes: kept.bytes };
  }
  /**
   * Whether the file at `path` still has the size and modification time recorded with `kept`. Synchronous:
   * a gate's manifest asks this of every sealed segment, and a thread-pool round trip each (some 20 us
   * against 3 us) made the gate grow with the history by a millisecond per 50 segments.
   */
  function unchanged(path: string, kept: Kept): boolean {
    const st = lstatSync(join(dir, path), { throwIfNoEntry: false });
    return st?.isFile() === true && st.size === kept.bytes && Math.round(st.mtimeMs) === kept.mtimeMs;
  }

  return {
    async write(path, content) {
      const data = Buffer.from(content, 'utf8');
      await writeFileAtomic(join(dir, path), data);
      await keep(path, data);
      if (opts.storeBlob) put(blobKey(path), await opts.storeBlob(data));
    },
    blobs: () => stored(blobKey('')),
    intact(path) {
      const value = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(keptKey(path));
      const kept = parseKept(value?.value);
      return kept !== null && unchanged(path, kept);
    },
    records() {
      const oids = stored(blobKey(''));
      const out = new Map<string, SealedRecord>();
      for (const [path, value] of stored(keptKey(''))) {
        const kept = parseKept(value);
        const oid = oids.get(path);
        if (kept && oid) out.set(path, { oid, size: kept.bytes, mtimeMs: kept.mtimeMs });
      }
      return out;
    },
    exports(paths) {
      const oids = stored(blobKey(''));
      const kepts = stored(keptKey(''));
      return new Map(
        paths.map((path): [string, SealedExport] => {
          const load = () => readFile(join(dir, path));
          const oid = oids.get(path);
          const kept = parseKept(kepts.get(path));
          const digest = async (): Promise<Digest> => {
            if (kept && unchanged(path, kept)) return { sha256: kept.sha256, bytes: kept.bytes };
            const data = await load();
            // Sealed before digests were kept: recorded now, if the file still holds the blob stored then.
            if (!kept && (oid === undefined || oid === blobId(data))) return keep(path, data);
            return { sha256: sha256(data), bytes: data.byteLength };
          };
          return [path, { load, digest, ...(oid ? { oid } : {}) }];
        }),
      );
    },
    onDisk(stream) {
      try {
        return readdirSync(join(dir, segmentDir(stream)))
          .map(segmentNumber)
          .filter((n): n is number => n !== null)
          .sort((a, b) => a - b);
      } catch {
        return [];
      }
    },
  };
}

/** The git blob id of `data` (what `git hash-object` prints). */
function blobId(data: Buffer): string {
  return createHash('sha1').update(`blob ${data.byteLength}\0`).update(data).digest('hex');
}

/** A stream's files in reading order, given its sealed segment numbers: the segments, then its own file. */
export function streamFilesOf(stream: string, sealed: readonly number[]): string[] {
  return [...sealed.map((n) => segmentPath(stream, n)), stream];
}
