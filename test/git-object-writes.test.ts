/**
 * What the git writes of a step cost, in counts and in bytes on disk: the zlib window a loose object is
 * deflated with, and the thread-pool calls a ref move or a tag makes. The git CLI judges every object and ref.
 */
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import git from 'isomorphic-git';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { writeBlob } from '../electron/core/git/loose.ts';
import { humanIdentity } from '../electron/core/git/identity.ts';
import { writeRefOid } from '../electron/core/git/ref-store.ts';
import { repoFs } from '../electron/core/git/repo-fs.ts';
import { createGitService } from '../electron/core/git/service.ts';
import { fsck, gitCli, tempDir } from './support/git-cli.ts';

/** Every fs/promises call, as `name path`, in call order. */
const seen = vi.hoisted(() => ({ async: [] as string[] }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const { countedModule } = await import('./support/counted-module.ts');
  return countedModule(await importOriginal<typeof import('node:fs/promises')>(), seen.async);
});

const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function repo() {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  return { dir, ctx: { dir, gitdir: join(dir, '.git'), fs: repoFs, cache: {} } };
}

const objectFile = (dir: string, oid: string) => join(dir, '.git', 'objects', oid.slice(0, 2), oid.slice(2));
/** The window a zlib stream declares in its header: CINFO, the high nibble of the first byte, is windowBits - 8. */
const windowBitsOf = (deflated: Buffer) => ((deflated[0] ?? 0) >> 4) + 8;

describe('loose objects: deflated with a window that spans the object', () => {
  test('small objects declare a small window, a large one the default; git reads them all', async () => {
    const { dir, ctx } = await repo();
    gitCli(dir, 'init', '-q');
    const sizes = [0, 150, 700, 4_000, 30_000, 200_000];
    const bodies = sizes.map((n, i) =>
      Buffer.from(Array.from({ length: n }, (_, j) => String.fromCharCode(97 + ((j * (i + 3)) % 26))).join('')),
    );
    const windows: number[] = [];
    for (const body of bodies) {
      const oid = await writeBlob(ctx, body);
      const stored = readFileSync(objectFile(dir, oid));
      windows.push(windowBitsOf(stored));
      expect(inflateSync(stored).subarray(`blob ${body.byteLength}\0`.length).equals(body)).toBe(true);
      expect(gitCli(dir, 'cat-file', '-s', oid).trim()).toBe(String(body.byteLength));
      expect(gitCli(dir, 'cat-file', 'blob', oid)).toBe(body.toString());
    }
    // Before: every object declared zlib's default 32 kB window (15), whose state cost ~100 us to set up.
    // Now the smallest window that still reaches back over the whole object (its size + zlib's 262-byte
    // lookahead), at least zlib's minimum of 512 bytes; the 200 kB one is deflated off the event loop.
    expect(windows).toEqual([9, 9, 10, 13, 15, 15]);
    const r = fsck(dir);
    expect(r.stderr + r.stdout).not.toMatch(/error|warning|missing|broken|bad/i);
    expect(r.code).toBe(0);
  });
});

