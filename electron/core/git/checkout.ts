/**
 * The user's own checkout in the project directory. Governor writes it in exactly two cases:
 * the initial commit of a brand-new repository, and (opt-in) fast-forwarding a clean checkout
 * after a promotion moved the branch it has checked out. Agent work never touches it.
 */
import { readFileSync, type Stats } from 'node:fs';
import * as fsp from 'node:fs/promises';
import path from 'node:path';
import type git from 'isomorphic-git';
import { iso } from './iso.ts';
import { InvalidInputError } from '../errors.ts';
import { runGit } from './cli.ts';
import { dirtyAmongInProcess } from './dirty-check.ts';
import { atomicWriteFile, type RepoCtx } from './repo-fs.ts';
import type { FileChange } from './tree-write.ts';

/** Governor's private state inside the project; excluded locally, never via a committed file. */
export const GOVERNOR_DIR = '.governor';

/**
 * Adds `/.governor/` to `.git/info/exclude` so neither `git status` nor statusMatrix sees the
 * ledger and the agents' workspaces, whatever the project's own `.gitignore` says.
 */
export async function ensureLocalExclude(ctx: RepoCtx): Promise<void> {
  const file = path.join(ctx.gitdir, 'info', 'exclude');
  const line = `/${GOVERNOR_DIR}/`;
  let current = '';
  try {
    current = await fsp.readFile(file, 'utf8');
  } catch {
    // no exclude file yet
  }
  if (current.split(/\r?\n/).includes(line)) return;
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const sep = current.length === 0 || current.endsWith('\n') ? '' : '\n';
  await fsp.writeFile(file, `${current}${sep}# Governor's ledger and agent workspaces\n${line}\n`);
}

/**
 * For a brand-new repository: a file the user already has at an initial path is kept (and its
 * content committed) rather than overwritten with the template.
 */
export async function adoptExistingFiles(
  ctx: RepoCtx,
  files: FileChange[],
): Promise<{ files: FileChange[]; kept: string[] }> {
  const kept: string[] = [];
  const out = await Promise.all(
    files.map(async (f): Promise<FileChange> => {
      const full = path.join(ctx.dir, f.path);
      let st: Stats;
      try {
        st = await fsp.lstat(full);
      } catch {
        return f; // not there: the template is written
      }
      if (st.isDirectory())
        throw new InvalidInputError(`${f.path} is a directory in ${ctx.dir}; the initial commit needs a file there`);
      kept.push(f.path);
      // A symlink is committed as a symlink and never written through.
      if (st.isSymbolicLink()) return { path: f.path, content: await fsp.readlink(full), mode: 'symlink' };
      return { path: f.path, content: await fsp.readFile(full), mode: (st.mode & 0o100) !== 0 ? 'executable' : 'file' };
    }),
  );
  return { files: out, kept: kept.sort() };
}

/** Writes the initial files and stages them, so the real `git status` is clean afterwards. */
export async function writeInitialCheckout(ctx: RepoCtx, files: FileChange[]): Promise<void> {
  const written = files.filter((f): f is FileChange & { content: string | Uint8Array } => f.content !== null);
  for (const f of written) {
    const full = path.join(ctx.dir, f.path);
    await fsp.mkdir(path.dirname(full), { recursive: true });
    if (f.mode === 'symlink') {
      const target = Buffer.from(f.content).toString('utf8');
      if ((await fsp.readlink(full).catch(() => null)) !== target) {
        await fsp.rm(full, { force: true });
        await fsp.symlink(target, full);
      }
      continue;
    }
    const perm = f.mode === 'executable' ? 0o755 : 0o644;
    // temp + rename: an existing path is replaced, never written through (a hard link stays intact)
    await atomicWriteFile(full, f.content, { mode: perm });
    await fsp.chmod(full, perm);
  }
  if (written.length > 0) {
    // `force`: a template file matching the project's .gitignore is committed, so it must be staged too.
    await (await iso()).add({
      fs: ctx.fs,
      dir: ctx.dir,
      gitdir: ctx.gitdir,
      filepath: written.map((f) => f.path),
      force: true,
      cache: ctx.cache,
    });
  }
}

/**
 * The branch HEAD points at (full ref, even before its first commit, as isomorphic-git's currentBranch says
 * it), or null when detached or absent. HEAD read directly and synchronously: a 30-byte file, asked before
 * every promotion and configuration commit, where isomorphic-git's ref manager cost a thread-pool round trip
 * or more each.
 */
