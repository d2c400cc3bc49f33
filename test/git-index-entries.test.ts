import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addKnownEntries } from '../electron/core/git/index-entries.ts';
import { gitCli, gitRun, tempDir } from './support/git-cli.ts';

/**
 * Index entries written by blob id with the file's own stat (git/index-entries.ts), judged by the git CLI:
 * `git status` must read the index (it refuses a malformed or misordered one), `git diff-files` must find
 * every entry's stat matching its file (else it lists it), and `git ls-files -s` shows the ids.
 */
describe('index entries by stored blob id', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const gitdir = () => join(dir, '.git');
  const write = (rel: string, text: string) => {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), text);
  };
  const entry = (rel: string) => gitCli(dir, 'ls-files', '-s', '--', rel).trim();

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    gitCli(dir, 'init', '-q', '-b', 'main');
    write('a.txt', 'a\n');
    write('b/c.txt', 'c\n');
    gitCli(dir, 'add', '.');
    gitCli(dir, 'commit', '-q', '-m', 'init');
    // An untracked cache and a cache tree in the index: optional extensions, dropped on rewrite.
    gitCli(dir, '-c', 'core.untrackedCache=true', 'status', '--porcelain');
  });
  afterEach(() => cleanup());

  it('stages a file under the blob id it is given, with the stat git would record', async () => {
    write('audit/commands/000001.jsonl', '{"n":1}\n{"n":2}\n');
    const oid = gitCli(dir, 'hash-object', '-w', 'audit/commands/000001.jsonl').trim();
    const ok = await addKnownEntries(dir, gitdir(), [{ path: 'audit/commands/000001.jsonl', oid, mode: '100644' }]);
    expect(ok).toBe(true);
    expect(entry('audit/commands/000001.jsonl')).toBe(`100644 ${oid} 0\taudit/commands/000001.jsonl`);
    expect(gitCli(dir, 'status', '--porcelain')).toBe('A  audit/commands/000001.jsonl\n');
    // No entry whose stat differs from its file: git would list it here without looking at the content.
    expect(gitCli(dir, 'diff-files', '--name-only')).toBe('');
    expect(gitRun(dir, 'fsck', '--no-dangling').code).toBe(0);
  });

  it('takes the id it is given without reading the file', async () => {
    write('seg.jsonl', 'what the file holds\n');
    const other = gitCli(dir, 'hash-object', '-w', 'a.txt').trim();
    expect(await addKnownEntries(dir, gitdir(), [{ path: 'seg.jsonl', oid: other, mode: '100644' }])).toBe(true);
    expect(entry('seg.jsonl')).toBe(`100644 ${other} 0\tseg.jsonl`);
    expect(gitCli(dir, 'hash-object', 'seg.jsonl').trim()).not.toBe(other);
  });

  it('replaces an entry, keeps the others as they were, and orders paths as git does', async () => {
    const before = entry('b/c.txt');
    write('a.txt', 'changed\n');
    write('a-b.txt', 'x\n');
    write('a/z.txt', 'z\n');
    const ids = Object.fromEntries(
      ['a.txt', 'a-b.txt', 'a/z.txt'].map((p) => [p, gitCli(dir, 'hash-object', '-w', p).trim()]),
    );
    const entries = Object.entries(ids).map(([path, oid]) => ({ path, oid, mode: '100644' }));
    expect(await addKnownEntries(dir, gitdir(), entries)).toBe(true);
    expect(gitCli(dir, 'ls-files')).toBe('a-b.txt\na.txt\na/z.txt\nb/c.txt\n');
    expect(entry('b/c.txt')).toBe(before);
    expect(entry('a.txt')).toBe(`100644 ${ids['a.txt']} 0\ta.txt`);
    expect(gitCli(dir, 'status', '--porcelain')).toBe('A  a-b.txt\nM  a.txt\nA  a/z.txt\n');
    expect(gitCli(dir, 'diff-files', '--name-only')).toBe('');
  });

  it('leaves an index it does not handle untouched, for the git CLI to stage', async () => {
    write('seg.jsonl', 's\n');
    const oid = gitCli(dir, 'hash-object', '-w', 'seg.jsonl').trim();
    const add = () => addKnownEntries(dir, gitdir(), [{ path: 'seg.jsonl', oid, mode: '100644' }]);
    const index = () => readFileSync(join(gitdir(), 'index'));
    // Version 4 (path compression), a split index (a required extension), a lock another git holds.
    gitCli(dir, 'update-index', '--index-version', '4');
    let was = index();
    expect(await add()).toBe(false);
    expect(index().equals(was)).toBe(true);
    gitCli(dir, 'update-index', '--index-version', '2');
    gitCli(dir, 'update-index', '--split-index');
    was = index();
    expect(await add()).toBe(false);
    expect(index().equals(was)).toBe(true);
    gitCli(dir, 'update-index', '--no-split-index');
    writeFileSync(join(gitdir(), 'index.lock'), '');
    was = index();
    expect(await add()).toBe(false);
    expect(index().equals(was)).toBe(true);
  });

  it('refuses a file that is gone, or a file where the index has a folder', async () => {
    const oid = gitCli(dir, 'hash-object', '-w', 'a.txt').trim();
    const was = readFileSync(join(gitdir(), 'index'));
    expect(await addKnownEntries(dir, gitdir(), [{ path: 'missing.txt', oid, mode: '100644' }])).toBe(false);
    rmSync(join(dir, 'b'), { recursive: true });
    write('b', 'now a file\n');
    expect(await addKnownEntries(dir, gitdir(), [{ path: 'b', oid, mode: '100644' }])).toBe(false);
    expect(readFileSync(join(gitdir(), 'index')).equals(was)).toBe(true);
  });

  it('tells a folder of the index from a name that only starts like it', async () => {
    // In git's byte order `b-x/…` and `b.txt` sort between `b` and `b/…`, and `bz/…` after them.
    write('b-x/c.txt', 'x\n');
    write('b.txt', 'b\n');
    write('bz/d.txt', 'd\n');
    gitCli(dir, 'add', '.');
    gitCli(dir, 'commit', '-q', '-m', 'more');
    write('b-x.txt', 'new\n');
    const oid = gitCli(dir, 'hash-object', '-w', 'b-x.txt').trim();
    expect(await addKnownEntries(dir, gitdir(), [{ path: 'b-x.txt', oid, mode: '100644' }])).toBe(true);
    expect(entry('b-x.txt')).toBe(`100644 ${oid} 0\tb-x.txt`);
    expect(gitCli(dir, 'diff-files', '--name-only').trim()).toBe('');
    const was = readFileSync(join(gitdir(), 'index'));
    rmSync(join(dir, 'bz'), { recursive: true });
    write('bz', 'now a file\n');
    expect(await addKnownEntries(dir, gitdir(), [{ path: 'bz', oid, mode: '100644' }])).toBe(false);
    expect(readFileSync(join(gitdir(), 'index')).equals(was)).toBe(true);
  });
});
