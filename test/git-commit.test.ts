import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { ConflictError, InvalidInputError, ProtectedRefError } from '../electron/core/errors.ts';
import { createGitService, type GitService } from '../electron/core/git/service.ts';
import { fsck, gitCli, gitRun, tempDir } from './support/git-cli.ts';

const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function project(): Promise<{ dir: string; git: GitService; main: string; develop: string }> {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  const git = createGitService({ dir });
  const { main, develop } = await git.ensureRepo({
    initialFiles: {
      'README.md': '# Backtester\n',
      'agents.yaml': 'project: backtester\n',
      'src/app.py': 'print("hi")\n',
    },
    message: 'chore(governor): initialise project governance',
    auditId: 'evt_init',
    timestamp: T0,
  });
  return { dir, git, main, develop };
}

function expectFsckClean(dir: string): void {
  const r = fsck(dir);
  expect(r.stderr + r.stdout).not.toMatch(/error|warning|missing|broken|bad/i);
  expect(r.code).toBe(0);
}

describe('ensureRepo', () => {
  test('creates main and develop at one initial commit, with a clean checkout the git CLI agrees with', async () => {
    const { dir, git, main, develop } = await project();
    expect(develop).toBe(main);
    expect(gitCli(dir, 'rev-parse', 'main').trim()).toBe(main);
    expect(gitCli(dir, 'rev-parse', 'develop').trim()).toBe(main);
    expect(gitCli(dir, 'symbolic-ref', 'HEAD').trim()).toBe('refs/heads/main');
    expect(gitCli(dir, 'status', '--porcelain')).toBe('');
    expect(gitCli(dir, 'ls-tree', '-r', '--name-only', 'main').trim().split('\n')).toEqual([
      'README.md',
      'agents.yaml',
      'src/app.py',
    ]);
    expect(gitCli(dir, 'log', '-1', '--format=%an <%ae> %at %B', 'main')).toContain(
      'Governor-System <system@agents.local> 1767225600',
    );
    expect(gitCli(dir, 'log', '-1', '--format=%(trailers:key=Audit-ID,valueonly)', 'main').trim()).toBe('evt_init');
    expectFsckClean(dir);
    expect(await git.isRepo()).toBe(true);
    expect(await git.isWorkingTreeDirty()).toEqual([]);
  });

  test('is idempotent on an existing repository and restores a missing develop', async () => {
    const { dir, git, main } = await project();
    gitCli(dir, 'branch', '-D', 'develop');
    const again = await git.ensureRepo({
      initialFiles: { 'other.txt': 'x' },
      message: 'chore: again',
      timestamp: T0 + 5,
    });
    expect(again).toMatchObject({ main, develop: main, created: false });
    expect(gitCli(dir, 'rev-list', '--count', 'main').trim()).toBe('1');
    expect(gitCli(dir, 'status', '--porcelain')).toBe('');
  });

  test('keeps a file the user already had instead of overwriting it, and still leaves status clean', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    await writeFile(join(dir, 'README.md'), 'mine\n');
    const git = createGitService({ dir });
    const res = await git.ensureRepo({
      initialFiles: { 'README.md': 'template\n', 'a.txt': 'a\n' },
      message: 'chore: init',
      timestamp: T0,
    });
    expect(res.kept).toEqual(['README.md']);
    expect(await readFile(join(dir, 'README.md'), 'utf8')).toBe('mine\n');
    expect(gitCli(dir, 'show', 'main:README.md')).toBe('mine\n');
    expect(gitCli(dir, 'status', '--porcelain')).toBe('');
  });

  test('adopts an existing repository whose history is on master', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    gitCli(dir, 'init', '-q', '-b', 'master');
    await writeFile(join(dir, 'app.py'), 'print(0)\n');
    gitCli(dir, 'add', 'app.py');
    gitCli(dir, 'commit', '-q', '-m', 'initial');
    const head = gitCli(dir, 'rev-parse', 'HEAD').trim();
    const git = createGitService({ dir });
    expect(await git.ensureRepo({ initialFiles: { 'x.md': 'x' }, message: 'chore: init', timestamp: T0 })).toEqual({
      main: head,
      develop: head,
      created: false,
      kept: [],
    });
    expect(await git.headBranch()).toBe('master');
    expect(await git.resolveRef('HEAD')).toBe(head);
    expect(gitCli(dir, 'status', '--porcelain')).toBe('');
  });

  test('creates the project directory when it does not exist yet', async () => {
    const { dir: parent, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const dir = join(parent, 'new', 'project');
    const git = createGitService({ dir });
    expect(await git.isRepo()).toBe(false);
    const res = await git.ensureRepo({
      initialFiles: [{ path: 'bin/run.sh', content: '#!/bin/sh\n', mode: 'executable' }],
      message: 'chore: init',
      timestamp: T0,
    });
    expect(res.created).toBe(true);
    expect(gitCli(dir, 'ls-files', '-s', 'bin/run.sh')).toMatch(/^100755 /);
    expect(gitCli(dir, 'status', '--porcelain')).toBe('');
    expectFsckClean(dir);
  });

  test('Governor state under .governor/ is invisible to git status (local exclude)', async () => {
    const { dir } = await project();
    await mkdir(join(dir, '.governor', 'workspaces', 'x'), { recursive: true });
    await writeFile(join(dir, '.governor', 'governor.db'), 'db');
    expect(gitCli(dir, 'status', '--porcelain')).toBe('');
  });
});

