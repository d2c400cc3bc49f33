import { z } from 'zod';
import { contract } from '../../../shared/index.ts';

/**
 * The WebSocket frame limit, from the contract's own bounds: the largest request whose every string and list
 * is bounded (today config.write: 500,000 characters of YAML), at the worst JSON encoding of a character
 * (6 bytes: `\u0000`-style escapes; CJK is 3 bytes in UTF-8), plus room for the envelope. A request with an
 * unbounded field (an inline comment's text) is bounded by this in practice: the offender gets 1009.
 */
export const BYTES_PER_CHAR_WORST = 6;
export const ENVELOPE_BYTES = 64 * 1024;

type Json = {
  type?: string | string[];
  maxLength?: number;
  maxItems?: number;
  items?: Json;
  properties?: Record<string, Json>;
  anyOf?: Json[];
  oneOf?: Json[];
  enum?: unknown[];
  const?: unknown;
};

/** The most characters a value of this JSON Schema can take once serialised; Infinity when unbounded. */
function maxChars(s: Json): number {
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return Math.max(...alts.map(maxChars));
  if (s.enum) return Math.max(...s.enum.map((v) => JSON.stringify(v).length));
  if (s.const !== undefined) return JSON.stringify(s.const).length;
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  if (type === 'string') return s.maxLength === undefined ? Infinity : s.maxLength + 2;
  if (type === 'number' || type === 'integer' || type === 'boolean' || type === 'null') return 32;
  if (type === 'array')
    return s.maxItems === undefined || !s.items ? Infinity : s.maxItems * (maxChars(s.items) + 1) + 2;
  if (type === 'object')
    return Object.entries(s.properties ?? {}).reduce((sum, [k, v]) => sum + k.length + 4 + maxChars(v), 2);
  return Infinity;
}

export function largestBoundedRequestChars(): { call: string; chars: number } {
  let best = { call: '', chars: 0 };
  for (const [call, c] of Object.entries(contract.calls)) {
    const chars = maxChars(z.toJSONSchema(c.request, { io: 'input', unrepresentable: 'any' }) as Json);
    if (Number.isFinite(chars) && chars > best.chars) best = { call, chars };
  }
  return best;
}

let cached: number | null = null;
/** Computed once, when the first host starts (not when the CLI loads this module). */
export function wsMaxPayload(): number {
  cached ??= largestBoundedRequestChars().chars * BYTES_PER_CHAR_WORST + ENVELOPE_BYTES;
  return cached;
}
