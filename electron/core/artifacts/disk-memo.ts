import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FileStamp, stampNow } from './atomic.ts';

/**
 * What each export file holds, as far as this process knows it, with the file's stamp (inode, size,
 * modification time) when it held that. The exporter writes every export itself, so a commit of the records
 * or the QA gate's manifest (`committable`) takes a file's bytes from here when a stat finds the stamp
 * unchanged, and reads only what is unknown or changed on disk (git's own test for an unchanged file).
 * An entry comes from a write this process made (it knows the bytes exactly) or from a read; a read of a
 * file modified in the last moments is not kept (racy: an edit in place within the same clock tick would keep
 * its size and time, as git's index knows).
 */
export interface DiskMemo {
  /** The file at `rel` now holds `content`, and has `stamp`. */
  know(rel: string, stamp: FileStamp, content: string | Buffer): void;
  /** Lines appended to `rel`: its content grows by `text` if it had `before` (else what it holds is unknown). */
  appended(rel: string, before: FileStamp, after: FileStamp, text: string): void;
  /** What `rel` holds is unknown (written by a path that does not say what it wrote). */
  forget(rel: string): void;
  /** The file's bytes: from memory when its stamp is the one known, else read (and kept). Null if missing. */
  bytes(rel: string): Buffer | null;
  /** How many files `bytes` read from disk, in this process (tests hold committable to it). */
  reads(): number;
}

/** A file modified this recently is not kept when read (see DiskMemo). Coarse clocks tick every 1-10 ms. */
const RACY_NS = 100_000_000n;

export function createDiskMemo(dir: string): DiskMemo {
  // A file's content as the pieces it was written in: an append adds one, and they are joined only when a
  // commit asks for the bytes, so a sync's append never copies the file it grows.
  const known = new Map<string, { stamp: FileStamp; parts: Array<string | Buffer> }>();
  let reads = 0;

  return {
    know(rel, stamp, content) {
      known.set(rel, { stamp, parts: [content] });
    },
    appended(rel, before, after, text) {
      const k = known.get(rel);
      if (!k || k.stamp !== before) known.delete(rel);
      else {
        k.stamp = after;
        k.parts.push(text);
      }
    },
    forget(rel) {
      known.delete(rel);
    },
    bytes(rel) {
      const abs = join(dir, rel);
      // Stat first, then read: a change between the two leaves a stamp that the next stat no longer finds.
      const stamp = stampNow(abs);
      if (stamp === null) {
        known.delete(rel);
        return null;
      }
      const k = known.get(rel);
      if (k && k.stamp === stamp) {
        const [only] = k.parts;
        const buf =
          k.parts.length === 1 && Buffer.isBuffer(only)
            ? only
            : Buffer.concat(k.parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p, 'utf8'))));
        k.parts = [buf];
        return buf;
      }
      let buf: Buffer;
      try {
        // Synchronous: an export is small, and the promise API costs four thread-pool round trips a file.
        buf = readFileSync(abs);
      } catch {
        known.delete(rel);
        return null;
      }
      reads += 1;
      const mtimeNs = BigInt(stamp.slice(stamp.lastIndexOf(':') + 1));
      if (BigInt(Date.now()) * 1_000_000n - mtimeNs > RACY_NS) known.set(rel, { stamp, parts: [buf] });
      else known.delete(rel);
      return buf;
    },
    reads: () => reads,
  };
}
