import { lstat, mkdir, readFile, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, relative, sep } from 'node:path';
import type { WorkspaceFiles } from '../agents/runtime.ts';
import { InvalidInputError } from '../errors.ts';

export const MAX_FILE_BYTES = 1_000_000;

export interface TrackedWorkspace extends WorkspaceFiles {
  readonly root: string;
  /** Paths written or removed since the workspace was opened: what the commit will carry. */
  changes(): Map<string, string | null>;
}

/**
 * File tools confined to one agent workspace. A path that is absolute, climbs out with `..`,
 * or crosses a symlink that leads outside is refused with an error the agent can read;
 * every write is remembered so the commit is built from the edits alone.
 */
export function openWorkspace(root: string): TrackedWorkspace {
  const changed = new Map<string, string | null>();

  async function resolveInside(path: string): Promise<{ rel: string; abs: string }> {
    if (!path || isAbsolute(path) || /^[A-Za-z]:/.test(path)) throw new InvalidInputError(`path "${path}" must be relative to the workspace`);
    const rel = normalize(path).split(sep).join('/');
    if (rel === '..' || rel.startsWith('../') || rel.split('/').includes('..')) throw new InvalidInputError(`path "${path}" leaves the workspace`);
    if (rel === '.git' || rel.startsWith('.git/') || rel.startsWith('.governor')) throw new InvalidInputError(`path "${path}" is reserved`);
    const abs = join(root, rel);
    // Walk existing ancestors: a symlink anywhere on the way must still land inside the workspace.
    const realRoot = await realpath(root);
    let probe = abs;
    for (;;) {
      try {
        const real = await realpath(probe);
        const back = relative(realRoot, real);
        if (back.startsWith('..') || isAbsolute(back)) throw new InvalidInputError(`path "${path}" resolves outside the workspace through a symlink`);
        break;
      } catch (err) {
        if (err instanceof InvalidInputError) throw err;
        const up = dirname(probe);
        if (up === probe) break;
        probe = up;
      }
    }
    return { rel, abs };
  }

  async function walk(dir: string, prefix: string, out: string[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name === '.git' || e.name === '.governor' || e.name === '.governor-materialized.json') continue;
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(join(dir, e.name), rel, out);
      else if (e.isFile()) out.push(rel);
    }
  }

  return {
    root,
    changes: () => new Map(changed),
    async read(path) {
      const { abs } = await resolveInside(path);
      try {
        const st = await lstat(abs);
        if (st.size > MAX_FILE_BYTES) throw new InvalidInputError(`${path} is ${st.size} bytes; the read limit is ${MAX_FILE_BYTES}`);
        return await readFile(abs, 'utf8');
      } catch (err) {
        if (err instanceof InvalidInputError) throw err;
        return null;
      }
    },
    async write(path, content) {
      if (Buffer.byteLength(content) > MAX_FILE_BYTES) throw new InvalidInputError(`${path}: ${Buffer.byteLength(content)} bytes exceeds the ${MAX_FILE_BYTES}-byte file limit`);
      const { rel, abs } = await resolveInside(path);
      await mkdir(dirname(abs), { recursive: true });
      await writeFile(abs, content);
      changed.set(rel, content);
    },
    async remove(path) {
      const { rel, abs } = await resolveInside(path);
      await rm(abs, { force: true });
      changed.set(rel, null);
    },
    async list(prefix = '') {
      const out: string[] = [];
      await walk(root, '', out);
      return out.filter((p) => p.startsWith(prefix)).sort();
    },
  };
}
