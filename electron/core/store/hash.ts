import { createHash } from 'node:crypto';
import canonicalizeModule from 'canonicalize';

// The package is CommonJS with an ESM-style .d.ts; under NodeNext the default import is the module object
// for the type checker but the function at run time. Accept both.
type Serialize = (input: unknown) => string | undefined;
const canonicalize: Serialize =
  typeof canonicalizeModule === 'function' ? (canonicalizeModule as Serialize) : (canonicalizeModule as unknown as { default: Serialize }).default;

export const GENESIS_HASH = '0'.repeat(64);

/** RFC 8785 canonical JSON, so a hash never depends on key order. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value cannot be represented as JSON');
  return text;
}

export interface HashedFields {
  seq: number;
  id: string;
  ts: string;
  type: string;
  actor: string;
  payload: unknown;
  prev_hash: string;
}

/** hash = sha256(prev_hash + canonical JSON of the event without its hash). */
export function eventHash(e: HashedFields): string {
  return eventHashWithPayloadJson(e, canonicalJson(e.payload));
}

/**
 * The same hash, given the payload already in canonical form (the append path has it anyway).
 * The other fields are strings and an integer, so writing their keys in sorted order by hand yields
 * exactly the RFC 8785 text without canonicalising the payload a second time.
 */
export function eventHashWithPayloadJson(e: Omit<HashedFields, 'payload'>, payloadJson: string): string {
  const s = JSON.stringify;
  const body = `{"actor":${s(e.actor)},"id":${s(e.id)},"payload":${payloadJson},"prev_hash":${s(e.prev_hash)},"seq":${e.seq},"ts":${s(e.ts)},"type":${s(e.type)}}`;
  return createHash('sha256').update(e.prev_hash).update(body).digest('hex');
}
