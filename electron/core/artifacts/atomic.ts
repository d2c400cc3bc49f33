import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Write a file so that readers see the old content or the new, never a torn one: temp file, then rename.
 * `durable` adds an fsync before the rename. Ledger exports skip it on purpose: they are re-rendered from
 * the (fsynced) ledger on every sync, so a power cut can cost an export nothing that is not rebuilt at the
 * next start, and fsync per file would dominate each step of the loop.
 */
export async function writeFileAtomic(path: string, content: string | Uint8Array, durable = false): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(content);
    if (durable) await fh.sync();
  } catch (err) {
    await fh.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  await rename(tmp, path);
}
