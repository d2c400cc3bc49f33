import {
  type Dirent,
  type Stats,
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { readdir } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, relative, sep } from 'node:path';
import type { WorkspaceFiles } from '../agents/runtime.ts';
import { InvalidInputError } from '../errors.ts';

export const MAX_FILE_BYTES = 1_000_000;

export interface TrackedWorkspace extends WorkspaceFiles {
  readonly root: string;
  /** Paths written or removed since the workspace was opened: what the commit will carry. */
  changes(): Map<string, string | null>;
}

/** `.git` and Governor's own names, in any case (`.GIT/config` is `.git/config` on macOS and Windows). */
const RESERVED = /^(\.git|\.governor.*)$/i;

const inside = (realRoot: string, real: string) => {
  const back = relative(realRoot, real);
  return back === '' || (!back.startsWith('..') && !isAbsolute(back));
};

/**
 * The path as the agent gave it, checked as text: relative, no NUL, no `..`, nothing reserved.
 * Exported for the tests' table of escape attempts.
 */
export function checkWorkspacePath(path: string): string {
  if (typeof path !== 'string' || path.length === 0) throw new InvalidInputError('a path is required');
  if (path.includes('\u0000'))
    throw new InvalidInputError(`path "${path.replaceAll('\u0000', '\\0')}" contains a NUL byte`);
  if (isAbsolute(path) || /^[A-Za-z]:/.test(path) || path.startsWith('\\') || path.startsWith('~')) {
    throw new InvalidInputError(`path "${path}" must be relative to the workspace`);
  }
  const rel = normalize(path).split(sep).join('/').replace(/\/+$/, '');
  const parts = rel.split(/[\\/]/);
  if (parts.includes('..')) throw new InvalidInputError(`path "${path}" leaves the workspace`);
  if (parts.some((p) => RESERVED.test(p)))
    throw new InvalidInputError(`path "${path}" is reserved (.git and .governor are not workspace files)`);
  return rel;
}

/**
 * File tools confined to one agent workspace. Refused, with an error the agent can read:
 * - a path that is absolute, climbs out with `..`, holds a NUL byte, or names `.git`/`.governor` in any case;
 * - a symlink on the way that leads outside, or that dangles (a write through it would create the file
 *   wherever it points);
 * - a file with other hard links (nlink > 1) for reading: the other link may be outside; a write replaces
 *   such a file with a fresh one instead of writing through the shared inode.
 * Every write is remembered so the commit is built from the edits alone. Writes open the file with
 * O_NOFOLLOW, so a link swapped in after the check still cannot redirect them.
 *
 * Reads, writes and removes are synchronous: a file is at most MAX_FILE_BYTES, and each call through the
 * thread pool (an lstat per path component, then open, write and close) cost a round trip of its own, more
 * than the call itself, and waited behind the pool's other work. `list` walks a whole tree, so it stays
 * asynchronous.
 */
export function openWorkspace(root: string): TrackedWorkspace {
  const changed = new Map<string, string | null>();

  // The workspace root's real path, read once: every tool call checks its links against it (a root made after
  // a failed call is read again).
  let realRootOnce: string | null = null;
  const realRoot = () => {
    realRootOnce ??= realpathSync.native(root);
    return realRootOnce;
  };

  /**
   * The checked path, and what the walk found at its end: the last component's lstat (null when it does not
   * exist) and whether every folder above it exists, so a write need not stat or `mkdir` again.
   */
  function resolveInside(path: string): { rel: string; abs: string; st: Stats | null; dirs: boolean } {
    const rel = checkWorkspacePath(path);
    const parts = rel.split('/');
    // Walk the components that exist: each symlink must resolve, and resolve inside.
    let cur = root;
    let st: Stats | null = null;
    let found = 0;
    for (const part of parts) {
      cur = join(cur, part);
      try {
        st = lstatSync(cur);
      } catch {
        st = null;
        break; // the rest does not exist yet; it will be created under a checked directory
      }
      found += 1;
      if (!st.isSymbolicLink()) continue;
      let real: string;
      try {
        real = realpathSync.native(cur);
      } catch {
        throw new InvalidInputError(
          `path "${path}" goes through a dangling symlink (${relative(root, cur)}); it could point anywhere`,
        );
      }
      if (!inside(realRoot(), real))
        throw new InvalidInputError(`path "${path}" resolves outside the workspace through a symlink`);
    }
    return { rel, abs: join(root, rel), st: found === parts.length ? st : null, dirs: found >= parts.length - 1 };
  }

  async function walk(dir: string, prefix: string, out: string[]): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (RESERVED.test(e.name)) continue;
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(join(dir, e.name), rel, out);
      else if (e.isFile()) out.push(rel);
    }
  }

  return {
    root,
    // By path, not by when each write finished: a model's parallel tool calls finish in any order, and the
    // handoff lists these paths (a replay must list them as the run did).
    changes: () => new Map([...changed].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    async read(path) {
      const { abs } = resolveInside(path);
      let fd: number;
      try {
        // O_NONBLOCK: a FIFO (a test run may make one) opens at once and is refused below as not a file,
        // instead of holding the whole process until a writer comes.
        fd = openSync(abs, constants.O_RDONLY | constants.O_NONBLOCK);
      } catch {
        return null;
      }
      try {
        const st = fstatSync(fd);
        if (!st.isFile()) return null;
        if (st.nlink > 1)
          throw new InvalidInputError(
            `${path} has ${st.nlink} hard links; one may lead outside the workspace, so it is not read`,
          );
        if (st.size > MAX_FILE_BYTES)
          throw new InvalidInputError(`${path} is ${st.size} bytes; the read limit is ${MAX_FILE_BYTES}`);
        return readFileSync(fd, 'utf8');
      } finally {
        closeSync(fd);
      }
    },
    async write(path, content) {
      if (Buffer.byteLength(content) > MAX_FILE_BYTES)
        throw new InvalidInputError(
          `${path}: ${Buffer.byteLength(content)} bytes exceeds the ${MAX_FILE_BYTES}-byte file limit`,
        );
      const { rel, abs, st, dirs } = resolveInside(path);
      // The walk stat'ed every component: a folder is made only when one was missing, and the file's own lstat
      // is the walk's (the open below refuses a link swapped in since, with O_NOFOLLOW).
      if (!dirs) mkdirSync(dirname(abs), { recursive: true });
      if (st?.isSymbolicLink())
        throw new InvalidInputError(`${path} is a symlink; write to the file it points to instead`);
      if (st && !st.isFile()) throw new InvalidInputError(`${path} is not a regular file`);
      // A hard-linked file is replaced, never written through: its other name may be outside.
      if (st && st.nlink > 1) rmSync(abs, { force: true });
      // O_NONBLOCK: a FIFO swapped in since the check fails (ENXIO) instead of blocking the process.
      const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;
      const fd = openSync(abs, flags | constants.O_NONBLOCK, 0o644);
      try {
        writeFileSync(fd, content);
      } finally {
        closeSync(fd);
      }
      changed.set(rel, content);
    },
    async remove(path) {
      const { rel, abs } = resolveInside(path);
      // rm removes a link itself, never what it points to.
      rmSync(abs, { force: true });
      changed.set(rel, null);
    },
    async list(prefix = '') {
      const out: string[] = [];
      await walk(root, '', out);
      return out.filter((p) => p.startsWith(prefix)).sort();
    },
  };
}
