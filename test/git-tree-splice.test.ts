/**
 * Trees rewritten by splicing their raw bodies: the bytes git itself writes for the same entries (`git mktree`
 * judges), and an audit note appended to a large notes tree without decoding any tree whole.
 */
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, test, vi } from 'vitest';
import {
  hashObject,
  indexTreeEntries,
  MODE_EXEC,
  MODE_FILE,
  MODE_TREE,
  spliceTree,
  type Entry,
} from '../electron/core/git/objects.ts';
import { createGitService } from '../electron/core/git/service.ts';
import { fsck, gitCli, tempDir } from './support/git-cli.ts';

/** Whole-tree decodes (readTreeEntries) made by the modules that import objects.ts. */
const decodes = vi.hoisted(() => ({ n: 0 }));
vi.mock('../electron/core/git/objects.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../electron/core/git/objects.ts')>();
  return {
    ...real,
    readTreeEntries: (...args: Parameters<typeof real.readTreeEntries>) => {
      decodes.n += 1;
      return real.readTreeEntries(...args);
    },
  };
});

const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function repo() {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  gitCli(dir, 'init', '-q');
  return dir;
}

/** `git mktree --missing`: git sorts the entries and writes the tree; its oid. */
function mktree(dir: string, entries: readonly Entry[]): string {
  const input = entries.map((e) => `${e.mode} ${e.type} ${e.oid}\t${e.path}\n`).join('');
  const r = spawnSync('git', ['-C', dir, 'mktree', '--missing'], { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
}

/** The raw body of a tree git wrote. */
const rawTree = (dir: string, oid: string) =>
  spawnSync('git', ['-C', dir, 'cat-file', 'tree', oid], { maxBuffer: 1 << 24 }).stdout as Buffer;

/** A small deterministic generator, so a failing case can be replayed. */
function rng(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
}

// Names whose order git decides by the folder's implicit `/` (0x2f sorts after `-` and `.`, before `0`).
const NAMES = ['a', 'a-b', 'a.b', 'a0', 'ab', 'b', 'b.txt', 'b-', 'c', 'é', 'z', 'zz', 'A', '0', '_'];

function entry(name: string, pick: () => number): Entry {
  const oid = hashObject('blob', Buffer.from(`${name}${pick()}`)).oid;
  const kind = pick();
  if (kind < 0.3) return { mode: MODE_TREE, path: name, oid, type: 'tree' };
  return { mode: kind < 0.45 ? MODE_EXEC : MODE_FILE, path: name, oid, type: 'blob' };
}

describe('spliceTree', () => {
  test('gives the bytes git writes for the edited entries: sets, folders for files, removals', async () => {
    const dir = await repo();
    for (let seed = 1; seed <= 25; seed++) {
      const pick = rng(seed);
      const base = NAMES.filter(() => pick() < 0.6).map((n) => entry(n, pick));
      const edits = new Map<string, Entry | null>();
      for (const n of NAMES) {
        const r = pick();
        if (r < 0.15) edits.set(n, null);
        else if (r < 0.4) edits.set(n, entry(n, pick));
      }
      const after = new Map(base.map((e) => [e.path, e]));
      for (const [n, e] of edits) {
        if (e === null) after.delete(n);
        else after.set(n, e);
      }
      const body = rawTree(dir, mktree(dir, base));
      const spliced = spliceTree(body, edits);
      const expected = after.size === 0 ? '4b825dc642cb6eb9a060e54bf8d69288fbee4904' : mktree(dir, [...after.values()]);
      expect(hashObject('tree', spliced).oid, `seed ${seed}`).toBe(expected);
    }
  });
});

describe('indexTreeEntries', () => {
  test('decodes every entry git wrote, by name', async () => {
    const dir = await repo();
    for (let seed = 1; seed <= 10; seed++) {
      const pick = rng(seed);
      const base = NAMES.filter(() => pick() < 0.7).map((n) => entry(n, pick));
      const index = indexTreeEntries(rawTree(dir, mktree(dir, base)));
      expect(new Map([...index].sort()), `seed ${seed}`).toEqual(new Map(base.map((e) => [e.path, e] as const).sort()));
    }
  });

  test('a commit adding many files to a large folder gives the tree git gives', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const git = createGitService({ dir });
    const files = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [`seg/${String(i).padStart(6, '0')}.jsonl`, `${i}\n`]),
    );
    await git.ensureRepo({ initialFiles: { 'README.md': '# p\n', ...files }, message: 'chore: init', timestamp: T0 });
    const changes = Array.from({ length: 30 }, (_, i) => ({
      path: `seg/${String(i * 2 + 1).padStart(6, '0')}b.jsonl`,
      content: `new ${i}\n`,
    }));
    const before = decodes.n;
    const res = await git.commitChanges({
      branch: 'phase1/implementer',
      actor: 'Implementer',
      changes,
      subject: 'chore: more segments',
      auditId: 'evt_test',
      timestamp: T0 + 60,
    });
    expect(decodes.n - before).toBe(0);
    expect(gitCli(dir, 'ls-tree', '--name-only', `${res.oid}:seg`).trim().split('\n')).toHaveLength(70);
    fsck(dir);
  });
});

