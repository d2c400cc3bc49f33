import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { ConflictError } from '../electron/core/errors.ts';
import { createGitService, type GitService } from '../electron/core/git/service.ts';
import { fsck, gitCli, tempDir } from './support/git-cli.ts';

const T0 = 1_767_225_600;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

const ENGINE = [
  'class Engine:',
  '    def __init__(self):',
  '        self.cash = 0',
  '',
  '    def run(self):',
  '        return self.cash',
  '',
].join('\n');

async function project(): Promise<{ dir: string; git: GitService; develop: string }> {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  const git = createGitService({ dir });
  const { develop } = await git.ensureRepo({
    initialFiles: { 'README.md': '# Backtester\n', 'src/engine.py': ENGINE },
    message: 'chore(governor): initialise project governance',
    timestamp: T0,
  });
  return { dir, git, develop };
}

function expectFsckClean(dir: string): void {
  const r = fsck(dir);
  expect(r.stderr + r.stdout).not.toMatch(/error|warning|missing|broken|bad/i);
  expect(r.code).toBe(0);
}

const implementer = (
  git: GitService,
  changes: Array<{ path: string; content: string | null }>,
  subject = 'feat(engine): work',
) =>
  git.commitChanges({
    branch: 'phase1/implementer',
    actor: 'Implementer',
    changes,
    subject,
    auditId: `evt_${subject.length}`,
    timestamp: T0 + 10,
  });
const implementer2 = (
  git: GitService,
  changes: Array<{ path: string; content: string | null }>,
  subject = 'feat(data): work',
) =>
  git.commitChanges({
    branch: 'phase1/implementer-2',
    actor: 'Implementer-2',
    changes,
    subject,
    auditId: `evt2_${subject.length}`,
    timestamp: T0 + 20,
  });

const gateMerge = (git: GitService, theirs: string, updateRef = true) =>
  git.mergeNoFF({
    ours: 'develop',
    theirs,
    actor: 'System',
    action: 'gate_merge',
    subject: `merge(phase1): ${theirs} into develop`,
    auditId: `evt_merge_${theirs}`,
    timestamp: T0 + 100,
    updateRef,
  });

describe('mergeNoFF', () => {
  test('always records a two-parent merge commit, first parent = ours, even when fast-forward was possible', async () => {
    const { dir, git, develop } = await project();
    const work = await implementer(git, [{ path: 'src/new.py', content: 'x = 1\n' }]);
    const res = await gateMerge(git, 'phase1/implementer');
    if (!res.ok) throw new Error(res.reason);
    expect(res.parents).toEqual([develop, work.oid]);
    expect(gitCli(dir, 'rev-parse', 'develop').trim()).toBe(res.oid);
    expect(gitCli(dir, 'rev-list', '--parents', '-n', '1', 'develop').trim()).toBe(`${res.oid} ${develop} ${work.oid}`);
    expect(gitCli(dir, 'log', '-1', '--format=%an|%(trailers:key=Audit-ID,valueonly)', 'develop').trim()).toBe(
      'Governor-System|evt_merge_phase1/implementer',
    );
    expect(gitCli(dir, 'diff', 'phase1/implementer', 'develop')).toBe('');
    expect(gitCli(dir, 'status', '--porcelain')).toBe('');
    expectFsckClean(dir);
  });

  test('merges edits to different parts of the same file, as git would', async () => {
    const { dir, git } = await project();
    await implementer(git, [
      { path: 'src/engine.py', content: ENGINE.replace('class Engine:', 'class Engine:  # core') },
    ]);
    await implementer2(git, [
      { path: 'src/engine.py', content: ENGINE.replace('return self.cash', 'return self.cash * 2') },
    ]);
    expect((await gateMerge(git, 'phase1/implementer')).ok).toBe(true);
    const second = await gateMerge(git, 'phase1/implementer-2');
    expect(second.ok).toBe(true);
    expect(gitCli(dir, 'show', 'develop:src/engine.py')).toBe(
      ENGINE.replace('class Engine:', 'class Engine:  # core').replace('return self.cash', 'return self.cash * 2'),
    );
    expectFsckClean(dir);
  });

  test('a conflict lists the files, writes nothing and leaves develop where it was', async () => {
    const { dir, git } = await project();
    await implementer(git, [
      { path: 'src/engine.py', content: ENGINE.replace('self.cash = 0', 'self.cash = 100') },
      { path: 'README.md', content: '# Ours\n' },
      { path: 'src/only-mine.py', content: 'a\n' },
    ]);
    await implementer2(git, [
      { path: 'src/engine.py', content: ENGINE.replace('self.cash = 0', 'self.cash = 5') },
      { path: 'README.md', content: null },
    ]);
    const first = await gateMerge(git, 'phase1/implementer');
    if (!first.ok) throw new Error(first.reason);
    const objectsBefore = gitCli(dir, 'count-objects', '-v');
    const res = await gateMerge(git, 'phase1/implementer-2');
    expect(res).toMatchObject({ ok: false, conflicts: ['README.md', 'src/engine.py'] });
    expect(gitCli(dir, 'rev-parse', 'develop').trim()).toBe(first.oid);
    expect(gitCli(dir, 'count-objects', '-v')).toBe(objectsBefore);
    expect(gitCli(dir, 'status', '--porcelain')).toBe('');
    expectFsckClean(dir);
  });

  test('add/add and file/directory clashes are conflicts too', async () => {
    const { git } = await project();
    await implementer(git, [
      { path: 'src/util.py', content: 'a\n' },
      { path: 'docs', content: 'a file\n' },
    ]);
    await implementer2(git, [
      { path: 'src/util.py', content: 'b\n' },
      { path: 'docs/index.md', content: 'a dir\n' },
    ]);
    await gateMerge(git, 'phase1/implementer');
    expect(await gateMerge(git, 'phase1/implementer-2')).toMatchObject({
      ok: false,
      conflicts: ['docs', 'src/util.py'],
    });
  });

  test('an already merged branch is reported as such, without an empty merge commit', async () => {
    const { git } = await project();
    await implementer(git, [{ path: 'a', content: 'a' }]);
    const first = await gateMerge(git, 'phase1/implementer');
    const again = await gateMerge(git, 'phase1/implementer');
    expect(first.ok && again.ok && again.alreadyMerged && again.oid === first.oid).toBe(true);
  });
});

