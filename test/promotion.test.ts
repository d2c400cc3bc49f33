import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fillHistory } from '../bench/history.ts';
import { verifyGitAudit } from '../electron/core/git/audit-verify.ts';
import { syncRecords } from '../electron/core/workflow/loop.ts';
import { governor } from './support/cli.ts';
import { git } from './support/tmp.ts';
import type { SampleProject } from './support/project.ts';
import { pendingPromotionFixture, promoteNow } from './support/promotion-fixture.ts';

const ADA = 'Ada Lovelace <ada@example.com>';
const asUser = ['-c', 'user.name=Ada Lovelace', '-c', 'user.email=ada@example.com'];

/** The git CLI's verdict on the repository and the ledger's on the exports: nothing stale, nothing unknown. */
async function judged(sp: SampleProject): Promise<void> {
  await syncRecords(sp.p);
  expect(sp.git('fsck', '--full', '--no-dangling')).toBe('');
  expect(await verifyGitAudit(sp.p)).toEqual([]);
  expect(await sp.p.exporter.verify()).toEqual([]);
}

describe("promotion: the release is the human's, main is clean, the tag holds the final exports", () => {
  let fixture: Awaited<ReturnType<typeof pendingPromotionFixture>>;
  beforeAll(async () => {
    fixture = await pendingPromotionFixture();
  }, 600_000);

  it('signs off every reviewed document, merges and tags as the human, and leaves main clean', async () => {
    const sp = await fixture.copy('identity');
    sp.git('config', 'user.name', 'Ada Lovelace');
    sp.git('config', 'user.email', 'ada@example.com');
    // The design review approved ARCHITECTURE.md together with DESIGN_SPEC.md.
    expect(sp.file('design/ARCHITECTURE.md')).toMatch(/✅ Approved by Human \d{4}-\d{2}-\d{2} — ok/);
    expect(sp.file('design/ARCHITECTURE.md')).not.toMatch(/No human review of this document yet/);
    expect(sp.file('tests/TEST_RESULTS.md')).toMatch(
      /## Sign-off\n\n- ✅ Approved by Human \d{4}-\d{2}-\d{2} — ok _\(test-completion review `review_\d+`\)_\n- ⏳ Pending/,
    );

    sp.human.decide('promotion', 'approve', { comment: 'ship it' });
    await promoteNow(sp.p);

    expect(sp.git('status', '--porcelain')).toBe('');
    const who = sp.git('log', '-2', '--format=%an <%ae>|%cn <%ce>|%(trailers:key=Signed-off-by,valueonly)', 'main');
    expect(who.split('\n').filter(Boolean)).toEqual([`${ADA}|${ADA}|${ADA}`, `${ADA}|${ADA}|${ADA}`]);
    expect(sp.git('for-each-ref', '--format=%(taggername) %(taggeremail)', 'refs/tags/v0.1.0').trim()).toBe(ADA);
    expect(sp.git('tag', '-l').trim()).toBe('v0.1.0');
    expect(sp.git('rev-parse', 'v0.1.0^{commit}').trim()).toBe(sp.git('rev-parse', 'main').trim());
    expect(sp.git('rev-parse', 'main~1^2').trim()).toBe(sp.git('rev-parse', 'develop').trim());
    const at = (path: string) => sp.git('show', `v0.1.0:${path}`);
    expect(at('CHANGELOG.md')).toMatch(/^## \[v0\.1\.0\] — \d{4}-\d{2}-\d{2} — Phase 1/m);
    expect(at('CHANGELOG.md')).not.toMatch(/Unreleased/);
    expect(JSON.parse(at('status.json'))).toMatchObject({ stage: 'promoted', pending_reviews: 0 });
    for (const doc of ['tests/TEST_RESULTS.md', 'QA_REPORT.md']) {
      expect(at(doc), doc).toMatch(/✅ Approved by Human \d{4}-\d{2}-\d{2} — ok \(?_?\(?test-completion review/);
      expect(at(doc), doc).toMatch(/✅ Approved by Human \d{4}-\d{2}-\d{2} — ship it/);
    }
    expect(at('QA_REPORT.html')).toMatch(/✅ Approved by Human \d{4}-\d{2}-\d{2} — ship it/);
    // Every export in the tag is exactly what the ledger renders now.
    for (const [path, content] of sp.p.exporter.expected()) expect(at(path), path).toBe(content);
    await judged(sp);
    sp.close();
  });

  it("commits the human's configuration edits as theirs instead of waiting on them (agents.yaml `human:` wins)", async () => {
    const dir = fixture.copyDir('config');
    git(dir, 'config', 'user.name', 'Someone Else');
    git(dir, 'config', 'user.email', 'else@example.com');
    appendFileSync(join(dir, 'agents.yaml'), 'human: { name: Grace Hopper, email: grace@example.com }\n');
    appendFileSync(join(dir, '.project_policies.yaml'), '# tuned by hand\n');
    const { openSample } = await import('./support/project.ts');
    const sp = await openSample(dir);
    sp.human.decide('promotion', 'approve', { comment: 'ship' });
    await promoteNow(sp.p);

    const log = sp.git('log', '--first-parent', '--format=%s|%an <%ae>', 'main').split('\n');
    expect(log.slice(0, 3)).toEqual([
      'chore(release): v0.1.0 records|Grace Hopper <grace@example.com>',
      'release(phase1): promote develop to main as v0.1.0|Grace Hopper <grace@example.com>',
      'chore(config): .project_policies.yaml, agents.yaml edited by the human|Grace Hopper <grace@example.com>',
    ]);
    expect(sp.git('show', 'main:agents.yaml')).toMatch(/human: \{ name: Grace Hopper/);
    expect(sp.git('status', '--porcelain')).toBe('');
    const action = sp.p.read.gitActions().find((a) => a.message.startsWith('chore(config)'));
    expect(action).toMatchObject({
      action: 'commit',
      target: 'main',
      actor: 'Human',
      files: ['.project_policies.yaml', 'agents.yaml'],
    });
    expect(sp.p.read.openConcerns().filter((c) => c.category === 'dirty_working_tree')).toEqual([]);
    await judged(sp);
    sp.close();
  });

  it("lets the human `git add -A && git commit` Governor's exports on main without a conflict", async () => {
    const sp = await fixture.copy('add-all');
    writeFileSync(join(sp.dir, 'agents.yaml'), `${sp.file('agents.yaml')}# my note\n`);
    sp.git(...asUser, 'add', '-A');
    sp.git(...asUser, 'commit', '-q', '-m', 'snapshot of everything');
    expect(sp.git('ls-tree', '-r', '--name-only', 'main').split('\n')).toEqual(
      expect.arrayContaining(['audit/commands.jsonl', 'QA_REPORT.html', 'status.json']),
    );
    // Governor's files move on after the human's commit, as they do while a phase runs.
    await sp.human.command('/status');
    sp.human.decide('promotion', 'approve', { comment: 'ship' });
    await promoteNow(sp.p);
    expect(sp.git('log', '--first-parent', '--format=%s', 'main').split('\n').slice(0, 3)).toEqual([
      'chore(release): v0.1.0 records',
      'release(phase1): promote develop to main as v0.1.0',
      'snapshot of everything',
    ]);
    expect(sp.git('status', '--porcelain')).toBe('');
    expect(sp.git('show', 'v0.1.0:audit/commands.jsonl')).toMatch(/"cmd":"\/status"/);
    await judged(sp);
    sp.close();
  });

  it("takes a long history's sealed audit segments into the checkout by their recorded blobs", async () => {
    const sp = await fixture.copy('history');
    fillHistory(sp.p.ledger, 10_500);
    // Seals full segments, recording each one's blob, digest and stat (artifacts/sealed-store.ts).
    await syncRecords(sp.p);
    const sealed = ['audit/commands/000001.jsonl', 'audit/responses/000001.jsonl', 'audit/concerns/000002.jsonl'];
    // One edited behind Governor's back: its stat no longer matches the record, so it is read, and restored.
    const forged = 'audit/concerns/000001.jsonl';
    appendFileSync(join(sp.dir, forged), '{"forged":true}\n');
    sp.human.decide('promotion', 'approve', { comment: 'ship' });
    await promoteNow(sp.p);
    expect(sp.git('status', '--porcelain')).toBe('');
    // Every index entry's stat is its file's (git lists any other here without reading it).
    expect(sp.git('diff-files', '--name-only')).toBe('');
    for (const path of [...sealed, forged]) {
      const oid = sp.git('rev-parse', `main:${path}`).trim();
      expect(sp.git('ls-files', '-s', path)).toBe(`100644 ${oid} 0\t${path}\n`);
      expect(sp.git('hash-object', path).trim(), path).toBe(oid);
    }
    expect(sp.file(forged)).not.toMatch(/forged/);
    await judged(sp);
    sp.close();
  });

  it('keeps uncommitted edits the release does not touch, and brings the rest of the checkout along', async () => {
    const sp = await fixture.copy('kept');
    writeFileSync(join(sp.dir, 'notes.txt'), 'my own notes\n');
    appendFileSync(join(sp.dir, '.gitignore'), 'scratch/\n');
    sp.human.decide('promotion', 'approve', { comment: 'ship' });
    await promoteNow(sp.p);
    expect(sp.git('status', '--porcelain').split('\n').filter(Boolean).sort()).toEqual([
      ' M .gitignore',
      '?? notes.txt',
    ]);
    expect(sp.file('src/engine/backtest.js')).toBe(sp.git('show', 'main:src/engine/backtest.js'));
    sp.close();
  });

  it("says exactly what to do when the human's own work collides with the release, never a stack trace", async () => {
    const sp = await fixture.copy('collide');
    mkdirSync(join(sp.dir, 'src/engine'), { recursive: true });
    writeFileSync(join(sp.dir, 'src/engine/backtest.js'), 'export const mine = true;\n');
    sp.human.decide('promotion', 'approve', { comment: 'ship' });
    const mainBefore = sp.git('rev-parse', 'main').trim();
    sp.close();

    // 1. An uncommitted file in the way: the run stops, says which file and what to type.
    const first = governor(['run', '--no-prompt', '--dir', sp.dir]);
    expect(first.stderr + first.stdout).not.toMatch(/\n\s+at /);
    expect(first.stdout).toMatch(/`git commit src\/engine\/backtest\.js`/);
    expect([2, 3]).toContain(first.code);
    let sp2 = await reopen(sp.dir);
    const waits = () => sp2.p.read.openConcerns().filter((c) => c.category === 'dirty_working_tree');
    expect(waits()[0]?.details).toMatch(
      /uncommitted changes to src\/engine\/backtest\.js[\s\S]*`git commit src\/engine\/backtest\.js`/,
    );
    expect(sp2.git('rev-parse', 'main').trim()).toBe(mainBefore);
    expect(sp2.file('src/engine/backtest.js')).toBe('export const mine = true;\n');

    // 2. The human commits it: now main and develop really conflict, and the run says how to settle that.
    sp2.git(...asUser, 'add', 'src/engine/backtest.js');
    sp2.git(...asUser, 'commit', '-q', '-m', 'feat: my own engine');
    await sp2.human.command(`/resolve ${waits()[0]?.id} committed`);
    sp2.close();
    const second = governor(['run', '--no-prompt', '--dir', sp.dir]);
    expect(second.stderr + second.stdout).not.toMatch(/\n\s+at /);
    expect(second.stdout).toMatch(/git checkout main && git merge develop/);
    sp2 = await reopen(sp.dir);
    expect(waits()[0]?.summary).toMatch(/main and develop conflict in src\/engine\/backtest\.js/);
    expect(waits()[0]?.details).toMatch(/git merge develop/);
    expect(sp2.git('tag', '-l')).toBe('');

    // 3. The human takes their commit back; the promotion goes through.
    sp2.git(...asUser, 'revert', '--no-edit', 'HEAD');
    await sp2.human.command(`/resolve ${waits()[0]?.id} reverted`);
    await promoteNow(sp2.p);
    expect(sp2.git('describe', '--tags', 'main').trim()).toBe('v0.1.0');
    expect(sp2.git('status', '--porcelain')).toBe('');
    await judged(sp2);
    sp2.close();
  }, 600_000);

  it('a promotion that fails half-way becomes a concern holding it, and resumes where it stopped after /resolve', async () => {
    const sp = await fixture.copy('stopped');
    sp.human.decide('promotion', 'approve', { comment: 'ship' });
    const tagAnnotated = sp.p.git.tagAnnotated;
    sp.p.git.tagAnnotated = async () => {
      throw new Error('No space left on device');
    };
    const out = await sp.run(); // no exception, no retry loop
    expect(out.waitingOn.join('\n')).toMatch(/Promotion of phase 1 stopped: No space left on device/);
    expect(sp.git('tag', '-l')).toBe('');
    expect(sp.git('log', '-1', '--format=%s', 'main').trim()).toBe('chore(release): v0.1.0 records');
    sp.p.git.tagAnnotated = tagAnnotated;
    const concern = sp.p.read.openConcerns().find((c) => c.category === 'dirty_working_tree');
    expect(concern?.details).toMatch(/resumes where it stopped/);
    await sp.human.command(`/resolve ${concern?.id} disk cleaned`);
    await sp.reopen();
    await promoteNow(sp.p);
    expect(sp.git('tag', '-l').trim()).toBe('v0.1.0');
    expect(
      sp
        .git('log', '--first-parent', '--format=%s', 'main')
        .split('\n')
        .filter((l) => l.startsWith('chore(release)')),
    ).toHaveLength(1);
    expect(sp.git('status', '--porcelain')).toBe('');
    await judged(sp);
    sp.close();
  });

  it('never moves a tag the human made: the promotion waits and says how to go on', async () => {
    const sp = await fixture.copy('tagged');
    sp.git(...asUser, 'tag', 'v0.1.0');
    sp.human.decide('promotion', 'approve', { comment: 'ship' });
    await expect(promoteNow(sp.p)).rejects.toThrow(
      /did not finish; waiting on: Promotion of phase 1 waits: a tag v0\.1\.0 already exists/,
    );
    expect(sp.p.read.openConcerns().find((c) => c.category === 'dirty_working_tree')?.details).toMatch(
      /`git tag -d v0\.1\.0`/,
    );
    expect(sp.p.ledger.readTypes(['promotion.started'])).toEqual([]);
    sp.git('tag', '-d', 'v0.1.0');
    const concern = sp.p.read.openConcerns().find((c) => c.category === 'dirty_working_tree');
    await sp.human.command(`/resolve ${concern?.id} deleted it`);
    await promoteNow(sp.p);
    expect(sp.git('for-each-ref', '--format=%(objecttype)', 'refs/tags/v0.1.0').trim()).toBe('tag');
    await judged(sp);
    sp.close();
  });
});

async function reopen(dir: string): Promise<SampleProject> {
  const { openSample } = await import('./support/project.ts');
  return openSample(dir);
}

describe('conditions of an approval are tracked until met and shown at promotion', () => {
  it('turns each condition into a concern, lists the unmet ones in the promotion review and records them with the release', async () => {
    const { sampleProject } = await import('./support/project.ts');
    const { driveTo } = await import('./support/promotion-fixture.ts');
    const sp = await sampleProject();
    await sp.runUntilGate('plan');
    sp.human.decide('plan', 'approve_with_conditions', {
      comment: '- Keep the CSV adapter free of I/O in tests\n- Note the Phase 2 dependency plan in REQUIREMENTS.md',
    });
    const conditions = sp.p.read.openConcerns().filter((c) => c.category === 'condition');
    expect(conditions.map((c) => [c.summary, c.from, c.to, c.severity, c.review_id])).toEqual([
      [
        'Keep the CSV adapter free of I/O in tests',
        'Human',
        'ProjectManager',
        'info',
        expect.stringMatching(/^review_/),
      ],
      [
        'Note the Phase 2 dependency plan in REQUIREMENTS.md',
        'Human',
        'ProjectManager',
        'info',
        expect.stringMatching(/^review_/),
      ],
    ]);
    await syncRecords(sp.p);
    expect(sp.file('docs/PROJECT_DETAIL.md')).toMatch(
      /## Conditions\n\n- ⏳ `concern_\d+` Keep the CSV adapter free of I\/O in tests \(set by `review_\d+`/,
    );
    expect(sp.file('REQUIREMENTS.md')).toMatch(
      /✅ Approved with conditions by Human \d{4}-\d{2}-\d{2} — - Keep the CSV adapter/,
    );

    await driveTo(sp, 'promotion', { keep: (c) => c.category === 'condition' });
    const [met, unmet] = conditions;
    const review = sp.p.read.pendingReviews().find((r) => r.kind === 'promotion');
    expect(review?.summary).toMatch(/Unmet conditions \(2\): concern_\d+ .*Keep the CSV adapter/);
    await sp.human.command(`/resolve ${met?.id} adapter reads strings in tests`);
    sp.human.decide('promotion', 'approve', { comment: 'ship, the dependency note can follow' });
    await promoteNow(sp.p);
    const intent = sp.p.ledger.readTypes(['promotion.started'])[0]?.payload as { unmet_conditions: string[] };
    expect(intent.unmet_conditions).toEqual([unmet?.id]);
    expect(sp.git('for-each-ref', '--format=%(contents)', 'refs/tags/v0.1.0')).toContain(
      `Released with unmet conditions: ${unmet?.id}.`,
    );
    const detail = sp.git('show', 'v0.1.0:docs/PROJECT_DETAIL.md');
    expect(detail).toMatch(new RegExp(`- ⏳ \`${unmet?.id}\` Note the Phase 2 dependency plan`));
    expect(detail).toMatch(new RegExp(`Met: \`${met?.id}\` \\(adapter reads strings in tests\\)`));
    expect(sp.git('status', '--porcelain')).toBe('');
    sp.close();
  }, 600_000);
});

describe('the human identity comes from git config or agents.yaml', () => {
  it('falls back to the placeholder only when neither names the human', async () => {
    const { humanIdentity, DEFAULT_HUMAN } = await import('../electron/core/git/identity.ts');
    const { tempDir } = await import('./support/tmp.ts');
    const dir = tempDir();
    git(dir, 'init', '-q');
    git(dir, 'config', 'user.name', 'Ada Lovelace');
    git(dir, 'config', 'user.email', 'ada@example.com');
    expect(await humanIdentity(dir)).toEqual({ name: 'Ada Lovelace', email: 'ada@example.com', source: 'git config' });
    const grace = { name: 'Grace Hopper', email: 'grace@example.com' };
    expect(await humanIdentity(dir, grace)).toEqual({ ...grace, source: 'agents.yaml' });
    git(dir, 'config', 'user.email', 'not an email');
    const fallback = await humanIdentity(dir);
    // A git config that cannot be a git identity is not used (the global one may still name someone).
    expect(fallback.email).not.toBe('not an email');
    expect(DEFAULT_HUMAN).toMatchObject({ name: 'Human', email: 'human@agents.local' });
    expect(readFileSync(join(dir, '.git', 'config'), 'utf8')).toMatch(/not an email/);
  });
});