describe('audit notes on a large notes tree', () => {
  test('one note: no tree decoded whole, four objects, what the git CLI shows', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const git = createGitService({ dir });
    await git.ensureRepo({ initialFiles: { 'README.md': '# p\n' }, message: 'chore: init', timestamp: T0 });
    const commits: string[] = [];
    for (let n = 1; n <= 60; n++) {
      const c = await git.commitChanges({
        branch: 'phase1/implementer',
        actor: 'Implementer',
        changes: [{ path: `src/f${n}.py`, content: `x = ${n}\n` }],
        subject: `feat: f${n}`,
        auditId: `evt_${n}`,
        timestamp: T0 + n,
      });
      commits.push(c.oid);
    }
    const notes = commits.slice(0, 59).map((oid, i) => ({ oid, note: `note ${i}`, timestamp: T0 + 100 }));
    await git.addNotes(notes);
    const fanOuts = gitCli(dir, 'ls-tree', 'refs/notes/audit').trim().split('\n').length;
    expect(fanOuts).toBeGreaterThan(40);

    const last = commits[59] ?? '';
    const objects = () => Number(/^count: (\d+)/m.exec(gitCli(dir, 'count-objects', '-v'))?.[1]);
    const before = objects();
    decodes.n = 0;
    await git.addNotes([{ oid: last, note: 'the last one', timestamp: T0 + 200 }]);
    // Before: the notes root (every fan-out folder) decoded to find the note and again to rewrite it, and the
    // fan-out folder twice too. Now both are looked up and edited in their raw bodies.
    expect(decodes.n).toBe(0);
    // The note blob, its fan-out folder, the notes root, the notes commit.
    expect(objects() - before).toBe(4);
    expect(gitCli(dir, 'notes', '--ref=audit', 'show', last)).toBe('the last one\n');
    expect(gitCli(dir, 'notes', '--ref=audit', 'list').trim().split('\n')).toHaveLength(60);
    expect(gitCli(dir, 'ls-tree', '-r', '--name-only', 'refs/notes/audit')).toContain(
      `${last.slice(0, 2)}/${last.slice(2)}`,
    );
    const r = fsck(dir);
    expect(r.stderr + r.stdout).not.toMatch(/error|warning|missing|broken|bad/i);
    expect(r.code).toBe(0);
  });

  test('a packed notes tree (after git gc) is read whole and appended to the same way', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const git = createGitService({ dir });
    const { develop } = await git.ensureRepo({
      initialFiles: { 'README.md': '# p\n', 'src/a.py': 'a = 1\n' },
      message: 'chore: init',
      timestamp: T0,
    });
    await git.addNotes([{ oid: develop, note: 'first', timestamp: T0 + 1 }]);
    gitCli(dir, 'gc', '-q', '--prune=now');
    // A notes tree git wrote itself (the note flat, no fan-out), then packed: no raw body to splice, so it is
    // decoded whole, and the note moves into the fan-out.
    gitCli(dir, 'notes', '--ref=audit', 'append', '-m', 'by hand', develop);
    gitCli(dir, 'gc', '-q', '--prune=now');
    const packed = createGitService({ dir });
    decodes.n = 0;
    await packed.addNotes([{ oid: develop, note: 'second', timestamp: T0 + 2 }]);
    expect(decodes.n).toBeGreaterThan(0);
    expect(gitCli(dir, 'notes', '--ref=audit', 'show', develop)).toBe('first\n\nby hand\n\nsecond\n');
    expect(gitCli(dir, 'ls-tree', '-r', '--name-only', 'refs/notes/audit').trim()).toBe(
      `${develop.slice(0, 2)}/${develop.slice(2)}`,
    );
    expect(fsck(dir).code).toBe(0);
  });
});
