import { createHook } from 'node:async_hooks';
import { writeFileSync } from 'node:fs';
import { link, lstat, mkdir, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { loggedGit } from './support/logged-git.ts';
import { createGitService, type GitService } from '../electron/core/git/service.ts';
import type { FileChange } from '../electron/core/git/types.ts';
import { IN_PROCESS_MAX_FILES } from '../electron/core/git/worktree-refresh.ts';
import { workspaceDir } from '../electron/core/workflow/work-dirs.ts';
import { fsck, gitCli, tempDir, worktreeFiles } from './support/git-cli.ts';

function expectFsckClean(dir: string): void {
  const r = fsck(dir);
  expect(r.stderr + r.stdout).not.toMatch(/error|warning|missing|broken|bad/i);
  expect(r.code).toBe(0);
}

/**
 * Workspace refreshes and the promotion's checkout sync without git processes where Node does the work
 * (git/worktree-refresh.ts, git/checkout-sync.ts), judged by the git CLI: the worktree holds exactly the
 * commit's files, `git status` and `git diff-files` find nothing, `git fsck` is clean. Governor's git
 * processes are counted through a `git` on PATH that logs each call before running the real one.
 */
const T0 = 1_767_225_600;
const log = loggedGit();
/** The git commands Governor ran while `fn` ran. */
const gitCalls = async (fn: () => Promise<unknown>) => (await log.during(fn)).calls;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function project(): Promise<{ dir: string; git: GitService; develop: string }> {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  const git = createGitService({ dir });
  const { develop } = await git.ensureRepo({
    initialFiles: { 'README.md': '# CSV to JSON\n', 'src/cli.js': 'main()\n', 'src/lib/parse.js': 'parse()\n' },
    message: 'chore(governor): initialise project governance',
    timestamp: T0,
  });
  return { dir, git, develop };
}

let n = 0;
const commit = (git: GitService, changes: FileChange[], branch = 'phase1/implementer') =>
  git.commitChanges({
    branch,
    actor: 'Implementer',
    changes,
    subject: `feat: change ${++n}`,
    auditId: `evt_${n}`,
    timestamp: T0 + n,
  });

const lsTree = (dir: string, rev: string) =>
  gitCli(dir, 'ls-tree', '-r', rev)
    .trim()
    .split('\n')
    .map((l) => {
      const [meta, path] = l.split('\t');
      return `${meta?.split(' ')[0]} ${path}`;
    })
    .sort();

/** The worktree holds exactly `rev`: the same files, the same bytes, and git agrees (status, stat, HEAD). */
async function expectExactly(dir: string, ws: string, rev: string): Promise<void> {
  expect(await worktreeFiles(ws)).toEqual(lsTree(dir, rev));
  for (const line of lsTree(dir, rev)) {
    const path = line.slice(7);
    expect(await readFile(join(ws, path), 'utf8')).toBe(gitCli(dir, 'show', `${rev}:${path}`));
  }
  expect(gitCli(ws, 'rev-parse', 'HEAD').trim()).toBe(gitCli(dir, 'rev-parse', `${rev}^{commit}`).trim());
  expect(gitCli(ws, 'status', '--porcelain', '--untracked-files=all')).toBe('');
  // Every index entry's stat matches its file: the next `git status` reads nothing.
  expect(gitCli(ws, 'diff-files', '--name-only')).toBe('');
}

/** As expectExactly, for a large worktree: git's own checks instead of one `git show` per file. */
async function expectAtCommit(dir: string, ws: string, rev: string): Promise<void> {
  expect(await worktreeFiles(ws)).toEqual(lsTree(dir, rev));
  expect(gitCli(ws, 'rev-parse', 'HEAD').trim()).toBe(gitCli(dir, 'rev-parse', `${rev}^{commit}`).trim());
  expect(gitCli(ws, 'status', '--porcelain', '--untracked-files=all')).toBe('');
  expect(gitCli(ws, 'diff-files', '--name-only')).toBe('');
}

describe('workspace refresh in process', () => {
  test('an agent reuses its workspace across tasks and phases: exact files, no git process', async () => {
    const { dir, git, develop } = await project();
    // One folder per agent, whatever the phase; other branches keep their own.
    expect(workspaceDir(dir, 'phase2/implementer-2')).toBe(workspaceDir(dir, 'phase1/implementer-2'));
    expect(workspaceDir(dir, 'phase1/implementer')).not.toBe(workspaceDir(dir, 'phase1/implementer-2'));
    expect(workspaceDir(dir, 'experiments/x')).toMatch(/experiments-x$/);
    const ws = join(dir, '.governor', 'workspaces', 'implementer');
    // Its first use makes the worktree in process too: git lists it, detached at develop, and finds it exact.
    expect(await gitCalls(() => git.materialize({ oid: develop, dir: ws }))).toEqual([]);
    await expectExactly(dir, ws, develop);
    expect(gitCli(dir, 'worktree', 'list', '--porcelain')).toContain(
      `worktree ${await realpath(ws)}\nHEAD ${develop}\ndetached\n`,
    );
    expect(gitCli(ws, 'rev-parse', '--git-common-dir').trim()).toBe(await realpath(join(dir, '.git')));
    // The agent's task: a new file in a new folder, an edit, a deletion; Governor commits them.
    await mkdir(join(ws, 'src', 'csv'), { recursive: true });
    await writeFile(join(ws, 'src', 'csv', 'read.js'), 'read()\n');
    await writeFile(join(ws, 'src', 'cli.js'), 'main(process.argv)\n');
    await rm(join(ws, 'src', 'lib', 'parse.js'));
    const task1 = await commit(git, [
      { path: 'src/csv/read.js', content: 'read()\n' },
      { path: 'src/cli.js', content: 'main(process.argv)\n' },
      { path: 'src/lib/parse.js', content: null },
    ]);
    // Its next task starts from the tip: the files are already there, and nothing spawns git.
    expect(await gitCalls(() => git.materialize({ oid: task1.oid, dir: ws }))).toEqual([]);
    await expectExactly(dir, ws, task1.oid);
    // The next phase: another branch, other files (one back, one executable, one gone), the same folder.
    const phase2 = await commit(
      git,
      [
        { path: 'src/lib/parse.js', content: 'parse(v2)\n' },
        { path: 'bin/csvjson', content: '#!/bin/sh\n', mode: 'executable' },
        { path: 'src/csv/read.js', content: null },
      ],
      'phase2/implementer',
    );
    expect(await gitCalls(() => git.materialize({ oid: phase2.oid, dir: ws }))).toEqual([]);
    await expectExactly(dir, ws, phase2.oid);
    expect((await lstat(join(ws, 'bin', 'csvjson'))).mode & 0o111).not.toBe(0);
    // The folder that emptied is gone, as git leaves it.
    await expect(lstat(join(ws, 'src', 'csv'))).rejects.toThrow();
    // An edit left behind at the same commit is undone in process too.
    await writeFile(join(ws, 'README.md'), 'scribbled\n');
    expect(await gitCalls(() => git.materialize({ oid: phase2.oid, dir: ws }))).toEqual([]);
    await expectExactly(dir, ws, phase2.oid);
    expectFsckClean(dir);
  });

  test('files already holding the commit are not written again; a hard-linked one is replaced', async () => {
    const { dir, git, develop } = await project();
    const ws = join(dir, '.governor', 'workspaces', 'tester');
    await git.materialize({ oid: develop, dir: ws });
    // What a Tester's lay-over leaves: the next commit's files already in place, a tracked one edited to its
    // new content and an untracked one added; and a file hard-linked to one outside, holding the new content.
    const outside = join(dir, '.governor', 'outside.js');
    await writeFile(outside, 'parse(2)\n');
    await writeFile(join(ws, 'src', 'cli.js'), 'main(2)\n');
    await writeFile(join(ws, 'src', 'new.js'), 'fresh()\n');
    await rm(join(ws, 'src', 'lib', 'parse.js'));
    await link(outside, join(ws, 'src', 'lib', 'parse.js'));
    const next = await commit(git, [
      { path: 'src/cli.js', content: 'main(2)\n' },
      { path: 'src/new.js', content: 'fresh()\n' },
      { path: 'src/lib/parse.js', content: 'parse(2)\n' },
      { path: 'docs/a.md', content: 'a\n' },
    ]);
    const inodes = async () =>
      new Map(
        await Promise.all(
          lsTree(dir, next.oid).map(async (l) => {
            const p = l.slice(7);
            return [p, (await lstat(join(ws, p)).catch(() => null))?.ino ?? -1] as const;
          }),
        ),
      );
    const before = await inodes();
    expect(await gitCalls(() => git.materialize({ oid: next.oid, dir: ws }))).toEqual([]);
    const after = await inodes();
    // Written: the file that was missing and the hard-linked one, nothing else (the old refresh wrote 4).
    const rewritten = [...after].filter(([p, ino]) => before.get(p) !== ino).map(([p]) => p);
    expect(rewritten.sort()).toEqual(['docs/a.md', 'src/lib/parse.js']);
    expect((await lstat(outside)).nlink).toBe(1);
    await expectExactly(dir, ws, next.oid);
    expectFsckClean(dir);
  });

  test('a refresh writing 20 files makes no trip through the thread pool per file', async () => {
    const { dir, git, develop } = await project();
    const ws = join(dir, '.governor', 'workspaces', 'implementer');
    await git.materialize({ oid: develop, dir: ws });
    const files = Array.from({ length: 20 }, (_, i) => ({ path: `src/d${i % 4}/f${i}.js`, content: `${i}\n` }));
    const next = await commit(git, files);
    // Each async fs call (fs/promises, a callback, a file handle) is an async resource: counted by type.
    let requests = 0;
    const hook = createHook({
      init(_id, type) {
        if (/^FSREQ|^FILEHANDLE/.test(type)) requests += 1;
      },
    }).enable();
    try {
      expect(await gitCalls(() => git.materialize({ oid: next.oid, dir: ws }))).toEqual([]);
    } finally {
      hook.disable();
    }
    // Small files go by synchronous calls, one mkdir per folder (the old refresh made 167 requests here).
    expect(requests).toBeLessThanOrEqual(4);
    await expectExactly(dir, ws, next.oid);
  });

  test('a stray still goes by git clean, and a link in place of a folder leaves the refresh to git', async () => {
    const { dir, git, develop } = await project();
    const ws = join(dir, '.governor', 'workspaces', 'tester');
    await git.materialize({ oid: develop, dir: ws });
    await writeFile(join(ws, 'src', 'stray.txt'), 'x\n');
    const next = await commit(git, [{ path: 'src/cli.js', content: 'main(2)\n' }]);
    const calls = await gitCalls(() => git.materialize({ oid: next.oid, dir: ws }));
    expect(calls).toEqual([expect.stringMatching(/clean -f -f -d/)]);
    await expectExactly(dir, ws, next.oid);
    // A link to a folder outside where the commit has `src/lib`: nothing is written or removed through it.
    const outside = join(dir, '.governor', 'outside');
    await mkdir(outside, { recursive: true });
    await writeFile(join(outside, 'parse.js'), 'precious\n');
    await rm(join(ws, 'src', 'lib'), { recursive: true });
    await symlink(outside, join(ws, 'src', 'lib'));
    const third = await commit(git, [{ path: 'src/lib/parse.js', content: 'parse(3)\n' }]);
    await git.materialize({ oid: third.oid, dir: ws });
    expect(await readFile(join(outside, 'parse.js'), 'utf8')).toBe('precious\n');
    await expectExactly(dir, ws, third.oid);
  });

  test('a worktree over the in-process limit is refreshed by git checkout, read from its index header', async () => {
    const { dir, git, develop } = await project();
    const ws = join(dir, '.governor', 'workspaces', 'implementer');
    await git.materialize({ oid: develop, dir: ws });
    // One file past the limit, in one commit: from then on the workspace is git's to refresh.
    const many = Array.from({ length: IN_PROCESS_MAX_FILES + 1 }, (_, i) => ({
      path: `data/${String(i % 40)}/row-${i}.csv`,
      content: `${i}\n`,
    }));
    const big = await commit(git, many);
    // A new worktree of it is git's to make, and nothing of the in-process attempt is left behind.
    const other = join(dir, '.governor', 'workspaces', 'other');
    expect(await gitCalls(() => git.materialize({ oid: big.oid, dir: other }))).toEqual([
      expect.stringMatching(/^worktree add --detach/),
    ]);
    await expectAtCommit(dir, other, big.oid);
    expect(gitCli(dir, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(3);
    expect(await gitCalls(() => git.materialize({ oid: big.oid, dir: ws }))).toContainEqual(
      expect.stringMatching(/^checkout --force --quiet --detach/),
    );
    await expectAtCommit(dir, ws, big.oid);
    const next = await commit(git, [{ path: 'data/0/row-0.csv', content: 'changed\n' }]);
    const calls = await gitCalls(() => git.materialize({ oid: next.oid, dir: ws }));
    expect(calls).toContainEqual(expect.stringMatching(/^checkout --force --quiet --detach/));
    await expectAtCommit(dir, ws, next.oid);
    expect(await readFile(join(ws, 'data', '0', 'row-0.csv'), 'utf8')).toBe('changed\n');
    expectFsckClean(dir);
  });

  test('a refresh killed after the index, before HEAD, is finished by the next one', async () => {
    const { dir, git, develop } = await project();
    const ws = join(dir, '.governor', 'workspaces', 'implementer');
    await git.materialize({ oid: develop, dir: ws });
    const a = await commit(git, [{ path: 'src/cli.js', content: 'main(a)\n' }]);
    await git.materialize({ oid: a.oid, dir: ws });
    // As if killed between the index write and the HEAD write: the files and the index are `a`'s, HEAD develop's.
    const gitdir = gitCli(ws, 'rev-parse', '--git-dir').trim();
    writeFileSync(join(gitdir, 'HEAD'), `${develop}\n`);
    // The next commit takes src/cli.js back to develop's version: not in develop→b's difference, yet wrong on disk.
    const b = await commit(git, [
      { path: 'src/cli.js', content: 'main()\n' },
      { path: 'README.md', content: '# b\n' },
    ]);
    await git.materialize({ oid: b.oid, dir: ws });
    await expectExactly(dir, ws, b.oid);
  });
});

describe('promotion checkout sync', () => {
  test("Governor's exports already in place are indexed with no git process", async () => {
    const { dir, git } = await project();
    expect(gitCli(dir, 'symbolic-ref', 'HEAD').trim()).toBe('refs/heads/main');
    const from = gitCli(dir, 'rev-parse', 'main').trim();
    // The exporter wrote the new AGENT_TASKS.md and CHANGELOG.md into the checkout; the release commits them.
    await writeFile(join(dir, 'AGENT_TASKS.md'), '# Tasks\n- [x] T1\n');
    await writeFile(join(dir, 'README.md'), '# CSV to JSON, v0.1.0\n');
    const release = await commit(
      git,
      [
        { path: 'AGENT_TASKS.md', content: '# Tasks\n- [x] T1\n' },
        { path: 'README.md', content: '# CSV to JSON, v0.1.0\n' },
      ],
      'phase1/implementer',
    );
    const calls = await gitCalls(async () => {
      const out = await git.syncCheckout({ branch: 'main', from, to: release.oid, governed: () => true });
      expect(out).toEqual({ state: 'synced', synced: ['AGENT_TASKS.md', 'README.md'], kept: [] });
    });
    expect(calls).toEqual([]);
    gitCli(dir, 'update-ref', 'refs/heads/main', release.oid);
    expect(gitCli(dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(gitCli(dir, 'diff-files', '--name-only')).toBe('');
    expectFsckClean(dir);
  });
});