describe('addNotes', () => {
  test("writes one sync's notes in one notes commit, skipping what is already there", async () => {
    const { dir, git, main, develop } = await project();
    const c = await git.commitChanges({
      branch: 'phase1/implementer',
      actor: 'Implementer',
      changes: [{ path: 'src/x.py', content: 'x = 1\n' }],
      subject: 'feat: x',
      auditId: 'evt_x',
      timestamp: T0 + 5,
    });
    await git.addNote({ oid: main, note: 'first', timestamp: T0 + 6, auditId: 'evt_n0' });
    const before = Number(gitCli(dir, 'rev-list', '--count', 'refs/notes/audit').trim());
    const r = await git.addNotes([
      { oid: develop, note: 'first', timestamp: T0 + 7, auditId: 'evt_n1' },
      { oid: develop, note: 'second', timestamp: T0 + 7, auditId: 'evt_n2' },
      { oid: c.oid, note: 'third', timestamp: T0 + 8, auditId: 'evt_n3' },
    ]);
    expect(r.changed).toBe(2);
    expect(Number(gitCli(dir, 'rev-list', '--count', 'refs/notes/audit').trim())).toBe(before + 1);
    expect(gitCli(dir, 'notes', '--ref=audit', 'show', develop)).toBe('first\n\nsecond\n');
    expect(gitCli(dir, 'notes', '--ref=audit', 'show', c.oid)).toBe('third\n');
    expect(gitCli(dir, 'log', '-1', '--format=%(trailers:key=Audit-ID)', 'refs/notes/audit')).toBe(
      'Audit-ID: evt_n3\n\n',
    );
    // Again: nothing new, nothing committed.
    expect((await git.addNotes([{ oid: c.oid, note: 'third', timestamp: T0 + 9 }])).changed).toBe(0);
    expect(Number(gitCli(dir, 'rev-list', '--count', 'refs/notes/audit').trim())).toBe(before + 1);
    expectFsckClean(dir);
  });
});

