/**
 * Creating (or adopting) the project repository: main and develop at one initial commit.
 * This is the only time Governor writes the user's checkout on its own initiative.
 */
import * as fsp from 'node:fs/promises';
import path from 'node:path';
import { iso } from './iso.ts';
import { adoptExistingFiles, ensureLocalExclude, writeInitialCheckout } from './checkout.ts';
import { buildMessage, signatureOf } from './message.ts';
import { writeCommitObject } from './objects.ts';
import { resolveFullRef, writeRefOid } from './ref-store.ts';
import type { RepoCtx } from './repo-fs.ts';
import { writeTreeWithChanges, type FileChange } from './tree-write.ts';
import type { EnsureRepoInput, EnsureRepoResult } from './types.ts';

const MAIN = 'refs/heads/main';
const DEVELOP = 'refs/heads/develop';

export async function isRepository(ctx: RepoCtx): Promise<boolean> {
  try {
    return (await fsp.stat(path.join(ctx.gitdir, 'HEAD'))).isFile();
  } catch {
    return false;
  }
}

function toChanges(files: EnsureRepoInput['initialFiles']): FileChange[] {
  return Array.isArray(files) ? files : Object.entries(files).map(([p, content]) => ({ path: p, content }));
}

/** Input is validated before the caller queues the write, so a bad subject changes nothing. */
export function prepareEnsureRepo(input: EnsureRepoInput): (ctx: RepoCtx) => Promise<EnsureRepoResult> {
  const author = input.author ?? 'System';
  const message = buildMessage({ subject: input.message, actor: author, auditId: input.auditId });
  const who = signatureOf(author, input.timestamp);
  const files = toChanges(input.initialFiles);

  return async (ctx: RepoCtx): Promise<EnsureRepoResult> => {
    if (!(await isRepository(ctx)))
      await (await iso()).init({ fs: ctx.fs, dir: ctx.dir, gitdir: ctx.gitdir, defaultBranch: 'main' });
    await ensureLocalExclude(ctx);
    let main = await resolveFullRef(ctx, MAIN);
    let created = false;
    let kept: string[] = [];
    if (main === null) {
      const head = await resolveFullRef(ctx, 'HEAD');
      if (head !== null) {
        main = head; // an existing history on another default branch (master): main starts there
        writeRefOid(ctx, MAIN, main);
      } else {
        const adopted = await adoptExistingFiles(ctx, files);
        kept = adopted.kept;
        const { tree } = await writeTreeWithChanges(ctx, null, adopted.files);
        main = await writeCommitObject(ctx, { message, tree, parent: [], author: who, committer: who });
        writeRefOid(ctx, MAIN, main);
        // An unborn HEAD may name another default branch; the checkout we write is main's.
        await (await iso()).writeRef({
          fs: ctx.fs,
          gitdir: ctx.gitdir,
          ref: 'HEAD',
          value: MAIN,
          symbolic: true,
          force: true,
        });
        await writeInitialCheckout(ctx, adopted.files);
        created = true;
      }
    }
    let develop = await resolveFullRef(ctx, DEVELOP);
    if (develop === null) {
      develop = main;
      writeRefOid(ctx, DEVELOP, develop);
    }
    return { main, develop, created, kept };
  };
}
