import { chmod, link, lstat, mkdir, readFile, readdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { createGitService, type GitService } from '../electron/core/git/service.ts';
import type { FileChange } from '../electron/core/git/types.ts';
import { gitCli, gitRun, tempDir, worktreeFiles } from './support/git-cli.ts';

const T0 = 1_767_225_600;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function project(): Promise<{ dir: string; git: GitService; develop: string }> {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  const git = createGitService({ dir });
  const { develop } = await git.ensureRepo({
    initialFiles: { 'README.md': '# Backtester\n', 'src/app.py': 'print(1)\n', 'src/lib/util.py': 'X = 1\n' },
    message: 'chore(governor): initialise project governance',
    timestamp: T0,
  });
  return { dir, git, develop };
}

const commit = (git: GitService, changes: FileChange[], n = 1) =>
  git.commitChanges({
    branch: 'phase1/implementer',
    actor: 'Implementer',
    changes,
    subject: `feat: change ${n}`,
    auditId: `evt_${n}`,
    timestamp: T0 + n,
  });

/** What `git ls-tree -r` says the files of `rev` are, in the same shape. */
function lsTree(dir: string, rev: string): string[] {
  return gitCli(dir, 'ls-tree', '-r', rev)
    .trim()
    .split('\n')
    .map((l) => {
      const [meta, path] = l.split('\t');
      return `${meta?.split(' ')[0]} ${path}`;
    })
    .sort();
}

async function expectSameContent(dir: string, rev: string, ws: string): Promise<void> {
  for (const line of lsTree(dir, rev)) {
    const [mode, path] = line.split(' ') as [string, string];
    if (mode === '120000') continue;
    expect(await readFile(join(ws, path), 'utf8')).toBe(gitCli(dir, 'show', `${rev}:${path}`));
  }
}

describe('materialize', () => {
  test('writes exactly the tree of a commit into a plain directory', async () => {
    const { dir, git } = await project();
    const c = await commit(git, [
      { path: 'bin/run', content: '#!/bin/sh\n', mode: 'executable' },
      { path: 'deep/a/b/c.txt', content: 'c\n' },
      { path: 'link', content: 'src/app.py', mode: 'symlink' },
    ]);
    const ws = join(dir, '.governor', 'workspaces', 'phase1-implementer');
    const res = await git.materialize({ oid: c.oid, dir: ws });
    expect(res.commit).toBe(c.oid);
    expect(await worktreeFiles(ws)).toEqual(lsTree(dir, c.oid));
    await expectSameContent(dir, c.oid, ws);
    expect(gitCli(dir, 'status', '--porcelain')).toBe('');
  });

  test('re-materializing another commit rewrites what differs and removes everything else', async () => {
    const { dir, git, develop } = await project();
    const ws = join(dir, '.governor', 'workspaces', 'w');
    await git.materialize({ oid: develop, dir: ws });
    // An agent edits, adds, deletes, and plants a symlink pointing outside.
    await writeFile(join(ws, 'src/app.py'), 'print(2)\n');
    await writeFile(join(ws, 'stray.txt'), 'stray\n');
    await rm(join(ws, 'README.md'));
    await mkdir(join(ws, 'build'), { recursive: true });
    await writeFile(join(ws, 'build/out.o'), 'obj');
    await rm(join(ws, 'src/lib'), { recursive: true });
    await symlink('/etc', join(ws, 'src/lib'));
    await chmod(join(ws, 'src/app.py'), 0o755);

    const c = await commit(git, [{ path: 'src/new.py', content: 'new\n' }]);
    const res = await git.materialize({ oid: c.oid, dir: ws });
    expect(await worktreeFiles(ws)).toEqual(lsTree(dir, c.oid));
    await expectSameContent(dir, c.oid, ws);
    expect((await lstat(join(ws, 'src/lib'))).isDirectory()).toBe(true);
    expect(res.removed).toBeGreaterThanOrEqual(3);

    // Nothing changed since: a second run writes nothing.
    const again = await git.materialize({ oid: c.oid, dir: ws });
    expect(again).toMatchObject({ written: 0, removed: 0 });
  });

  test('committed links: inside ones stay links across refreshes, ones leading out stay files', async () => {
    const { dir, git } = await project();
    const c1 = await commit(git, [
      { path: 'in', content: 'src/app.py', mode: 'symlink' },
      { path: 'out', content: '/etc', mode: 'symlink' },
    ]);
    const ws = join(dir, '.governor', 'workspaces', 'links');
    await git.materialize({ oid: c1.oid, dir: ws });
    expect((await lstat(join(ws, 'in'))).isSymbolicLink()).toBe(true);
    expect(await readFile(join(ws, 'in'), 'utf8')).toBe('print(1)\n');
    expect((await lstat(join(ws, 'out'))).isFile()).toBe(true);
    // The agent makes the link leading out a real one: a refresh with nothing else to do undoes it.
    await rm(join(ws, 'out'));
    await symlink('/etc', join(ws, 'out'));
    await git.materialize({ oid: c1.oid, dir: ws });
    expect((await lstat(join(ws, 'out'))).isFile()).toBe(true);
    // A commit adding a link: it arrives as a link, written alone; the others stay as they were.
    const c2 = await commit(git, [{ path: 'docs/link', content: '../src/app.py', mode: 'symlink' }], 2);
    expect(await git.materialize({ oid: c2.oid, dir: ws })).toMatchObject({ written: 1, removed: 0 });
    expect((await lstat(join(ws, 'docs/link'))).isSymbolicLink()).toBe(true);
    expect((await lstat(join(ws, 'in'))).isSymbolicLink()).toBe(true);
    expect((await lstat(join(ws, 'out'))).isFile()).toBe(true);
    expect(await git.changesInDir({ oid: c2.oid, dir: ws })).toEqual([]);
  });

  test('a workspace is a detached git worktree, refreshed in proportion to what changed', async () => {
    const { dir, git, develop } = await project();
    const ws = join(dir, '.governor', 'workspaces', 'w');
    expect(await git.materialize({ oid: develop, dir: ws })).toMatchObject({ written: 3, removed: 0 });
    expect(gitCli(ws, 'rev-parse', 'HEAD').trim()).toBe(develop);
    expect(gitCli(dir, 'worktree', 'list', '--porcelain')).toContain(`worktree ${ws}\nHEAD ${develop}\ndetached`);
    const untouched = (await lstat(join(ws, 'src/lib/util.py'))).ino;
    // A no-op touches nothing; a commit changing one file rewrites that file only.
    expect(await git.materialize({ oid: develop, dir: ws })).toMatchObject({ written: 0, removed: 0, unchanged: 3 });
    const c = await commit(git, [{ path: 'src/app.py', content: 'print(4)\n' }]);
    expect(await git.materialize({ oid: c.oid, dir: ws })).toMatchObject({ written: 1, removed: 0, unchanged: 2 });
    expect((await lstat(join(ws, 'src/lib/util.py'))).ino).toBe(untouched);
    expect(await readFile(join(ws, 'src/app.py'), 'utf8')).toBe('print(4)\n');
    expect(gitCli(ws, 'status', '--porcelain')).toBe('');
    // Governor wrote the commit; the worktree never moved a branch.
    expect(gitCli(dir, 'rev-parse', 'phase1/implementer').trim()).toBe(c.oid);
    expect(gitRun(ws, 'symbolic-ref', '-q', 'HEAD').code).toBe(1);
  });

  test('strays are found wherever an agent leaves them, though a refresh lists only folders that changed', async () => {
    const { dir, git, develop } = await project();
    const ws = join(dir, '.governor', 'workspaces', 'w');
    await git.materialize({ oid: develop, dir: ws });
    // The instant the refresh returns (inside the clock tick its folder stamps were taken in), and later.
    await writeFile(join(ws, 'src', 'lib', 'instant.py'), 'x\n');
    expect(await git.materialize({ oid: develop, dir: ws })).toMatchObject({ removed: 1 });
    const { mtime } = await lstat(join(ws, 'src'));
    await mkdir(join(ws, 'src', 'lib', 'deep', 'er'), { recursive: true });
    await writeFile(join(ws, 'src', 'lib', 'deep', 'er', 'new.py'), 'x\n');
    await writeFile(join(ws, 'src', 'stray.txt'), 'x\n');
    await writeFile(join(ws, 'stray-top.txt'), 'x\n');
    // A folder's mtime set back hides nothing: its ctime still moved.
    await utimes(join(ws, 'src'), mtime, mtime);
    const c = await commit(git, [{ path: 'src/app.py', content: 'print(5)\n' }]);
    expect(await git.materialize({ oid: c.oid, dir: ws })).toMatchObject({ written: 1, removed: 3 });
    expect(await worktreeFiles(ws)).toEqual(lsTree(dir, c.oid));
    // A tracked file replaced by a folder of strays, with no folder listing otherwise changed.
    await rm(join(ws, 'src', 'app.py'));
    await mkdir(join(ws, 'src', 'app.py'));
    await writeFile(join(ws, 'src', 'app.py', 'inside.txt'), 'x\n');
    await git.materialize({ oid: c.oid, dir: ws });
    expect(await worktreeFiles(ws)).toEqual(lsTree(dir, c.oid));
    // An edit to a tracked file (no folder changes) is undone by the no-op refresh.
    await writeFile(join(ws, 'README.md'), 'edited\n');
    expect(await git.materialize({ oid: c.oid, dir: ws })).toMatchObject({ written: 0 });
    expect(await readFile(join(ws, 'README.md'), 'utf8')).toBe('# Backtester\n');
    expect(gitCli(ws, 'status', '--porcelain', '--untracked-files=all')).toBe('');
  });

  test('a hard link planted in a workspace is replaced, never written through', async () => {
    const { dir, git, develop } = await project();
    const ws = join(dir, '.governor', 'workspaces', 'w');
    await git.materialize({ oid: develop, dir: ws });
    const outside = join(dir, '.governor', 'outside.txt');
    await writeFile(outside, 'precious\n');
    await rm(join(ws, 'README.md'));
    await link(outside, join(ws, 'README.md'));
    await git.materialize({ oid: develop, dir: ws });
    expect(await readFile(outside, 'utf8')).toBe('precious\n');
    expect(await readFile(join(ws, 'README.md'), 'utf8')).toBe('# Backtester\n');
    // no temp files are ever left behind in the object store or the workspace
    expect(gitCli(dir, 'status', '--porcelain', '--ignored')).toBe('!! .governor/\n');
    expect((await readdir(ws)).filter((f) => f.includes('governor-tmp'))).toEqual([]);
  });

  test('keep() preserves expensive untracked folders', async () => {
    const { dir, git, develop } = await project();
    const ws = join(dir, '.governor', 'qa', 'x');
    await git.materialize({ oid: develop, dir: ws });
    await mkdir(join(ws, 'node_modules', 'pkg'), { recursive: true });
    await writeFile(join(ws, 'node_modules', 'pkg', 'index.js'), '');
    await git.materialize({ oid: develop, dir: ws, keep: ['node_modules'] });
    expect(await readFile(join(ws, 'node_modules', 'pkg', 'index.js'), 'utf8')).toBe('');
    await git.materialize({ oid: develop, dir: ws });
    expect(await worktreeFiles(ws)).toEqual(lsTree(dir, develop));
  });

  test('pristine reuses the worktree and leaves nothing but the commit, ignored files included', async () => {
    const { dir, git, develop } = await project();
    const c = await commit(git, [{ path: '.gitignore', content: 'node_modules/\nreports/\n' }]);
    const ws = join(dir, '.governor', 'qa', 'x');
    await git.materialize({ oid: c.oid, dir: ws, pristine: true });
    const registered = gitCli(dir, 'worktree', 'list', '--porcelain');
    const gitFile = await readFile(join(ws, '.git'), 'utf8');
    // What a test run leaves: ignored results and packages, an untracked file, a tracked file changed.
    await mkdir(join(ws, 'node_modules', 'pkg'), { recursive: true });
    await writeFile(join(ws, 'node_modules', 'pkg', 'index.js'), '');
    await mkdir(join(ws, 'reports'));
    await writeFile(join(ws, 'reports', 'junit.xml'), '<testsuites/>');
    await writeFile(join(ws, 'src', 'stray.py'), 'x\n');
    await writeFile(join(ws, 'src', 'app.py'), 'print("changed")\n');
    const res = await git.materialize({ oid: c.oid, dir: ws, pristine: true });
    expect(res.removed).toBe(3);
    expect(await worktreeFiles(ws)).toEqual(lsTree(dir, c.oid));
    expect(await readFile(join(ws, 'src', 'app.py'), 'utf8')).toBe('print(1)\n');
    // The same worktree, refreshed in place: no new registration, the same link to the repository.
    expect(gitCli(dir, 'worktree', 'list', '--porcelain')).toBe(registered);
    expect(await readFile(join(ws, '.git'), 'utf8')).toBe(gitFile);
    // Without pristine, what git ignores stays (an agent's workspace keeps its node_modules).
    await mkdir(join(ws, 'node_modules'));
    await git.materialize({ oid: develop, dir: ws });
    expect(await readdir(ws)).toContain('node_modules');
  });

  test('refuses to materialize over the project checkout', async () => {
    const { dir, git, develop } = await project();
    await expect(git.materialize({ oid: develop, dir })).rejects.toThrow(/separate directory/);
  });

  test('changesInDir turns workspace edits into a change set that commits cleanly', async () => {
    const { dir, git, develop } = await project();
    const ws = join(dir, '.governor', 'workspaces', 'phase1-implementer');
    await git.materialize({ oid: develop, dir: ws });
    expect(await git.changesInDir({ oid: develop, dir: ws })).toEqual([]);
    await writeFile(join(ws, 'src/app.py'), 'print(3)\n');
    await rm(join(ws, 'README.md'));
    await mkdir(join(ws, 'tests'));
    await writeFile(join(ws, 'tests/test_app.py'), 'def test(): pass\n');
    await mkdir(join(ws, '__pycache__'));
    await writeFile(join(ws, '__pycache__/x.pyc'), 'bin');
    const changes = await git.changesInDir({ oid: develop, dir: ws, ignore: (p) => p === '__pycache__' });
    expect(changes.map((c) => [c.path, c.content === null ? null : Buffer.from(c.content).toString()])).toEqual([
      ['README.md', null],
      ['src/app.py', 'print(3)\n'],
      ['tests/test_app.py', 'def test(): pass\n'],
    ]);
    const res = await commit(git, changes);
    expect(res.files).toEqual(['README.md', 'src/app.py', 'tests/test_app.py']);
    expect(await git.changesInDir({ oid: res.oid, dir: ws, ignore: (p) => p === '__pycache__' })).toEqual([]);
  });
});

describe('reading history', () => {
  test('readFileAt, listFilesAt and logBranch with parsed trailers', async () => {
    const { dir, git, develop } = await project();
    const c = await commit(git, [{ path: 'src/app.py', content: 'print(9)\n' }], 7);
    expect(await git.readFileAt({ oid: c.oid, path: 'src/app.py' })).toBe('print(9)\n');
    expect(await git.readFileAt({ oid: develop, path: 'src/app.py' })).toBe('print(1)\n');
    expect(await git.readFileAt({ oid: c.oid, path: 'missing.txt' })).toBeNull();
    expect(await git.readFileAt({ oid: c.oid, path: 'src' })).toBeNull();
    expect(await git.readFileAt({ oid: c.oid, path: 'src/app.py/x' })).toBeNull();
    expect(await git.readFileAt({ oid: c.oid, path: 'src/lib/util.py' })).toBe(
      gitCli(dir, 'show', `${c.oid}:src/lib/util.py`),
    );
    // Packed objects (after `git gc`) are read as well as loose ones.
    gitCli(dir, 'gc', '--quiet', '--prune=now');
    expect(await createGitService({ dir }).readFileAt({ oid: c.oid, path: 'src/lib/util.py' })).toBe('X = 1\n');
    expect(await git.listFilesAt('phase1/implementer')).toEqual(['README.md', 'src/app.py', 'src/lib/util.py']);
    const log = await git.logBranch('phase1/implementer', 10);
    expect(log.map((l) => l.subject)).toEqual(['feat: change 7', 'chore(governor): initialise project governance']);
    expect(log[0]).toMatchObject({
      oid: c.oid,
      parents: [develop],
      auditId: 'evt_7',
      signedOffBy: 'Implementer-Agent <implementer@agents.local>',
      author: { name: 'Implementer-Agent', email: 'implementer@agents.local' },
      timestamp: T0 + 7,
    });
  });

  test('diff reports A/M/D with contents and patches, binary and truncation', async () => {
    const { dir, git, develop } = await project();
    const big = 'x'.repeat(1024 * 1024 + 10);
    const c = await commit(git, [
      { path: 'src/app.py', content: 'print(2)\n' },
      { path: 'README.md', content: null },
      { path: 'img.png', content: new Uint8Array([0x89, 0x50, 0x00, 0x01]) },
      { path: 'big.txt', content: big },
      { path: 'bin/tool', content: 'echo\n', mode: 'executable' },
    ]);
    const { files } = await git.diff({ from: develop, to: c.oid });
    expect(files.map((f) => `${f.status} ${f.path}`)).toEqual([
      'D README.md',
      'A big.txt',
      'A bin/tool',
      'A img.png',
      'M src/app.py',
    ]);
    expect(files.map((f) => `${f.status}\t${f.path}`).sort()).toEqual(
      gitCli(dir, 'diff', '--name-status', develop, c.oid).trim().split('\n').sort(),
    );
    const byPath = new Map(files.map((f) => [f.path, f]));
    expect(byPath.get('src/app.py')).toMatchObject({
      oldContent: 'print(1)\n',
      newContent: 'print(2)\n',
      binary: false,
      truncated: false,
    });
    expect(byPath.get('src/app.py')?.patch).toContain('-print(1)\n+print(2)');
    expect(byPath.get('img.png')).toMatchObject({ binary: true, newContent: null, patch: null });
    expect(byPath.get('big.txt')).toMatchObject({ truncated: true, patch: null });
    expect(byPath.get('big.txt')?.newContent?.length).toBe(1024 * 1024);
    expect(byPath.get('README.md')).toMatchObject({ oldContent: '# Backtester\n', newContent: null });
    const names = await git.diff({ from: develop, to: c.oid, content: false });
    expect(names.files.every((f) => f.oldContent === null && f.newContent === null)).toBe(true);
    expect((await git.diff({ from: c.oid, to: c.oid })).files).toEqual([]);
  });
});

describe('the user checkout', () => {
  test('isWorkingTreeDirty reports the user edits, respecting ignore', async () => {
    const { dir, git } = await project();
    expect(await git.isWorkingTreeDirty()).toEqual([]);
    await writeFile(join(dir, 'README.md'), 'edited by the user\n');
    await writeFile(join(dir, 'notes.txt'), 'untracked\n');
    expect(await git.isWorkingTreeDirty()).toEqual(['README.md', 'notes.txt']);
    expect(await git.isWorkingTreeDirty({ ignore: (p) => p === 'notes.txt' })).toEqual(['README.md']);
    expect(gitCli(dir, 'status', '--porcelain')).toBe(' M README.md\n?? notes.txt\n');
  });

  test('setRef and deleteRef put refs back for crash recovery', async () => {
    const { dir, git, develop } = await project();
    const c = await commit(git, [{ path: 'a', content: 'a' }]);
    expect(await git.setRef({ name: 'phase1/implementer', oid: develop })).toEqual({ previous: c.oid });
    expect(gitCli(dir, 'rev-parse', 'phase1/implementer').trim()).toBe(develop);
    expect(await git.deleteRef({ name: 'phase1/implementer' })).toEqual({ previous: develop });
    expect(await git.resolveRef('phase1/implementer')).toBeNull();
  });
});
