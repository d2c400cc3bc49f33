import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decodeText, isBinary, mergeText } from '../electron/core/git/merge-text.ts';
import { gitRun, tempDir } from './support/git-cli.ts';

/** Deterministic pseudo-random numbers, so a failure is reproducible. */
function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

function mutate(lines: string[], r: () => number): string[] {
  const out = [...lines];
  for (let i = 0, n = 1 + Math.floor(r() * 2); i < n; i++) {
    const at = Math.floor(r() * (out.length + 1));
    const k = r();
    if (k < 0.4 && out.length > 0) out.splice(Math.min(at, out.length - 1), 1, `changed${Math.floor(r() * 3)}\n`);
    else if (k < 0.7) out.splice(at, 0, `ins${Math.floor(r() * 3)}\n`);
    else if (out.length > 0) out.splice(Math.min(at, out.length - 1), 1 + Math.floor(r() * 2));
  }
  return out;
}

let dir = '';
let cleanup: () => Promise<void> = async () => {};
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('governor-merge-text-'));
});
afterAll(() => cleanup());

async function gitMergeFile(base: string, ours: string, theirs: string): Promise<{ clean: boolean; text: string }> {
  await writeFile(join(dir, 'base'), base);
  await writeFile(join(dir, 'ours'), ours);
  await writeFile(join(dir, 'theirs'), theirs);
  const r = gitRun(dir, 'merge-file', '-p', join(dir, 'ours'), join(dir, 'base'), join(dir, 'theirs'));
  return { clean: r.code === 0, text: r.stdout };
}

describe('three-way text merge', () => {
  test('agrees with `git merge-file` on clean merges and on conflicts (400 generated cases)', async () => {
    const r = rng(7);
    for (let i = 0; i < 400; i++) {
      const base = Array.from({ length: 3 + Math.floor(r() * 8) }, (_, j) => `l${j % 4}\n`);
      const [b, o, t] = [base, mutate(base, r), mutate(base, r)].map((l) => l.join('')) as [string, string, string];
      const ours = mergeText(b, o, t);
      const git = await gitMergeFile(b, o, t);
      expect({ case: i, clean: ours.clean }).toEqual({ case: i, clean: git.clean });
      if (ours.clean) expect(ours.text).toBe(git.text);
    }
  });

  test('changes on adjacent lines conflict, as in git', () => {
    expect(mergeText('a\nb\nc\n', 'A\nb\nc\n', 'a\nB\nc\n').clean).toBe(false);
    expect(mergeText('a\nb\nc\n', 'A\nb\nc\n', 'a\nb\nC\n')).toEqual({ clean: true, text: 'A\nb\nC\n' });
  });

  test('identical changes on both sides merge; a missing final newline survives', () => {
    expect(mergeText('a\nb', 'a\nB', 'a\nB')).toEqual({ clean: true, text: 'a\nB' });
    expect(mergeText('a\nb\nc', 'x\na\nb\nc', 'a\nb\nc\nd')).toEqual({ clean: true, text: 'x\na\nb\nc\nd' });
  });

  test('binary and non-UTF-8 content is never merged as text', () => {
    expect(isBinary(new Uint8Array([1, 2, 0, 3]))).toBe(true);
    expect(decodeText(new Uint8Array([0xff, 0xfe, 0x41]))).toBeNull();
    expect(decodeText(new Uint8Array([0xef, 0xbb, 0xbf, 0x41]))).toBe('\ufeffA'); // a BOM is kept, not eaten
  });
});
