import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loggedGit } from './support/logged-git.ts';
import { pendingPromotionFixture, promoteNow } from './support/promotion-fixture.ts';

/**
 * A promotion's git processes, counted through a `git` on PATH that logs each call before running the real
 * one: the dirty check of the user's checkout is answered in process (git/dirty-check.ts), so an ordinary
 * promotion runs no `git status`, whether the checkout is clean, holds the human's own files, or holds one in
 * the release's way (which still stops it, naming the file); nor `git config` for the human's identity.
 */
const log = loggedGit();
let fixture: Awaited<ReturnType<typeof pendingPromotionFixture>>;
beforeAll(async () => {
  fixture = await pendingPromotionFixture();
}, 600_000);
/** The git commands Governor ran while `fn` ran. */
const gitCalls = async (fn: () => Promise<unknown>) => (await log.during(fn)).calls;

describe('a promotion asks no git status of the user checkout', () => {
  it('clean but for the human own untracked file: released, the file kept, no status process', async () => {
    const sp = await fixture.copy('counted');
    writeFileSync(join(sp.dir, 'notes.txt'), 'my own notes\n');
    sp.git('config', 'user.name', 'Ada Lovelace');
    sp.git('config', 'user.email', 'ada@example.com');
    sp.human.decide('promotion', 'approve', { comment: 'ship' });
    const calls = await gitCalls(() => promoteNow(sp.p));
    expect(calls.filter((c) => /(^| )status /.test(c))).toEqual([]);
    // The human's identity is read from the config files too: no `git config` process.
    expect(calls.filter((c) => /^config /.test(c))).toEqual([]);
    const tagger = sp.git('for-each-ref', '--format=%(taggername) %(taggeremail)', 'refs/tags/v0.1.0').trim();
    expect(tagger).toBe('Ada Lovelace <ada@example.com>');
    expect(sp.git('describe', '--tags', 'main').trim()).toBe('v0.1.0');
    expect(sp.git('status', '--porcelain')).toBe('?? notes.txt\n');
    sp.close();
  });

  it('a file of the human in the release way still stops it, found without a status process', async () => {
    const sp = await fixture.copy('in-the-way');
    mkdirSync(join(sp.dir, 'src/engine'), { recursive: true });
    writeFileSync(join(sp.dir, 'src/engine/backtest.js'), 'export const mine = true;\n');
    sp.human.decide('promotion', 'approve', { comment: 'ship' });
    const calls = await gitCalls(() => promoteNow(sp.p).catch(() => undefined));
    expect(calls.filter((c) => /(^| )status /.test(c))).toEqual([]);
    const wait = sp.p.read.openConcerns().find((c) => c.category === 'dirty_working_tree');
    expect(wait?.details).toMatch(/uncommitted changes to src\/engine\/backtest\.js/);
    expect(sp.git('tag', '-l')).toBe('');
    sp.close();
  });
});

describe('the human identity from the config files, as git reads them', () => {
  it('takes the repository file over the global one, and asks git when a file is beyond this reader', async () => {
    const { humanIdentity } = await import('../electron/core/git/identity.ts');
    const dir = mkdtempSync(join(tmpdir(), 'identity-'));
    const home = mkdtempSync(join(tmpdir(), 'identity-home-'));
    const saved = process.env.GIT_CONFIG_GLOBAL;
    process.env.GIT_CONFIG_GLOBAL = join(home, 'gitconfig');
    try {
      execFileSync('/usr/bin/git', ['init', '-q', dir]);
      writeFileSync(join(home, 'gitconfig'), '[user]\n\tname = Global Name ; a comment\n\temail = g@example.com\n');
      const gitSays = (key: string) =>
        execFileSync('/usr/bin/git', ['config', '--get', key], { cwd: dir, encoding: 'utf8' }).trim();
      const ask = async () => {
        log.clear();
        const who = await humanIdentity(dir);
        return { who, spawned: log.raw().length };
      };
      let r = await ask();
      expect(r.who).toEqual({ name: gitSays('user.name'), email: gitSays('user.email'), source: 'git config' });
      expect(r).toMatchObject({ who: { name: 'Global Name' }, spawned: 0 });
      execFileSync('/usr/bin/git', ['config', 'user.name', 'Local Name'], { cwd: dir });
      r = await ask();
      expect(r).toMatchObject({ who: { name: 'Local Name', email: 'g@example.com' }, spawned: 0 });
      expect(r.who.name).toBe(gitSays('user.name'));
      // A quoted value: git reads it.
      execFileSync('/usr/bin/git', ['config', 'user.name', ' Spaced "Name" '], { cwd: dir });
      r = await ask();
      expect(r).toMatchObject({ who: { name: gitSays('user.name') }, spawned: 1 });
    } finally {
      if (saved === undefined) delete process.env.GIT_CONFIG_GLOBAL;
      else process.env.GIT_CONFIG_GLOBAL = saved;
    }
  });
});
