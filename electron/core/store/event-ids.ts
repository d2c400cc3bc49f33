import { randomFillSync } from 'node:crypto';

/** Crockford's base32, as ULIDs spell them. */
const ENCODING = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const RANDOM_CHARS = 16;

/**
 * Monotonic ULIDs (the spec's: 10 characters of milliseconds, then 16 of randomness that, within one
 * millisecond, count up by one from a fresh random start). Hand-written rather than ulid's monotonicFactory
 * because that one re-encodes the time and rebuilds the random part character by character for every id,
 * which was a tenth of a batched append; here an id in the same millisecond is the kept prefix plus its last
 * character, and only a carry past that character re-encodes. Randomness comes from the OS's CSPRNG, in blocks.
 */
export function monotonicUlids(now: () => number = Date.now): () => string {
  const pool = new Uint8Array(4096);
  let next = pool.length;
  const randomDigit = (): number => {
    if (next >= pool.length) {
      randomFillSync(pool);
      next = 0;
    }
    // 256 is a multiple of 32: the low five bits of a uniform byte are uniform.
    return (pool[next++] ?? 0) & 31;
  };
  const digits = new Uint8Array(RANDOM_CHARS);
  let lastTime = -1;
  let prefix = ''; // the time and the first 15 random characters
  const encodePrefix = () => {
    let time = '';
    for (let t = lastTime, i = 0; i < 10; i++, t = Math.floor(t / 32)) time = ENCODING.charAt(t % 32) + time;
    let random = '';
    for (let i = 0; i < RANDOM_CHARS - 1; i++) random += ENCODING.charAt(digits[i] ?? 0);
    prefix = time + random;
  };
  return () => {
    const ms = now();
    if (ms > lastTime) {
      lastTime = ms;
      for (let i = 0; i < RANDOM_CHARS; i++) digits[i] = randomDigit();
      encodePrefix();
    } else {
      // Same millisecond (or the clock stepped back): count up, as the spec's monotonic mode does.
      let i = RANDOM_CHARS - 1;
      while (i >= 0 && digits[i] === 31) digits[i--] = 0;
      if (i < 0) throw new Error('ULID randomness overflowed within one millisecond');
      digits[i] = (digits[i] ?? 0) + 1;
      if (i < RANDOM_CHARS - 1) encodePrefix();
    }
    return prefix + ENCODING.charAt(digits[RANDOM_CHARS - 1] ?? 0);
  };
}