export async function headBranch(ctx: RepoCtx): Promise<string | null> {
  let text: string;
  try {
    text = readFileSync(path.join(ctx.gitdir, 'HEAD'), 'utf8').trim();
  } catch {
    return null;
  }
  const ref = text.startsWith('ref:') ? text.slice('ref:'.length).trim() : '';
  return ref.startsWith('refs/') ? ref : null;
}

type StatusArgs = Parameters<typeof git.statusMatrix>[0];

/**
 * statusMatrix, retried when a file it listed is gone before it could stat it. Exports are written
 * atomically (a temp file renamed over the target, artifacts/atomic.ts), so a walk of the checkout can
 * list a temp name that is renamed away a moment later; git's CLI shrugs that off, isomorphic-git throws.
 */
export async function settledStatusMatrix(args: StatusArgs): ReturnType<typeof git.statusMatrix> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await (await iso()).statusMatrix(args);
    } catch (err) {
      // isomorphic-git reports the vanished file with a plain Error whose message starts with ENOENT.
      const vanished =
        err instanceof Error &&
        ((err as Error & { code?: unknown }).code === 'ENOENT' || err.message.startsWith('ENOENT'));
      if (!vanished || attempt >= 5) throw err;
    }
  }
}

/**
 * Modified, staged, deleted and untracked paths of the user's checkout (ignored files excluded).
 * Read-only: `--no-optional-locks` keeps git from re-stamping the user's index. The git CLI, not
 * isomorphic-git's statusMatrix, which re-read every .gitignore on the way for each untracked file: the
 * audit segments sealed since the last promotion made that grow with the history.
 */
export async function dirtyPaths(ctx: RepoCtx, ignore?: (relPath: string) => boolean): Promise<string[]> {
  const out = await runGit(ctx.dir, [
    '--no-optional-locks',
    'status',
    '--porcelain=v1',
    '-z',
    '--untracked-files=all',
    '--no-renames',
    '--ignore-submodules=all',
  ]);
  // Each record is `XY <path>` (paths verbatim with -z).
  return out
    .split('\0')
    .filter((r) => r.length > 3)
    .map((r) => r.slice(3))
    .filter((file) => !file.startsWith(`${GOVERNOR_DIR}/`) && !(ignore?.(file) ?? false))
    .sort();
}

/**
 * Which of `paths` `git status` lists (modified, staged, deleted or untracked; ignored files not), answered
 * in process (dirty-check.ts): the promotion asks it for the paths the release changes, every run for the
 * configuration files. Where the in-process answer cannot be sure, the git CLI's whole status, filtered.
 */
export async function dirtyAmong(ctx: RepoCtx, paths: readonly string[]): Promise<string[]> {
  const known = await dirtyAmongInProcess(ctx, paths);
  if (known !== null) return known;
  const wanted = new Set(paths);
  return [...new Set(await dirtyPaths(ctx))].filter((p) => wanted.has(p));
}

export type CheckoutSync = 'synced' | 'skipped_dirty' | 'skipped_conflict' | 'not_checked_out';

/**
 * Runs `move` (which moves `ref`); if the user has `ref` checked out and their checkout was
 * clean before the move, brings working tree and index along, as `git merge` would. A dirty
 * checkout is left exactly as it was: Governor never overwrites the user's edits.
 */
export async function withCheckoutSync<T>(
  ctx: RepoCtx,
  ref: string,
  move: () => T | Promise<T>,
): Promise<{ value: T; checkout: CheckoutSync }> {
  if ((await headBranch(ctx)) !== ref) return { value: await move(), checkout: 'not_checked_out' };
  // Untracked files do not block (git merge does not mind them either); edits to tracked files do.
  const rows = await settledStatusMatrix({
    fs: ctx.fs,
    dir: ctx.dir,
    gitdir: ctx.gitdir,
    cache: ctx.cache,
    refresh: false,
  });
  const clean = rows.every(
    ([, head, workdir, stage]) => (head === 1 && workdir === 1 && stage === 1) || (head === 0 && stage === 0),
  );
  const value = await move();
  if (!clean) return { value, checkout: 'skipped_dirty' };
  try {
    await (await iso()).checkout({
      fs: ctx.fs,
      dir: ctx.dir,
      gitdir: ctx.gitdir,
      ref: ref.replace(/^refs\/heads\//, ''),
      cache: ctx.cache,
    });
    return { value, checkout: 'synced' };
  } catch (err) {
    if (err instanceof Error && (err as Error & { code?: unknown }).code === 'CheckoutConflictError') {
      return { value, checkout: 'skipped_conflict' };
    }
    throw err;
  }
}
