import { EventType as EventTypeSchema } from '../../../shared/index.ts';
import { GENESIS_HASH, eventHash } from './hash.ts';

export interface EventRow {
  seq: number;
  id: string;
  ts: string;
  type: string;
  actor: string;
  payload: string;
  prev_hash: string;
  hash: string;
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  head: string;
  firstBad: { seq: number; id: string; reason: string } | null;
}

/**
 * The hash chain checked one row at a time, in seq order, so the same rules serve a single pass (the CLI)
 * and a paged pass that lets the host breathe between pages. `step` returns the failure at the first bad
 * row, else null; `result` is the verdict once every row has been stepped.
 */
export function chainCheck() {
  let prev = GENESIS_HASH;
  let expectSeq = 1;
  let checked = 0;
  return {
    get checked() {
      return checked;
    },
    step(row: EventRow): VerifyResult | null {
      const bad = (reason: string): VerifyResult => ({ ok: false, checked, head: prev, firstBad: { seq: row.seq, id: row.id, reason } });
      if (row.seq !== expectSeq) return bad(`sequence gap: expected seq ${expectSeq}, found ${row.seq}`);
      if (row.prev_hash !== prev) return bad(`prev_hash does not link to event ${row.seq - 1}`);
      let payload: unknown;
      try {
        payload = JSON.parse(row.payload);
      } catch {
        return bad('payload is not valid JSON');
      }
      const typeOk = EventTypeSchema.safeParse(row.type);
      if (!typeOk.success) return bad(`unknown event type "${row.type}"`);
      const hash = eventHash({ seq: row.seq, id: row.id, ts: row.ts, type: row.type, actor: row.actor, payload, prev_hash: row.prev_hash });
      if (hash !== row.hash) return bad('hash mismatch: the event was changed after it was written');
      prev = row.hash;
      expectSeq += 1;
      checked += 1;
      return null;
    },
    result(): VerifyResult {
      return { ok: true, checked, head: prev, firstBad: null };
    },
  };
}
