/**
 * What one audit notes sync costs, in counts: file reads under .git, thread-pool (fs/promises) calls under
 * .git, loose objects written, ledger queries. The loop syncs after every step, so these are per handoff.
 * The git CLI judges the notes the syncs leave.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test, vi } from 'vitest';
import type { GitAction } from '../shared/index.ts';
import { createNoteSync, type NoteCursor } from '../electron/core/git/audit-notes.ts';
import { createGitService } from '../electron/core/git/service.ts';
import { createReader } from '../electron/core/store/read.ts';
import { fsck, gitCli, tempDir } from './support/git-cli.ts';
import { ledgersClosedAfterEach } from './support/temp-ledgers.ts';

/** Every path handed to a file read (sync) or to any fs/promises call, in call order. */
const seen = vi.hoisted(() => ({ reads: [] as string[], async: [] as string[] }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const readFileSync = ((...args: Parameters<typeof fs.readFileSync>) => {
    seen.reads.push(String(args[0]));
    return fs.readFileSync(...args);
  }) as typeof fs.readFileSync;
  return { ...fs, default: { ...fs, readFileSync }, readFileSync };
});

vi.mock('node:fs/promises', async (importOriginal) => {
  const { countedModule } = await import('./support/counted-module.ts');
  return countedModule(await importOriginal<typeof import('node:fs/promises')>(), seen.async);
});

const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z
const ledger = ledgersClosedAfterEach();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

const underGit = (paths: readonly string[]) => paths.filter((p) => p.includes('/.git/'));
const looseObjects = (dir: string) =>
  readdirSync(join(dir, '.git', 'objects'))
    .filter((d) => /^[0-9a-f]{2}$/.test(d))
    .reduce((n, d) => n + readdirSync(join(dir, '.git', 'objects', d)).length, 0);

async function setup() {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  const git = createGitService({ dir });
  await git.ensureRepo({ initialFiles: { 'README.md': '# p\n' }, message: 'chore: init', timestamp: T0 });
  const l = ledger();
  const read = createReader(l.db);
  let queries = 0;
  const counted = {
    gitActionsSince: (seq: number) => {
      queries += 1;
      return read.gitActionsSince(seq);
    },
  };
  let saved: { seq: number; notes: string | null } | null = null;
  const cursor: NoteCursor = { load: () => saved, save: (at) => (saved = at) };
  let n = 0;
  /** A commit on a work branch, recorded in the ledger as its git action. */
  const commit = async () => {
    n += 1;
    const c = await git.commitChanges({
      branch: 'phase1/implementer',
      actor: 'Implementer',
      changes: [{ path: `src/f${n}.py`, content: `x = ${n}\n` }],
      subject: `feat: f${n}`,
      auditId: `evt_${n}`,
      timestamp: T0 + n,
    });
    const action: GitAction = {
      id: `git_${n}`,
      action: 'commit',
      source: 'phase1/implementer',
      target: 'phase1/implementer',
      trigger: `T${n}`,
      timestamp: new Date((T0 + n) * 1000).toISOString(),
      actor: 'Implementer',
      commit: c.oid,
      previous: null,
      message: `feat: f${n}`,
      files: [`src/f${n}.py`],
    };
    l.append([{ type: 'git.action_recorded', actor: 'Implementer', payload: action }]);
    return c.oid;
  };
  /** One sync, counted. */
  const measure = async (sync: () => Promise<number>) => {
    seen.reads.length = 0;
    seen.async.length = 0;
    const q0 = queries;
    const objects0 = looseObjects(dir);
    const written = await sync();
    return {
      written,
      queries: queries - q0,
      gitReads: underGit(seen.reads),
      gitAsync: underGit(seen.async),
      objects: looseObjects(dir) - objects0,
    };
  };
  return { dir, git, counted, cursor, commit, measure, getSaved: () => saved };
}

describe('audit notes sync, counted', () => {
  test('nothing new: one ledger query, nothing read or written under .git', async () => {
    const s = await setup();
    const sync = createNoteSync(s.git, s.counted, s.cursor);
    await s.commit();
    await sync();
    const idle = await s.measure(sync);
    expect(idle).toEqual({ written: 0, queries: 1, gitReads: [], gitAsync: [], objects: 0 });
  });

  test('a new action: the ref read once, no thread-pool call, 4 loose objects, the cursor at the new ref', async () => {
    const s = await setup();
    const sync = createNoteSync(s.git, s.counted, s.cursor);
    await s.commit();
    await sync();
    for (let i = 0; i < 3; i++) {
      const oid = await s.commit();
      const r = await s.measure(sync);
      // The notes ref (someone may have moved it); not the notes commit read back, not the ref again for the
      // cursor. Before: the ref twice and the previous notes commit, and the ref written through fs/promises.
      expect(r.gitReads.map((p) => p.slice(p.indexOf('/.git/') + 1))).toEqual(['.git/refs/notes/audit']);
      expect(r.gitAsync).toEqual([]);
      // The note blob, its fan-out tree, the notes root tree, the notes commit.
      expect(r).toMatchObject({ written: 1, queries: 1, objects: 4 });
      expect(s.getSaved()?.notes).toBe(gitCli(s.dir, 'rev-parse', 'refs/notes/audit').trim());
      expect(gitCli(s.dir, 'notes', '--ref=audit', 'show', oid)).toContain(`"id":"git_${i + 2}"`);
    }
    expect(gitCli(s.dir, 'notes', '--ref=audit', 'list').trim().split('\n')).toHaveLength(4);
    expect(Number(gitCli(s.dir, 'rev-list', '--count', 'refs/notes/audit'))).toBe(4);
    const r = fsck(s.dir);
    expect(r.stderr + r.stdout).not.toMatch(/error|warning|missing|broken|bad|dangling/i);
  });

  test("a note added by hand between two syncs stays: the next notes commit builds on the human's", async () => {
    const s = await setup();
    const sync = createNoteSync(s.git, s.counted, s.cursor);
    const first = await s.commit();
    await sync();
    gitCli(s.dir, 'notes', '--ref=audit', 'append', '-m', 'checked by hand', first);
    const human = gitCli(s.dir, 'rev-parse', 'refs/notes/audit').trim();
    const second = await s.commit();
    expect((await s.measure(sync)).written).toBe(1);
    expect(gitCli(s.dir, 'rev-parse', 'refs/notes/audit^').trim()).toBe(human);
    expect(gitCli(s.dir, 'notes', '--ref=audit', 'show', first)).toMatch(/"id":"git_1"[\s\S]*checked by hand/);
    expect(gitCli(s.dir, 'log', '-1', '--show-notes=audit', second)).toContain('"id":"git_2"');
    // A new process resumes from the saved cursor: the ref is the one the last sync left.
    const again = createNoteSync(s.git, s.counted, s.cursor);
    expect(await s.measure(again)).toMatchObject({ written: 0, queries: 1, objects: 0 });
    expect(fsck(s.dir).code).toBe(0);
  });
});