describe('QA candidate chain', () => {
  test('merges several agent branches on top of develop without moving it; updateRef then moves develop', async () => {
    const { dir, git, develop } = await project();
    const a = await implementer(git, [{ path: 'src/a.py', content: 'a\n' }]);
    const b = await implementer2(git, [{ path: 'src/b.py', content: 'b\n' }]);
    const chain = await git.mergeCommits({
      base: 'develop',
      merges: [
        { theirs: 'phase1/implementer', subject: 'merge(phase1): phase1/implementer into develop', auditId: 'evt_m1' },
        {
          theirs: 'phase1/implementer-2',
          subject: 'merge(phase1): phase1/implementer-2 into develop',
          auditId: 'evt_m2',
        },
      ],
      actor: 'System',
      timestamp: T0 + 200,
    });
    if (!chain.ok) throw new Error(chain.reason);
    expect(gitCli(dir, 'rev-parse', 'develop').trim()).toBe(develop);
    const [m1, m2] = chain.steps;
    expect(gitCli(dir, 'rev-list', '--parents', '-n', '1', chain.oid).trim()).toBe(`${chain.oid} ${m1?.oid} ${b.oid}`);
    expect(gitCli(dir, 'rev-list', '--parents', '-n', '1', m1?.oid ?? '').trim()).toBe(
      `${m1?.oid} ${develop} ${a.oid}`,
    );
    expect(m2?.oid).toBe(chain.oid);

    // A materialized candidate is what the QA gate tests; then develop moves to exactly that commit.
    const moved = await git.updateRef({
      name: 'develop',
      oid: chain.oid,
      actor: 'System',
      action: 'gate_merge',
      expected: chain.base,
    });
    expect(moved).toMatchObject({ previous: develop, oid: chain.oid });
    expect(gitCli(dir, 'rev-list', '--first-parent', '--count', 'develop').trim()).toBe('3');
    expect(
      gitCli(dir, 'log', '--format=%(trailers:key=Audit-ID,valueonly)', '--merges', 'develop').trim().split(/\n+/),
    ).toEqual(['evt_m2', 'evt_m1']);
    expectFsckClean(dir);
  });

  test('develop that moved meanwhile is not overwritten, and a non-fast-forward is refused', async () => {
    const { dir, git, develop } = await project();
    await implementer(git, [{ path: 'src/a.py', content: 'a\n' }]);
    await implementer2(git, [{ path: 'src/b.py', content: 'b\n' }]);
    const chain = await git.mergeCommits({
      base: 'develop',
      merges: [{ theirs: 'phase1/implementer', subject: 'merge: a', auditId: 'm1' }],
      actor: 'System',
      timestamp: T0,
    });
    const other = await gateMerge(git, 'phase1/implementer-2');
    if (!chain.ok || !other.ok) throw new Error('setup');
    await expect(
      git.updateRef({ name: 'develop', oid: chain.oid, actor: 'System', action: 'gate_merge', expected: chain.base }),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(
      git.updateRef({ name: 'develop', oid: chain.oid, actor: 'System', action: 'gate_merge' }),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(
      git.updateRef({ name: 'develop', oid: develop, actor: 'System', action: 'gate_merge' }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(gitCli(dir, 'rev-parse', 'develop').trim()).toBe(other.oid);
  });

  test('a conflicting branch stops the chain and names the branch', async () => {
    const { git } = await project();
    await implementer(git, [{ path: 'README.md', content: '1\n' }]);
    await implementer2(git, [{ path: 'README.md', content: '2\n' }]);
    const chain = await git.mergeCommits({
      base: 'develop',
      merges: [
        { theirs: 'phase1/implementer', subject: 'merge: a', auditId: 'm1' },
        { theirs: 'phase1/implementer-2', subject: 'merge: b', auditId: 'm2' },
      ],
      actor: 'System',
      timestamp: T0,
    });
    expect(chain).toMatchObject({ ok: false, failed: 'phase1/implementer-2', conflicts: ['README.md'] });
  });
});

describe('revert, tag, notes, promotion', () => {
  test('revertMerge commits the first parent tree on top of develop', async () => {
    const { dir, git } = await project();
    await implementer(git, [
      { path: 'src/engine.py', content: 'broken\n' },
      { path: 'src/extra.py', content: 'x\n' },
    ]);
    const merge = await gateMerge(git, 'phase1/implementer');
    if (!merge.ok) throw new Error(merge.reason);
    const revert = await git.revertMerge({
      branch: 'develop',
      merge: merge.oid,
      actor: 'System',
      auditId: 'evt_rb',
      timestamp: T0 + 300,
    });
    if (!revert.ok) throw new Error(revert.reason);
    expect(gitCli(dir, 'diff', `${merge.oid}^1`, 'develop')).toBe('');
    expect(gitCli(dir, 'rev-list', '--parents', '-n', '1', 'develop').trim()).toBe(`${revert.oid} ${merge.oid}`);
    expect(gitCli(dir, 'log', '-1', '--format=%s', 'develop').trim()).toBe(
      'revert: merge(phase1): phase1/implementer into develop',
    );
    expect(gitCli(dir, 'log', '-1', '--format=%b', 'develop')).toContain(`This reverts commit ${merge.oid}`);
    expectFsckClean(dir);
  });

  test('reverting an older merge keeps later merges', async () => {
    const { dir, git } = await project();
    await implementer(git, [{ path: 'src/a.py', content: 'a\n' }]);
    await implementer2(git, [{ path: 'src/b.py', content: 'b\n' }]);
    const m1 = await gateMerge(git, 'phase1/implementer');
    await gateMerge(git, 'phase1/implementer-2');
    if (!m1.ok) throw new Error(m1.reason);
    const revert = await git.revertMerge({
      branch: 'develop',
      merge: m1.oid,
      actor: 'System',
      auditId: 'evt_rb',
      timestamp: T0,
    });
    expect(revert.ok).toBe(true);
    expect(gitCli(dir, 'ls-tree', '-r', '--name-only', 'develop').trim().split('\n')).toEqual([
      'README.md',
      'src/b.py',
      'src/engine.py',
    ]);
  });

  test('annotated tag and audit notes are what the git CLI shows', async () => {
    const { dir, git, develop } = await project();
    const tag = await git.tagAnnotated({
      name: 'v0.1.0',
      oid: 'develop',
      message: 'Phase 1 promoted',
      actor: 'Human',
      auditId: 'evt_tag',
      timestamp: T0 + 400,
    });
    expect(gitCli(dir, 'cat-file', '-t', 'v0.1.0').trim()).toBe('tag');
    expect(gitCli(dir, 'rev-parse', 'v0.1.0^{commit}').trim()).toBe(develop);
    expect(gitCli(dir, 'cat-file', '-p', 'v0.1.0')).toContain('tagger Human <human@agents.local> 1767226000 +0000');
    expect(
      await git.tagAnnotated({ name: 'v0.1.0', oid: develop, message: 'again', actor: 'Human', timestamp: T0 }),
    ).toMatchObject({ oid: tag.oid, created: false });
    expect(await git.listTags()).toEqual(['v0.1.0']);

    await git.addNote({ oid: develop, note: 'action=commit actor=System audit=evt_init', timestamp: T0 + 401 });
    await git.addNote({ oid: develop, note: 'action=tag target=v0.1.0 audit=evt_tag', timestamp: T0 + 402 });
    await git.addNote({ oid: develop, note: 'action=tag target=v0.1.0 audit=evt_tag', timestamp: T0 + 403 }); // replay: no duplicate
    const shown = gitCli(dir, 'log', '-1', '--show-notes=audit', '--format=%H%n%N', develop);
    expect(shown).toBe(
      `${develop}\naction=commit actor=System audit=evt_init\n\naction=tag target=v0.1.0 audit=evt_tag\n\n`,
    );
    expect(gitCli(dir, 'notes', '--ref=audit', 'show', develop)).toContain('audit=evt_tag');
    expect(gitCli(dir, 'rev-list', '--count', 'refs/notes/audit').trim()).toBe('2');
    expect(await git.readNote(develop)).toContain('audit=evt_init');
    expectFsckClean(dir);
  });

  test('notes written flat by the git CLI are found and extended', async () => {
    const { dir, git, develop } = await project();
    gitCli(dir, 'notes', '--ref=audit', 'add', '-m', 'from cli', develop);
    await git.addNote({ oid: develop, note: 'from governor', timestamp: T0 });
    expect(gitCli(dir, 'notes', '--ref=audit', 'show', develop)).toBe('from cli\n\nfrom governor\n');
    expect(gitCli(dir, 'ls-tree', '-r', '--name-only', 'refs/notes/audit').trim()).toBe(
      `${develop.slice(0, 2)}/${develop.slice(2)}`,
    );
    expectFsckClean(dir);
  });

  test('promotion merges develop into main, and a clean user checkout follows main', async () => {
    const { dir, git } = await project();
    await implementer(git, [
      { path: 'src/a.py', content: 'a\n' },
      { path: 'README.md', content: '# Backtester v0.1\n' },
    ]);
    await gateMerge(git, 'phase1/implementer');
    const promoted = await git.mergeNoFF({
      ours: 'main',
      theirs: 'develop',
      actor: 'Human',
      action: 'promote',
      subject: 'release(phase1): promote develop to main as v0.1.0',
      auditId: 'evt_promote',
      timestamp: T0 + 500,
      updateRef: true,
      syncCheckout: true,
    });
    expect(promoted).toMatchObject({ ok: true, checkout: 'synced' });
    expect(gitCli(dir, 'rev-list', '--parents', '-n', '1', 'main').trim().split(' ')).toHaveLength(3);
    expect(gitCli(dir, 'status', '--porcelain')).toBe('');
    expect(await readFile(join(dir, 'src/a.py'), 'utf8')).toBe('a\n');
    expectFsckClean(dir);
  });

  test('a dirty user checkout is left alone when main moves', async () => {
    const { dir, git } = await project();
    await implementer(git, [{ path: 'src/a.py', content: 'a\n' }]);
    await gateMerge(git, 'phase1/implementer');
    await writeFile(join(dir, 'README.md'), 'user edit\n');
    const promoted = await git.mergeNoFF({
      ours: 'main',
      theirs: 'develop',
      actor: 'Human',
      action: 'promote',
      subject: 'release: v0.1.0',
      auditId: 'e',
      timestamp: T0,
      updateRef: true,
      syncCheckout: true,
    });
    expect(promoted).toMatchObject({ ok: true, checkout: 'skipped_dirty' });
    expect(await readFile(join(dir, 'README.md'), 'utf8')).toBe('user edit\n');
  });
});

describe('previewMerge', () => {
  test('names what the merge would change, as the merge then does, and writes no object', async () => {
    const { dir, git } = await project();
    // main gains a commit of its own (the user's, on their checkout), develop the next phase: a real tree merge.
    gitCli(dir, 'checkout', '-q', 'main');
    await writeFile(join(dir, 'CHANGELOG.md'), '# v0.1.0\n');
    gitCli(dir, 'add', 'CHANGELOG.md');
    gitCli(dir, '-c', 'user.name=U', '-c', 'user.email=u@example.com', 'commit', '-qm', 'docs: v0.1.0');
    await implementer(git, [
      { path: 'src/new/deep.py', content: 'x = 1\n' },
      { path: 'src/engine.py', content: `${ENGINE}# more\n` },
      { path: 'README.md', content: null },
    ]);
    const merged = await gateMerge(git, 'phase1/implementer');
    if (!merged.ok) throw new Error(merged.reason);
    const objects = () => gitCli(dir, 'count-objects', '-v');
    const before = objects();
    const preview = await git.previewMerge({ ours: 'main', theirs: 'develop' });
    expect(objects()).toBe(before);
    expect(preview).toEqual({ ok: true, changed: ['README.md', 'src/engine.py', 'src/new/deep.py'] });
    const real = await git.mergeNoFF({
      ours: 'main',
      theirs: 'develop',
      actor: 'Human',
      action: 'promote',
      subject: 'release: v0.1.0',
      auditId: 'evt_p',
      timestamp: T0 + 200,
      updateRef: true,
    });
    if (!real.ok) throw new Error(real.reason);
    expect(gitCli(dir, 'diff', '--name-only', `${real.parents?.[0]}`, real.oid).trim().split('\n')).toEqual(
      preview.ok ? preview.changed : [],
    );
    expect(fsck(dir).stdout).not.toMatch(/dangling/);
  });
});