describe('refs and tags: written in process, without the thread pool', () => {
  test('a commit, a branch, a merge and a tag move their refs with no fs/promises call under .git', async () => {
    const { dir } = await repo();
    const service = createGitService({ dir });
    const { develop } = await service.ensureRepo({
      initialFiles: { 'README.md': '# p\n' },
      message: 'chore: init',
      timestamp: T0,
    });
    seen.async.length = 0;
    const work = await service.commitChanges({
      branch: 'phase1/implementer',
      actor: 'Implementer',
      changes: [{ path: 'src/a.py', content: 'a = 1\n' }],
      subject: 'feat: a',
      auditId: 'evt_1',
      timestamp: T0 + 1,
    });
    const branch = await service.createBranch({ name: 'phase1/tester', from: 'develop', actor: 'Tester' });
    const merge = await service.mergeNoFF({
      ours: 'develop',
      theirs: 'phase1/implementer',
      actor: 'System',
      action: 'gate_merge',
      subject: 'merge(phase1): implementer into develop',
      auditId: 'evt_2',
      timestamp: T0 + 2,
      updateRef: true,
    });
    if (!merge.ok) throw new Error(merge.reason);
    const tag = await service.tagAnnotated({
      name: 'v0.1.0',
      oid: 'develop',
      message: 'Phase 1 promoted',
      actor: 'Human',
      auditId: 'evt_tag',
      timestamp: T0 + 3,
    });
    // Before: isomorphic-git's writeRef (a stat of .git, the temp file's write, the rename) for each of the
    // four refs, and its writeTag's object write, all through the thread pool.
    expect(seen.async.filter((p) => p.includes('/.git'))).toEqual([]);

    expect(readFileSync(join(dir, '.git', 'refs', 'heads', 'phase1', 'implementer'), 'utf8')).toBe(`${work.oid}\n`);
    expect(gitCli(dir, 'rev-parse', 'phase1/tester').trim()).toBe(branch.oid);
    expect(branch.oid).toBe(develop);
    expect(gitCli(dir, 'rev-parse', 'develop').trim()).toBe(merge.oid);
    expect(gitCli(dir, 'rev-parse', 'v0.1.0').trim()).toBe(tag.oid);
    expect(gitCli(dir, 'rev-parse', 'v0.1.0^{commit}').trim()).toBe(merge.oid);
    expect(gitCli(dir, 'cat-file', '-p', 'v0.1.0')).toBe(
      `object ${merge.oid}\ntype commit\ntag v0.1.0\ntagger Human <human@agents.local> ${T0 + 3} +0000\n\n` +
        'Phase 1 promoted\n\nAudit-ID: evt_tag\n\n',
    );
    // The same bytes, so the same oid, as isomorphic-git's writeTag stored for the same tag before.
    const { dir: other } = await repo();
    await git.init({ fs: repoFs, dir: other });
    const tagger = { name: 'Human', email: 'human@agents.local', timestamp: T0 + 3, timezoneOffset: 0 };
    const message = 'Phase 1 promoted\n\nAudit-ID: evt_tag\n';
    const before = { object: merge.oid, type: 'commit' as const, tag: 'v0.1.0', tagger, message };
    expect(await git.writeTag({ fs: repoFs, dir: other, tag: before })).toBe(tag.oid);
    const r = fsck(dir);
    expect(r.stderr + r.stdout).not.toMatch(/error|warning|missing|broken|bad/i);
    expect(r.code).toBe(0);
  });

  test('a ref is only ever moved to a full object id, under a valid name', async () => {
    const { dir, ctx } = await repo();
    const service = createGitService({ dir });
    const { main } = await service.ensureRepo({
      initialFiles: { 'README.md': '# p\n' },
      message: 'chore: init',
      timestamp: T0,
    });
    expect(() => writeRefOid(ctx, 'refs/heads/develop', 'abc')).toThrow(/full 40-hex object id/);
    expect(() => writeRefOid(ctx, 'refs/heads/bad..name', main)).toThrow(/not a valid git ref/);
    writeRefOid(ctx, 'refs/heads/deep/new/branch', main);
    expect(gitCli(dir, 'for-each-ref', '--format=%(refname) %(objectname)').trim().split('\n')).toEqual([
      `refs/heads/deep/new/branch ${main}`,
      `refs/heads/develop ${main}`,
      `refs/heads/main ${main}`,
    ]);
    expect(readFileSync(join(dir, '.git', 'refs', 'heads', 'deep', 'new', 'branch'), 'utf8')).toBe(`${main}\n`);
  });

  test("a promotion brings the user's checkout along with no fs/promises call", async () => {
    const { dir } = await repo();
    const service = createGitService({ dir });
    const { main } = await service.ensureRepo({
      initialFiles: { 'README.md': '# p\n', 'src/cli.js': 'main()\n' },
      message: 'chore: init',
      timestamp: T0,
    });
    const release = await service.commitChanges({
      branch: 'phase1/implementer',
      actor: 'Implementer',
      changes: [
        { path: 'src/cli.js', content: 'main(process.argv)\n' },
        { path: 'src/lib/parse.js', content: 'export const parse = () => 1;\n' },
        { path: 'bin/run.sh', content: '#!/bin/sh\nnode src/cli.js\n', mode: 'executable' },
      ],
      subject: 'feat: parse',
      auditId: 'evt_1',
      timestamp: T0 + 1,
    });
    seen.async.length = 0;
    const out = await service.syncCheckout({ branch: 'main', from: main, to: release.oid, governed: () => false });
    expect(out).toEqual({ state: 'synced', synced: ['bin/run.sh', 'src/cli.js', 'src/lib/parse.js'], kept: [] });
    // Before: a mkdir, the temp file's write and the rename per file, and the index read, through the pool.
    expect(seen.async.filter((p) => p.includes(dir))).toEqual([]);
    gitCli(dir, 'update-ref', 'refs/heads/main', release.oid);
    expect(gitCli(dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(gitCli(dir, 'diff-files', '--name-only')).toBe('');
    expect(gitCli(dir, 'ls-files', '-s', 'bin/run.sh').slice(0, 6)).toBe('100755');
    expect(readFileSync(join(dir, 'src', 'lib', 'parse.js'), 'utf8')).toBe('export const parse = () => 1;\n');
  });

  test('a new agent workspace is made as a worktree with no fs/promises call', async () => {
    const { dir } = await repo();
    const service = createGitService({ dir });
    const { develop } = await service.ensureRepo({
      initialFiles: { 'README.md': '# p\n', 'src/cli.js': 'main()\n', 'src/lib/parse.js': 'parse()\n' },
      message: 'chore: init',
      timestamp: T0,
    });
    const ws = join(dir, '..', `${dir.split('/').pop()}-ws`, 'implementer');
    cleanups.push(() => rm(join(ws, '..'), { recursive: true, force: true }));
    seen.async.length = 0;
    const made = await service.materialize({ oid: 'develop', dir: ws });
    expect(made).toMatchObject({ commit: develop, written: 3, removed: 0 });
    // Before: the folder's removal and parent, the stale-worktree look-up, the admin folder's claim and its
    // five small files through the pool (a dozen round trips per new workspace).
    expect(seen.async).toEqual([]);
    expect(gitCli(ws, 'rev-parse', 'HEAD').trim()).toBe(develop);
    expect(gitCli(ws, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(gitCli(dir, 'worktree', 'list', '--porcelain')).toContain(`worktree ${realpathSync(ws)}\nHEAD ${develop}`);
    expect(readFileSync(join(ws, 'src', 'lib', 'parse.js'), 'utf8')).toBe('parse()\n');
    expect(fsck(dir).code).toBe(0);
  });

  test("a QA checkout made pristine again, and the human's git identity, read with no fs/promises call", async () => {
    const { dir } = await repo();
    const service = createGitService({ dir });
    await service.ensureRepo({
      initialFiles: { 'README.md': '# p\n', 'src/cli.js': 'main()\n' },
      message: 'chore: init',
      timestamp: T0,
    });
    const qa = join(dir, '..', `${dir.split('/').pop()}-qa`, 'gate');
    cleanups.push(() => rm(join(qa, '..'), { recursive: true, force: true }));
    await service.materialize({ oid: 'develop', dir: qa });
    writeFileSync(join(qa, 'src', 'report.json'), '{}\n');
    seen.async.length = 0;
    expect(await service.materialize({ oid: 'develop', dir: qa, pristine: true })).toMatchObject({ removed: 1 });
    // The stray itself is removed through the pool (it may be a whole tree); the listings are read in process.
    expect(seen.async).toEqual([`rm ${join(qa, 'src', 'report.json')}`]);
    expect(gitCli(qa, 'status', '--porcelain', '--untracked-files=all', '--ignored')).toBe('');

    seen.async.length = 0;
    gitCli(dir, 'config', 'user.name', 'Ada');
    gitCli(dir, 'config', 'user.email', 'ada@example.com');
    expect(await humanIdentity(dir)).toEqual({ name: 'Ada', email: 'ada@example.com', source: 'git config' });
    // Before: a stat of each of git's four config files through the pool, on every promotion.
    expect(seen.async).toEqual([]);
  });
});
