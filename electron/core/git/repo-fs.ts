/**
 * The file-system client handed to isomorphic-git, and the context every git helper shares.
 *
 * isomorphic-git writes loose objects, refs and the index with a plain `writeFile`, so a crash
 * mid-write leaves a truncated object that is never rewritten (it "exists"), or an empty ref
 * file. Every write here goes to a sibling temp file that is then renamed over the target:
 * readers, including a concurrent git CLI, see either the old bytes or the new ones.
 */
import * as fsp from 'node:fs/promises';
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
