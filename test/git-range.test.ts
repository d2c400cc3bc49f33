import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createGitService } from '../electron/core/git/service.ts';
import { gitStatusText } from '../electron/core/git/status.ts';
import { type OpenedProject, openProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import { tempDir } from './support/tmp.ts';

/**
 * `logBetween(a, b)` is `git rev-list a ^b`: the gate's Audit-ID check and `/status git` read only what two
 * branches do not share. The git CLI judges it on histories with branches, merges both ways, and clocks
 * that went backwards.
 */
const git = (dir: string, args: string[], env: Record<string, string> = {}) =>
  execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } }).trim();

/** A tiny seeded generator, so a failing history can be rebuilt. */
function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

/** Commits made with `commit-tree` at a given committer time; refs moved with `update-ref`. */
function repoBuilder(dir: string) {
  git(dir, ['init', '-q', '-b', 'main']);
  const tree = git(dir, ['hash-object', '-t', 'tree', '-w', '--stdin']);
  let n = 0;
  return {
    commit(parents: string[], time: number): string {
      n += 1;
      const env = {
        GIT_AUTHOR_NAME: 'T',
        GIT_AUTHOR_EMAIL: 't@example.com',
        GIT_COMMITTER_NAME: 'T',
        GIT_COMMITTER_EMAIL: 't@example.com',
        GIT_AUTHOR_DATE: `${1_700_000_000 + time} +0000`,
        GIT_COMMITTER_DATE: `${1_700_000_000 + time} +0000`,
      };
      return git(dir, ['commit-tree', tree, ...parents.flatMap((p) => ['-p', p]), '-m', `c${n}`], env);
    },
    set(branch: string, oid: string) {
      git(dir, ['update-ref', `refs/heads/${branch}`, oid]);
    },
  };
}

const revList = (dir: string, a: string, b: string | null) =>
  new Set(
    git(dir, ['rev-list', a, ...(b ? [`^${b}`] : [])])
      .split('\n')
      .filter(Boolean),
  );

describe('logBetween', () => {
  it('equals git rev-list a ^b on random histories with merges both ways', async () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const dir = join(tempDir(), `range-${seed}`);
      mkdirSync(dir, { recursive: true });
      const r = repoBuilder(dir);
      const random = rng(seed);
      let time = 0;
      const tips = new Map<string, string>([['main', r.commit([], time)]]);
      for (let step = 0; step < 120; step++) {
        time += 1 + Math.floor(random() * 3);
        const names = [...tips.keys()];
        const pick = () => names[Math.floor(random() * names.length)] as string;
        const roll = random();
        if (roll < 0.15 && tips.size < 6) tips.set(`b${step}`, tips.get(pick()) as string);
        else if (roll < 0.35) {
          const into = pick();
          const from = pick();
          if (tips.get(from) !== tips.get(into))
            tips.set(into, r.commit([tips.get(into) as string, tips.get(from) as string], time));
        } else {
          const on = pick();
          tips.set(on, r.commit([tips.get(on) as string], time));
        }
      }
      for (const [name, oid] of tips) r.set(name, oid);
      const svc = createGitService({ dir });
      const names = [...tips.keys()];
      for (const a of names)
        for (const b of [...names, null]) {
          const mine = await svc.logBetween(a, b);
          expect(new Set(mine.map((c) => c.oid)), `seed ${seed}: ${a} ^${b}`).toEqual(revList(dir, a, b));
          // Newest first, as git log lists them.
          const times = mine.map((c) => c.timestamp);
          expect(times, `seed ${seed}: ${a} ^${b} order`).toEqual([...times].sort((x, y) => y - x));
        }
    }
  });

  it('keeps out what the other side has even when a clock went backwards', async () => {
    const dir = join(tempDir(), 'skew');
    mkdirSync(dir, { recursive: true });
    const r = repoBuilder(dir);
    const root = r.commit([], 0);
    // develop: a commit made on a machine whose clock was an hour behind, then two more.
    let develop = r.commit([root], 10);
    const fork = r.commit([develop], 20);
    develop = r.commit([fork], -3600);
    develop = r.commit([develop], 30);
    // feature, from the fork, with develop merged in later.
    let feature = r.commit([fork], 25);
    feature = r.commit([feature, develop], 40);
    feature = r.commit([feature], 50);
    r.set('develop', develop);
    r.set('feature', feature);
    const svc = createGitService({ dir });
    expect(new Set((await svc.logBetween('feature', 'develop')).map((c) => c.oid))).toEqual(
      revList(dir, 'feature', 'develop'),
    );
    expect(await svc.logBetween('develop', 'feature')).toEqual([]);
    expect(new Set((await svc.logBetween('develop', null)).map((c) => c.oid))).toEqual(revList(dir, 'develop', null));
  });
});

describe('/status git', () => {
  const opened: OpenedProject[] = [];
  afterEach(() => {
    for (const p of opened.splice(0)) p.close();
  });

  it('counts ahead and behind as git does, and names the newest actions by kind', async () => {
    const dir = join(tempDir(), 'status-git');
    await initProject(dir, { sample: true });
    const p = await openProject(dir);
    opened.push(p);
    const develop = git(dir, ['rev-parse', 'develop']);
    const tree = git(dir, ['rev-parse', 'develop^{tree}']);
    const env = { GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@e' };
    const commit = (parent: string, m: string) => git(dir, ['commit-tree', tree, '-p', parent, '-m', m], env);
    let feature = develop;
    for (let i = 0; i < 3; i++) feature = commit(feature, `f${i}`);
    git(dir, ['update-ref', 'refs/heads/feature/x', feature]);
    git(dir, ['update-ref', 'refs/heads/develop', commit(develop, 'd1')]);
    const action = (id: string, kind: 'merge' | 'tag' | 'failure', target: string, message: string) => ({
      type: 'git.action_recorded' as const,
      actor: 'System' as const,
      payload: {
        id,
        action: kind,
        source: 'feature/x',
        target,
        trigger: 'test',
        timestamp: new Date().toISOString(),
        actor: 'System' as const,
        commit: null,
        previous: null,
        message,
        files: [],
      },
    });
    p.ledger.append([
      action('git_1', 'merge', 'develop', 'older gate merge'),
      action('git_2', 'merge', 'develop', 'newest gate merge'),
      action('git_3', 'merge', 'main', 'a promotion'),
      action('git_4', 'failure', 'develop', 'merge refused'),
    ]);
    const text = await gitStatusText(p);
    const count = (a: string, b: string) => git(dir, ['rev-list', '--count', a, `^${b}`]);
    expect(text).toContain(
      `feature/x: ${feature.slice(0, 7)}, ${count('feature/x', 'develop')} ahead / ${count('develop', 'feature/x')} behind develop`,
    );
    expect(count('feature/x', 'develop')).toBe('3');
    expect(text).toContain(`develop is ${count('develop', 'main')} ahead of main`);
    expect(text).toMatch(/Last gate merge: feature\/x → develop/);
    expect(text).toContain('Last failure: merge refused');
    expect(text).toContain('Last tag: none yet');
  });
});