describe('commitChanges', () => {
  test('keeps a sealed file the parent holds without loading it, and loads one it lacks', async () => {
    const { dir, git } = await project();
    const base = { branch: 'phase1/implementer', actor: 'Implementer' as const, subject: 'docs: records' };
    const first = await git.commitChanges({
      ...base,
      changes: [{ path: 'audit/commands/000001.jsonl', content: '{"a":1}\n' }],
      auditId: 'evt_s1',
      timestamp: T0 + 10,
    });
    const loaded: string[] = [];
    const loader = (path: string, text: string) => ({
      load: async () => {
        loaded.push(path);
        return Buffer.from(text);
      },
    });
    // A segment whose blob was stored when it was sealed: named by its oid, never read either.
    const stored = await git.storeBlob(Buffer.from('{"d":4}\n'));
    const second = await git.commitChanges({
      ...base,
      changes: [
        // Another content on purpose: a kept segment is never read, so its committed blob stays.
        { path: 'audit/commands/000001.jsonl', content: loader('audit/commands/000001.jsonl', 'changed\n') },
        { path: 'audit/commands/000002.jsonl', content: loader('audit/commands/000002.jsonl', '{"b":2}\n') },
        { path: 'audit/commands.jsonl', content: '{"c":3}\n' },
        {
          path: 'audit/commands/000003.jsonl',
          content: { ...loader('audit/commands/000003.jsonl', 'x'), oid: stored },
        },
      ],
      auditId: 'evt_s2',
      timestamp: T0 + 20,
    });
    expect(loaded).toEqual(['audit/commands/000002.jsonl']);
    expect(second.parent).toBe(first.oid);
    expect(second.files).toEqual([
      'audit/commands.jsonl',
      'audit/commands/000002.jsonl',
      'audit/commands/000003.jsonl',
    ]);
    expect(gitCli(dir, 'show', `${second.oid}:audit/commands/000003.jsonl`)).toBe('{"d":4}\n');
    expect(gitCli(dir, 'show', `${second.oid}:audit/commands/000001.jsonl`)).toBe('{"a":1}\n');
    expect(gitCli(dir, 'show', `${second.oid}:audit/commands/000002.jsonl`)).toBe('{"b":2}\n');
    expectFsckClean(dir);
  });

  test('writes a signed, audited commit on the agent branch without touching the checkout', async () => {
    const { dir, git, develop } = await project();
    const res = await git.commitChanges({
      branch: 'phase1/implementer',
      actor: 'Implementer',
      changes: [
        { path: 'src/backtester/engine.py', content: 'class Engine:\n    pass\n' },
        { path: 'src/app.py', content: 'print("engine")\n' },
        { path: 'bin/run', content: '#!/bin/sh\necho run\n', mode: 'executable' },
      ],
      subject: 'feat(backtester): add engine skeleton',
      body: 'T-001: the engine loop.',
      auditId: 'evt_001',
      timestamp: T0 + 60,
    });
    expect(res).toMatchObject({ parent: develop, committed: true, createdBranch: true });
    expect(res.files).toEqual(['bin/run', 'src/app.py', 'src/backtester/engine.py']);
    expect(gitCli(dir, 'rev-parse', 'phase1/implementer').trim()).toBe(res.oid);
    expect(gitCli(dir, 'log', '-1', '--format=%(trailers)', 'phase1/implementer')).toBe(
      'Signed-off-by: Implementer-Agent <implementer@agents.local>\nAudit-ID: evt_001\n\n',
    );
    expect(gitCli(dir, 'log', '-1', '--format=%B', 'phase1/implementer')).toBe(
      'feat(backtester): add engine skeleton\n\nT-001: the engine loop.\n\nSigned-off-by: Implementer-Agent <implementer@agents.local>\nAudit-ID: evt_001\n\n',
    );
    expect(
      gitCli(
        dir,
        'log',
        '-1',
        '--format=%an|%ae|%at|%cn|%ce|%ct|%ad',
        '--date=iso-strict',
        'phase1/implementer',
      ).trim(),
    ).toBe(
      'Implementer-Agent|implementer@agents.local|1767225660|Implementer-Agent|implementer@agents.local|1767225660|2026-01-01T00:01:00+00:00',
    );
    expect(gitCli(dir, 'ls-tree', 'phase1/implementer', 'bin/run')).toMatch(/^100755 blob /);
    expect(gitCli(dir, 'show', 'phase1/implementer:src/app.py')).toBe('print("engine")\n');
    // main, develop and the user's checkout are untouched
    expect(gitCli(dir, 'rev-parse', 'develop').trim()).toBe(develop);
    expect(gitCli(dir, 'status', '--porcelain')).toBe('');
    expect(await readFile(join(dir, 'src/app.py'), 'utf8')).toBe('print("hi")\n');
    expectFsckClean(dir);
  });

  test('deletes files, prunes emptied directories and turns a file into a directory', async () => {
    const { dir, git } = await project();
    await git.commitChanges({
      branch: 'phase1/designer',
      actor: 'Designer',
      changes: [
        { path: 'src/app.py', content: null },
        { path: 'README.md/notes.md', content: 'README is now a folder\n' },
        { path: 'README.md', content: null },
      ],
      subject: 'docs(design): restructure',
      auditId: 'evt_002',
      timestamp: T0 + 1,
    });
    expect(gitCli(dir, 'ls-tree', '-r', '--name-only', 'phase1/designer').trim().split('\n')).toEqual([
      'README.md/notes.md',
      'agents.yaml',
    ]);
    expectFsckClean(dir);
  });

  test('re-running the same changes commits nothing and returns the tip', async () => {
    const { git } = await project();
    const input = {
      branch: 'phase1/tester',
      actor: 'Tester' as const,
      changes: [{ path: 'tests/TEST_PLAN.md', content: '# Plan\n' }],
      subject: 'docs(tests): test plan',
      auditId: 'evt_003',
      timestamp: T0 + 2,
    };
    const first = await git.commitChanges(input);
    const second = await git.commitChanges({ ...input, auditId: 'evt_004', timestamp: T0 + 3 });
    expect(second).toEqual({ oid: first.oid, parent: first.oid, files: [], committed: false, createdBranch: false });
  });

  test('expectedParent guards against lost updates', async () => {
    const { dir, git, develop } = await project();
    const base = { branch: 'phase1/implementer', actor: 'Implementer' as const, subject: 'feat: x', timestamp: T0 };
    const a = await git.commitChanges({
      ...base,
      changes: [{ path: 'a', content: '1' }],
      auditId: 'e1',
      expectedParent: develop,
    });
    await expect(
      git.commitChanges({ ...base, changes: [{ path: 'a', content: '2' }], auditId: 'e2', expectedParent: develop }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(gitCli(dir, 'rev-parse', 'phase1/implementer').trim()).toBe(a.oid);
    const b = await git.commitChanges({
      ...base,
      changes: [{ path: 'a', content: '2' }],
      auditId: 'e3',
      expectedParent: a.oid,
    });
    expect(b.parent).toBe(a.oid);
  });

  test('rejects malformed input before writing anything', async () => {
    const { dir, git } = await project();
    const base = { branch: 'phase1/implementer', actor: 'Implementer' as const, auditId: 'e', timestamp: T0 };
    await expect(
      git.commitChanges({ ...base, changes: [{ path: 'a', content: '1' }], subject: 'added stuff' }),
    ).rejects.toBeInstanceOf(InvalidInputError);
    await expect(
      git.commitChanges({ ...base, changes: [{ path: '../escape', content: '1' }], subject: 'feat: x' }),
    ).rejects.toBeInstanceOf(InvalidInputError);
    await expect(
      git.commitChanges({ ...base, changes: [{ path: '.git/config', content: '1' }], subject: 'feat: x' }),
    ).rejects.toBeInstanceOf(InvalidInputError);
    expect(gitRun(dir, 'rev-parse', '--verify', '-q', 'phase1/implementer').code).not.toBe(0);
  });

  test('two implementers committing concurrently, several rounds, both land', async () => {
    const { dir, git } = await project();
    const rounds = 6;
    for (let r = 0; r < rounds; r++) {
      await Promise.all(
        (['Implementer', 'Implementer-2'] as const).map((agent, k) =>
          git.commitChanges({
            branch: `phase1/${k === 0 ? 'implementer' : 'implementer-2'}`,
            actor: agent,
            changes: [
              { path: `src/mod${k}/round${r}.py`, content: `ROUND = ${r}\n` },
              { path: `src/shared_${k}.txt`, content: `last round ${r}\n` },
            ],
            subject: `feat(mod${k}): round ${r}`,
            auditId: `evt_${k}_${r}`,
            timestamp: T0 + r,
          }),
        ),
      );
    }
    for (const [k, branch] of ['phase1/implementer', 'phase1/implementer-2'].entries()) {
      expect(gitCli(dir, 'rev-list', '--count', `develop..${branch}`).trim()).toBe(String(rounds));
      const files = gitCli(dir, 'ls-tree', '-r', '--name-only', branch).trim().split('\n');
      for (let r = 0; r < rounds; r++) expect(files).toContain(`src/mod${k}/round${r}.py`);
      expect(files.some((f) => f.startsWith(`src/mod${1 - k}/`))).toBe(false);
      expect(gitCli(dir, 'show', `${branch}:src/shared_${k}.txt`)).toBe(`last round ${rounds - 1}\n`);
      expect(
        gitCli(dir, 'log', '--format=%(trailers:key=Audit-ID,valueonly)', `develop..${branch}`).trim().split(/\n+/),
      ).toHaveLength(rounds);
    }
    expect(gitCli(dir, 'status', '--porcelain')).toBe('');
    expectFsckClean(dir);
  });
});

describe('protection', () => {
  test('refused writes throw ProtectedRefError and move no ref', async () => {
    const { dir, git, main } = await project();
    const before = gitCli(dir, 'for-each-ref', '--format=%(refname) %(objectname)');
    const commit = (branch: string, actor: 'Implementer' | 'Implementer-2' | 'Human' | 'System' | 'Designer') =>
      git.commitChanges({
        branch,
        actor,
        changes: [{ path: 'x', content: 'x' }],
        subject: 'feat: x',
        auditId: 'e',
        timestamp: T0,
      });
    await expect(commit('main', 'Implementer')).rejects.toBeInstanceOf(ProtectedRefError);
    await expect(commit('main', 'System')).rejects.toBeInstanceOf(ProtectedRefError);
    await expect(commit('develop', 'Implementer')).rejects.toBeInstanceOf(ProtectedRefError);
    await expect(commit('develop', 'System')).rejects.toBeInstanceOf(ProtectedRefError); // develop moves by merge only
    await expect(commit('phase1/implementer', 'Implementer-2')).rejects.toBeInstanceOf(ProtectedRefError);
    await expect(commit('phase1/implementer-2', 'Implementer')).rejects.toBeInstanceOf(ProtectedRefError);
    await expect(commit('phase1/designer', 'Human')).rejects.toBeInstanceOf(ProtectedRefError);
    await expect(commit('feature/whatever', 'Designer')).rejects.toBeInstanceOf(ProtectedRefError);
    await expect(git.createBranch({ name: 'phase2/pm', from: 'develop', actor: 'Designer' })).rejects.toBeInstanceOf(
      ProtectedRefError,
    );
    const theirs = await git.commitChanges({
      branch: 'phase1/implementer',
      actor: 'Implementer',
      changes: [{ path: 'y', content: 'y' }],
      subject: 'feat: y',
      auditId: 'e',
      timestamp: T0,
    });
    const refsWithBranch = gitCli(dir, 'for-each-ref', '--format=%(refname) %(objectname)');
    await expect(
      git.mergeNoFF({
        ours: 'main',
        theirs: 'phase1/implementer',
        actor: 'System',
        action: 'promote',
        subject: 'release: x',
        auditId: 'e',
        timestamp: T0,
        updateRef: true,
      }),
    ).rejects.toBeInstanceOf(ProtectedRefError);
    await expect(
      git.mergeNoFF({
        ours: 'develop',
        theirs: 'phase1/implementer',
        actor: 'Implementer',
        action: 'gate_merge',
        subject: 'merge: x',
        auditId: 'e',
        timestamp: T0,
        updateRef: true,
      }),
    ).rejects.toBeInstanceOf(ProtectedRefError);
    await expect(
      git.updateRef({ name: 'develop', oid: theirs.oid, actor: 'Human', action: 'promote' }),
    ).rejects.toBeInstanceOf(ProtectedRefError);
    await expect(
      git.updateRef({ name: 'main', oid: theirs.oid, actor: 'System', action: 'gate_merge' }),
    ).rejects.toBeInstanceOf(ProtectedRefError);
    await expect(
      git.tagAnnotated({ name: 'v0.1.0', oid: main, message: 'x', actor: 'Implementer', timestamp: T0 }),
    ).rejects.toBeInstanceOf(ProtectedRefError);
    await expect(git.deleteBranch({ name: 'develop', actor: 'System', action: 'delete' })).rejects.toBeInstanceOf(
      ProtectedRefError,
    );
    expect(gitCli(dir, 'for-each-ref', '--format=%(refname) %(objectname)')).toBe(refsWithBranch);
    expect(refsWithBranch.replace(/^refs\/heads\/phase1\/implementer .*\n/m, '')).toBe(before);
  });

  test('the owner agent, experiments and the right actor/action are allowed', async () => {
    const { dir, git, main } = await project();
    const pm = await git.commitChanges({
      branch: 'phase1/pm',
      actor: 'ProjectManager',
      changes: [{ path: 'docs/a.md', content: 'a' }],
      subject: 'docs(pm): a',
      auditId: 'e1',
      timestamp: T0,
    });
    const exp = await git.commitChanges({
      branch: 'experiments/fast-io',
      actor: 'Implementer-2',
      changes: [{ path: 'x', content: 'x' }],
      subject: 'perf: try',
      auditId: 'e2',
      timestamp: T0,
    });
    expect(pm.committed && exp.committed).toBe(true);
    expect(gitCli(dir, 'log', '-1', '--format=%an <%ae>', 'phase1/pm').trim()).toBe(
      'ProjectManager-Agent <pm@agents.local>',
    );
    const tag = await git.tagAnnotated({
      name: 'archived/experiments/fast-io',
      oid: exp.oid,
      message: 'idle 14 days',
      actor: 'System',
      timestamp: T0,
    });
    expect(tag.created).toBe(true);
    await git.deleteBranch({ name: 'experiments/fast-io', actor: 'System', action: 'archive' });
    expect(await git.listBranches()).toEqual(['develop', 'main', 'phase1/pm']);
    expect(await git.resolveRef('main')).toBe(main);
  });
});
