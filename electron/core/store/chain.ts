import { EventType as EventTypeSchema } from '../../../shared/index.ts';
import { GENESIS_HASH, eventHashV1, eventHashV2 } from './hash.ts';

/**
 * An events row as stored. `ts` is integer milliseconds when that round-trips to the exact ISO text the
 * event was written with (nearly always), else the text; `hash` is 32 raw bytes. There is no prev_hash
 * column: it is the previous row's hash, so storing it again bought nothing but 64 bytes an event.
 */
export interface EventRow {
  seq: number;
  id: string;
  ts: number | string;
  type: string;
  actor: string;
  payload: string;
  hash: Buffer;
}

/** How `ts` is stored: milliseconds when they give back exactly `ts`, else `ts` itself. */
export function encodeTs(ts: string): number | string {
  const ms = Date.parse(ts);
  return Number.isFinite(ms) && new Date(ms).toISOString() === ts ? ms : ts;
}

export function decodeTs(ts: number | string): string {
  return typeof ts === 'number' ? new Date(ts).toISOString() : ts;
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  head: string;
  firstBad: { seq: number; id: string; reason: string } | null;
}

const KNOWN_TYPES = new Set<string>(EventTypeSchema.options);

/**
 * The hash chain checked one row at a time, in seq order, so the same rules serve a single pass (the CLI)
 * and a paged pass that lets the host breathe between pages. `step` returns the failure at the first bad
 * row, else null; `result` is the verdict once every row has been stepped. Rows from `v2From` on are in
 * chain format 2, earlier ones (a ledger written before the lean ledger) in format 1 (see hash.ts).
 */
export function chainCheck(v2From: number) {
  let prev = GENESIS_HASH;
  let expectSeq = 1;
  let checked = 0;
  return {
    get checked() {
      return checked;
    },
    step(row: EventRow): VerifyResult | null {
      const bad = (reason: string): VerifyResult => ({
        ok: false,
        checked,
        head: prev,
        firstBad: { seq: row.seq, id: row.id, reason },
      });
      if (row.seq !== expectSeq) return bad(`sequence gap: expected seq ${expectSeq}, found ${row.seq}`);
      if (!KNOWN_TYPES.has(row.type)) return bad(`unknown event type "${row.type}"`);
      const fields = {
        seq: row.seq,
        id: row.id,
        ts: decodeTs(row.ts),
        type: row.type,
        actor: row.actor,
        payload: row.payload,
      };
      const hash = row.seq >= v2From ? eventHashV2(prev, fields) : eventHashV1(prev, fields).toString('hex');
      if (!Buffer.isBuffer(row.hash) || row.hash.toString('hex') !== hash)
        return bad('hash mismatch: the event was changed after it was written');
      prev = hash;
      expectSeq += 1;
      checked += 1;
      return null;
    },
    result(): VerifyResult {
      return { ok: true, checked, head: prev, firstBad: null };
    },
  };
}
