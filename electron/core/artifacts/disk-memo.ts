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
  const known = new Map<string, { stamp: FileStamp; content: string | Buffer }>();
  let reads = 0;

  return {
    know(rel, stamp, content) {
      known.set(rel, { stamp, content });
    },
    appended(rel, before, after, text) {
      const k = known.get(rel);
      if (!k || k.stamp !== before) known.delete(rel);
      // A string grows as a rope (no copy per append); bytes once read are copied once per commit.
      else if (typeof k.content === 'string') known.set(rel, { stamp: after, content: k.content + text });
      else known.set(rel, { stamp: after, content: Buffer.concat([k.content, Buffer.from(text, 'utf8')]) });
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
        const buf = asBuffer(k);
        k.content = buf;
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
      if (BigInt(Date.now()) * 1_000_000n - mtimeNs > RACY_NS) known.set(rel, { stamp, content: buf });
      else known.delete(rel);
      return buf;
    },
    reads: () => reads,
  };
}

const asBuffer = (k: { content: string | Buffer }) =>
  Buffer.isBuffer(k.content) ? k.content : Buffer.from(k.content, 'utf8');
