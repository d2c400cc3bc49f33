/**
 * The file-system client handed to isomorphic-git, and the context every git helper shares.
 *
 * isomorphic-git writes loose objects, refs and the index with a plain `writeFile`, so a crash
 * mid-write leaves a truncated object that is never rewritten (it "exists"), or an empty ref
 * file. Every write here goes to a sibling temp file that is then renamed over the target:
 * readers, including a concurrent git CLI, see either the old bytes or the new ones.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import path from 'node:path';
import type { PromiseFsClient } from 'isomorphic-git';
import type { CommitSigner } from './signing.ts';

let tmpCounter = 0;

/** A sibling temp name for an atomic write: `<file>.governor-tmp-<pid>-<n>`, which a sweep can recognise. */
export function tempNameFor(file: string): string {
  tmpCounter += 1;
  return `${file}.governor-tmp-${process.pid}-${tmpCounter}`;
}

export async function atomicWriteFile(
  file: string,
  data: string | Uint8Array,
  options?: Parameters<typeof fsp.writeFile>[2],
): Promise<void> {
  const tmp = tempNameFor(file);
  try {
    await fsp.writeFile(tmp, data, options);
    await fsp.rename(tmp, file);
  } catch (err) {
    // A missing parent directory surfaces here as ENOENT; isomorphic-git then creates it and retries.
    await fsp.rm(tmp, { force: true });
    throw err;
  }
}

/**
 * atomicWriteFile, synchronously, for the small files git writes on every commit (a loose object, a ref, a file
 * of the user's checkout a promotion brings along): the
 * thread-pool round trips of an async open, write, close and rename cost more than the writes themselves
 * (about 5 ms a ref through isomorphic-git's writeRef on a busy machine, against ~0.5 ms here). A missing
 * parent folder is made when the first write finds it missing.
 */
export function atomicWriteFileSync(file: string, data: string | Uint8Array, options?: { mode?: number }): void {
  const tmp = tempNameFor(file);
  try {
    try {
      writeFileSync(tmp, data, options);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(tmp, data, options);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

export const repoFs: PromiseFsClient = {
  promises: {
    readFile: fsp.readFile,
    writeFile: atomicWriteFile,
    unlink: fsp.unlink,
    readdir: fsp.readdir,
    mkdir: fsp.mkdir,
    rmdir: fsp.rmdir,
    stat: fsp.stat,
    lstat: fsp.lstat,
    readlink: fsp.readlink,
    symlink: fsp.symlink,
    chmod: fsp.chmod,
  },
};

/** What every helper in this folder needs: where the repository is, and one shared object cache. */
export interface RepoCtx {
  readonly dir: string;
  readonly gitdir: string;
  readonly fs: PromiseFsClient;
  /** isomorphic-git's cache (pack indexes, parsed index); shared so repeated reads stay cheap. */
  readonly cache: object;
  /** When set, every commit and annotated tag written through objects.ts is PGP-signed. */
  readonly signer?: CommitSigner | undefined;
}
