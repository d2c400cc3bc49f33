/**
 * A source of uniform fractions for ULIDs, drawn from the OS's CSPRNG in blocks. ulid's own detects
 * WebCrypto and asks it for one byte per character, sixteen calls per id: on a loop step that appends a few
 * dozen events that was a measurable part of the step. The fractions are the same (a random byte / 256).
 */
import { randomFillSync } from 'node:crypto';

export function bufferedPrng(blockBytes = 4096): () => number {
  const block = new Uint8Array(blockBytes);
  let next = blockBytes;
  return () => {
    if (next >= blockBytes) {
      randomFillSync(block);
      next = 0;
    }
    const byte = block[next] ?? 0;
    next += 1;
    return byte / 256;
  };
}
