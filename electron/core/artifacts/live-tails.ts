/**
 * The newest lines of each audit stream (`audit/responses.jsonl`: up to a segment's worth, 450 kB of
 * `/status` answers on a long history) are committed at every records commit, QA gate and promotion. Read
 * and hashed whole each time, they cost a long-lived project a few milliseconds a step that a new one does
 * not pay. So, as for sealed segments (sealed-store.ts), a tail's git blob, sha256 and size are recorded in
 * the ledger's `meta` table with its file's size and modification time when a commit takes it; while the
 * file keeps them (git's own test for an unchanged file), the next commit, gate or checkout names the blob
 * without reading the file. Appending to a tail changes both, so it is read and hashed again then.
 */
import { createHash } from 'node:crypto';
import { type BigIntStats, statSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { hashObject } from '../git/loose.ts';
import type { DiskMemo } from './disk-memo.ts';
import type { Digest, SealedExport, SealedRecord } from './sealed-store.ts';

interface Kept extends SealedRecord {
  /** Computed when a gate first asks (a commit needs only the blob). */
  sha256: string | null;
}

export interface LiveTails {
  /** The tail at `rel` as a commit takes it: by its recorded blob while unchanged, else its bytes, hashed. */
  take(rel: string): SealedExport | null;
  /** Every tail recorded whose file still has the recorded size and time, by path (the checkout's test). */
  records(rels: readonly string[]): Map<string, SealedRecord>;
}

const KEY = 'tail-blob:';

export function createLiveTails(dir: string, db: Database.Database, memo: DiskMemo): LiveTails {
  const put = (rel: string, k: Kept) =>
    db
      .prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)')
      .run(KEY + rel, `${k.oid} ${k.size} ${k.mtimeMs} ${k.sha256 ?? '-'}`);
  const get = (rel: string): Kept | null => {
    const value = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(KEY + rel)?.value;
    const [oid = '', size, mtime, sha256 = ''] = value?.split(' ') ?? [];
    const k = { oid, size: Number(size), mtimeMs: Number(mtime), sha256: sha256 === '-' ? null : sha256 };
    const valid =
      /^[0-9a-f]{40}$/.test(k.oid) &&
      Number.isSafeInteger(k.size) &&
      Number.isSafeInteger(k.mtimeMs) &&
      (k.sha256 === null || /^[0-9a-f]{64}$/.test(k.sha256));
    return valid ? k : null;
  };
  const stat = (rel: string): BigIntStats | null => {
    try {
      return statSync(join(dir, rel), { bigint: true });
    } catch {
      return null;
    }
  };
  // Milliseconds, as sealed-store.ts keeps them: `cp -a` and Node's copies set times to the millisecond.
  const mtimeMs = (st: BigIntStats) => Math.round(Number(st.mtimeNs) / 1e6);
  const holds = (st: BigIntStats | null, k: Kept) =>
    st?.isFile() === true && st.size === BigInt(k.size) && mtimeMs(st) === k.mtimeMs;
  const bytesOf = async (rel: string): Promise<Buffer> => {
    const data = memo.bytes(rel);
    if (data === null) throw new Error(`${rel} disappeared while it was being committed`);
    return data;
  };

  /** A tail known by its blob; its digest is computed (and recorded) the first time a gate asks for it. */
  function known(rel: string, k: Kept, data?: Buffer): SealedExport {
    const load = async () => data ?? (await bytesOf(rel));
    const digest = async (): Promise<Digest> => {
      if (k.sha256 === null) {
        const bytes = await load();
        k.sha256 = createHash('sha256').update(bytes).digest('hex');
        // Recorded only while the file still holds what was hashed.
        if (holds(stat(rel), k)) put(rel, k);
      }
      return { sha256: k.sha256, bytes: k.size };
    };
    return { load, digest, oid: k.oid, live: true };
  }

  return {
    take(rel) {
      const before = stat(rel);
      if (before === null) return null;
      const kept = get(rel);
      if (kept && holds(before, kept)) return known(rel, kept);
      const data = memo.bytes(rel);
      if (data === null) return null;
      const k: Kept = {
        oid: hashObject('blob', data).oid,
        size: data.byteLength,
        mtimeMs: mtimeMs(before),
        sha256: null,
      };
      // Recorded only when the file did not change while it was read: then its stat names these bytes.
      const after = stat(rel);
      if (after && after.size === before.size && after.mtimeNs === before.mtimeNs && after.ino === before.ino)
        put(rel, k);
      return known(rel, k, data);
    },
    records(rels) {
      const out = new Map<string, SealedRecord>();
      for (const rel of rels) {
        const k = get(rel);
        if (k && holds(stat(rel), k)) out.set(rel, { oid: k.oid, size: k.size, mtimeMs: k.mtimeMs });
      }
      return out;
    },
  };
}
