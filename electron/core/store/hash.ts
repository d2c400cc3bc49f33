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
  const body = canonicalJson({ seq: e.seq, id: e.id, ts: e.ts, type: e.type, actor: e.actor, payload: e.payload, prev_hash: e.prev_hash });
  return createHash('sha256').update(e.prev_hash).update(body).digest('hex');
}
