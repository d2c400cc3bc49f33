import { hash } from 'node:crypto';
import canonicalizeModule from 'canonicalize';

// The package is CommonJS with an ESM-style .d.ts; under NodeNext the default import is the module object
// for the type checker but the function at run time. Accept both.
type Serialize = (input: unknown) => string | undefined;
const canonicalize: Serialize =
  typeof canonicalizeModule === 'function'
    ? (canonicalizeModule as Serialize)
    : (canonicalizeModule as unknown as { default: Serialize }).default;

export const GENESIS_HASH = '0'.repeat(64);

/** RFC 8785 canonical JSON, so a comparison never depends on key order (recorded runs, replays). */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value cannot be represented as JSON');
  return text;
}

/** An event's hashed fields, with the payload as the exact text the ledger stores. */
export interface HashedRow {
  seq: number;
  id: string;
  ts: string;
  type: string;
  actor: string;
  /** The stored payload text, byte for byte. */
  payload: string;
}

/**
 * The payload text the ledger stores and hashes: JSON.stringify of the payload as its zod schema parsed it.
 * zod builds the parsed object in the schema's key order, so the same payload always gives the same text;
 * RFC 8785 canonicalisation (a sort of every object's keys) cost four times the rest of an append, and
 * buys nothing once the hash covers the stored bytes themselves.
 */
export function payloadText(parsed: unknown): string {
  const text = JSON.stringify(parsed);
  if (text === undefined) throw new TypeError('payload cannot be represented as JSON');
  return text;
}

/** Characters that JSON writes as they are: a string of only these is its own JSON text between quotes. */
const PLAIN = /^[\w.:+-]*$/;
/** JSON.stringify of a string, without the call for the plain ids, times, types and names events carry. */
const jsonString = (v: string) => (PLAIN.test(v) ? `"${v}"` : JSON.stringify(v));

/**
 * Chain format 2 (every event appended since the lean ledger), as hex:
 *   hash = sha256(prev_hash as hex ‖ `[seq,"id","ts","type","actor",<payload text>]`)
 * One array in a fixed order needs no key sorting, and one-shot hashing of one string is the cheapest
 * call Node offers (no Hash object per event). Hex out, because the event carries its hash as hex and the
 * next one hashes it as hex: a Buffer out cost more than making one from the hex (which the row stores).
 */
export function eventHashV2(prevHex: string, e: HashedRow): string {
  return chainHashV2(prevHex, e.seq, e.id, e.ts, e.type, e.actor, e.payload);
}

/**
 * `,"type","actor",` as the hash input writes it, per type and actor, made once each: types are a closed
 * list and actors the team's names, so the quoting checks (a regex test each) ran for the same few pairs.
 */
const typeActorTexts = new Map<string, Map<string, string>>();
let typeActorCount = 0;
function typeActorText(type: string, actor: string): string {
  let byActor = typeActorTexts.get(type);
  if (byActor === undefined) {
    byActor = new Map();
    typeActorTexts.set(type, byActor);
  }
  let text = byActor.get(actor);
  if (text === undefined) {
    text = `,${jsonString(type)},${jsonString(actor)},`;
    // Bounded all the same, should a caller hash rows of arbitrary actors (a tampered ledger being verified).
    if (typeActorCount < 4096) {
      byActor.set(actor, text);
      typeActorCount += 1;
    }
  }
  return text;
}

/** The last `ts` quoted: the events of one transaction share one clock reading, so it repeats. */
let lastTs = '';
let lastTsText = '""';

/** eventHashV2 with the fields as arguments: the append path makes no object per event to hash it. */
export function chainHashV2(
  prevHex: string,
  seq: number,
  id: string,
  ts: string,
  type: string,
  actor: string,
  payload: string,
): string {
  if (ts !== lastTs) {
    lastTsText = jsonString(ts);
    lastTs = ts;
  }
  return hash(
    'sha256',
    `${prevHex}[${seq},${jsonString(id)},${lastTsText}${typeActorText(type, actor)}${payload}]`,
    'hex',
  );
}

/**
 * Chain format 1 (ledgers written before the lean ledger; their events keep the hashes they were written
 * with): hash = sha256(prev_hash + RFC 8785 JSON of the event without its hash). The writer stored the
 * payload already canonical, so its stored text is used as is; the other fields are strings and an integer,
 * written here in sorted key order, which is exactly their RFC 8785 form.
 */
export function eventHashV1(prevHex: string, e: HashedRow): Buffer {
  const s = JSON.stringify;
  const body = `{"actor":${s(e.actor)},"id":${s(e.id)},"payload":${e.payload},"prev_hash":${s(prevHex)},"seq":${e.seq},"ts":${s(e.ts)},"type":${s(e.type)}}`;
  return hash('sha256', prevHex + body, 'buffer') as unknown as Buffer;
}
