import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProtectedRefError } from '../electron/core/errors.ts';
import { verifyGitAudit } from '../electron/core/git/audit-verify.ts';
import { notificationFor } from '../electron/core/notify/alerts.ts';
import { agentCommit } from '../electron/core/workflow/git-steps.ts';
import { workStep } from '../electron/core/workflow/stages/build.ts';
import { runLoop, syncRecords } from '../electron/core/workflow/loop.ts';
import { type SampleProject, sampleProject } from './support/project.ts';
import { setTestCommand } from './support/workflow-helpers.ts';
import { workspaceDir } from '../electron/core/workflow/work-dirs.ts';

/** Drive the sample project step by step to the end of the build (stage `test`), approving everything. */
async function throughBuild(sp: SampleProject): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (sp.p.read.project()?.stage === 'test') return;
    const out = await runLoop(sp.p, { maxSteps: 1 });
    if (out.steps === 0) {
      for (const r of sp.p.read.pendingReviews()) sp.human.decide(r.kind, 'approve', { comment: 'ok' });
      for (const c of sp.p.read.openConcerns()) await sp.human.command(`/resolve ${c.id} ok`);
    }
  }
  throw new Error('the build did not finish');
}

describe('git automation in the loop, judged by the git CLI', () => {
  it('refuses an agent write to develop, audits the refusal and raises a concern; nothing moves', async () => {
    const sp = await sampleProject();
    await sp.run();
    const before = sp.git('rev-parse', 'develop').trim();
    await expect(
      agentCommit(sp.p, {
        agent: 'Implementer',
        actor: 'Implementer',
        branch: 'develop',
        changes: new Map([['src/x.js', 'x']]),
        subject: 'feat(x): sneak in',
        trigger: 'test',
      }),
    ).rejects.toThrow(ProtectedRefError);
    await expect(
      agentCommit(sp.p, {
        agent: 'Implementer',
        actor: 'Implementer',
        branch: 'phase1/implementer-2',
        changes: new Map([['src/x.js', 'x']]),
        subject: 'feat(x): not mine',
        trigger: 'test',
      }),
    ).rejects.toThrow(/belongs to the agent "implementer-2"/);
    expect(sp.git('rev-parse', 'develop').trim()).toBe(before);
    expect(sp.git('branch', '--list', 'phase1/implementer-2').trim()).toBe('');
    const refused = sp.p.read.gitActions().filter((a) => a.action === 'protect_refused');
    expect(refused.map((a) => a.target)).toEqual(['develop', 'phase1/implementer-2']);
    const concerns = sp.p.read.openConcerns().filter((c) => c.category === 'protected_branch');
    expect(concerns).toHaveLength(2);
    expect(concerns[0]).toMatchObject({ severity: 'critical', from: 'Implementer', to: 'Human' });
    await syncRecords(sp.p);
    expect(sp.file('audit/git_actions.jsonl')).toMatch(
      /"action":"protect_refused","source":"workspace:Implementer","target":"develop"/,
    );
    sp.close();
  });

  it('fails the gate on a merge conflict, naming the files, with develop unchanged', async () => {
    const sp = await sampleProject();
    await throughBuild(sp);
    // Implementer-2 also rewrites a file Implementer wrote: the second merge of the candidate conflicts.
    const content = 'export const conflicting = true;\n';
    await agentCommit(sp.p, {
      agent: 'Implementer-2',
      actor: 'Implementer-2',
      branch: 'phase1/implementer-2',
      changes: new Map([['src/data/csv-adapter.js', content]]),
      subject: 'refactor(data): rewrite the adapter',
      trigger: 'test',
    }).then((a) => {
      if (a)
        sp.p.ledger.transact((tx) =>
          tx.append({
            type: 'git.action_recorded',
            actor: a.actor,
            id: a.id,
            payload: { ...a, timestamp: new Date().toISOString() },
          }),
        );
    });
    const develop = sp.git('rev-parse', 'develop').trim();
    await sp.run();
    expect(sp.git('rev-parse', 'develop').trim()).toBe(develop);
    const gate = sp.p.read.gates().at(-1);
    expect(gate?.green).toBe(false);
    expect(gate?.reasons.join(' ')).toMatch(
      /phase1\/implementer-2 conflicts with develop in src\/data\/csv-adapter\.js/,
    );
    const concern = sp.p.read.openConcerns().find((c) => c.category === 'merge_conflict');
    expect(concern).toMatchObject({
      severity: 'critical',
      escalations: [expect.objectContaining({ from: 'Implementer-2', to: 'Human' })],
    });
    const failure = sp.p.read.gitActions().find((a) => a.action === 'failure');
    expect(failure).toMatchObject({
      source: 'phase1/implementer-2',
      target: 'develop',
      files: ['src/data/csv-adapter.js'],
    });
    expect(sp.p.read.project()?.stage).toBe('build');
    expect(sp.git('fsck', '--full', '--no-dangling')).toBe('');
    sp.close();
  });

  it('rolls develop back when post-merge QA fails, and `git diff <merge>^1 develop` is empty', async () => {
    const sp = await sampleProject();
    // Passes the first time (the gate), fails the second (post-merge on develop).
    const marker = join(sp.dir, '..', 'ran-once');
    const policy = join(sp.dir, '.project_policies.yaml');
    const { readFileSync } = await import('node:fs');
    writeFileSync(
      policy,
      readFileSync(policy, 'utf8')
        .replace('timeout_s: 120', 'timeout_s: 120')
        .replace(/git:\s*\n/, 'git:\n  post_merge_qa: true\n'),
    );
    if (!/post_merge_qa/.test(readFileSync(policy, 'utf8')))
      writeFileSync(policy, `${readFileSync(policy, 'utf8')}\ngit:\n  post_merge_qa: true\n`);
    const original = (await import('yaml')).parse(readFileSync(policy, 'utf8')).tests[0].command as string;
    setTestCommand(sp.dir, `if [ -f ${marker} ]; then exit 1; fi; touch ${marker}; ${original}`);
    // The marker outside the checkout is the point of this command, and exactly what the sandbox forbids.
    writeFileSync(policy, readFileSync(policy, 'utf8').replace(/sandbox:\n {2}mode: auto/, 'sandbox:\n  mode: off'));
    await sp.reopen();
    const developBefore = sp.git('rev-parse', 'develop').trim();
    await throughBuild(sp);
    await sp.run();
    const reverts = sp.p.read.gitActions().filter((a) => a.action === 'revert');
    expect(reverts.length).toBeGreaterThan(0);
    const merges = sp.p.read.gitActions().filter((a) => a.action === 'merge' && a.target === 'develop');
    const firstMerge = merges[0]?.commit ?? '';
    expect(sp.git('rev-parse', `${firstMerge}^1`).trim()).toBe(developBefore);
    expect(sp.git('diff', `${firstMerge}^1`, 'develop')).toBe('');
    expect(sp.git('log', '-1', '--format=%s', 'develop')).toMatch(/^revert: /);
    expect(sp.p.read.openConcerns().find((c) => c.category === 'post_merge_failure')).toMatchObject({
      severity: 'critical',
    });
    expect(sp.p.read.project()?.stage).toBe('build');
    const notes = reverts.map((r) => notificationFor(sp.p.ledger.byId(r.id) ?? (null as never), sp.p.read));
    expect(notes[0]).toMatchObject({ title: '⏪ Rollback', channel: 'agent-concerns' });
    await syncRecords(sp.p);
    expect(await verifyGitAudit(sp.p)).toEqual([]);
    expect(sp.git('fsck', '--full')).toBe('');
    sp.close();
  });

  it("commits the human's uncommitted agents.yaml edit for them, then promotes and announces the release", async () => {
    const sp = await sampleProject();
    await throughBuild(sp);
    await sp.runUntilGate('test_completion');
    sp.human.decide('test_completion', 'approve', { comment: 'ok' });
    await sp.runUntilGate('promotion');
    sp.human.decide('promotion', 'approve', { comment: 'ship' });
    writeFileSync(join(sp.dir, 'agents.yaml'), `${sp.file('agents.yaml')}# my local note\n`);
    // Stashing agents.yaml would revert the runtimes; Governor commits the human's edit instead of waiting on it.
    expect((await sp.run()).state).toBe('done');
    expect(sp.p.read.openConcerns().filter((c) => c.category === 'dirty_working_tree')).toEqual([]);
    expect(sp.git('log', '--first-parent', '--format=%s', 'main~2', '-1').trim()).toBe(
      'chore(config): agents.yaml edited by the human',
    );
    expect(sp.file('agents.yaml')).toMatch(/# my local note/);
    expect(sp.git('status', '--porcelain')).toBe('');
    expect(sp.git('describe', '--tags', 'main').trim()).toBe('v0.1.0');
    expect(await verifyGitAudit(sp.p)).toEqual([]);
    const tagNote = notificationFor(
      sp.p.ledger.byId(sp.p.read.gitActions().find((a) => a.action === 'tag')?.id ?? '') ?? (null as never),
      sp.p.read,
    );
    expect(tagNote).toMatchObject({ title: '🏷️ Release v0.1.0' });
    const mergeNote = notificationFor(
      sp.p.ledger.byId(sp.p.read.gitActions().find((a) => a.action === 'merge')?.id ?? '') ?? (null as never),
      sp.p.read,
    );
    expect(mergeNote?.body).toMatch(/^Source: phase1\/\S+ → develop\nTests: ✅ All 40 passed\nApproved by: QA gate/);
    sp.close();
  });

  it('runs two implementers at once in isolated workspaces without touching each other or the user checkout', async () => {
    const sp = await sampleProject();
    for (let i = 0; i < 10 && sp.p.read.project()?.stage !== 'build'; i++) {
      await runLoop(sp.p, { maxSteps: 1 });
      for (const r of sp.p.read.pendingReviews()) sp.human.decide(r.kind, 'approve', { comment: 'ok' });
    }
    const task = (id: string) => sp.p.read.task(id) ?? (null as never);
    const statusBefore = sp.git('status', '--porcelain');
    await Promise.all([workStep(sp.p, 'Implementer', task('T4')), workStep(sp.p, 'Implementer-2', task('T6'))]);
    expect(sp.git('log', '-1', '--format=%s%n%(trailers:key=Signed-off-by,valueonly)', 'phase1/implementer')).toMatch(
      /CSV data adapter[\s\S]*Implementer-Agent <implementer@agents\.local>/,
    );
    expect(sp.git('log', '-1', '--format=%s%n%(trailers:key=Signed-off-by,valueonly)', 'phase1/implementer-2')).toMatch(
      /backtest engine[\s\S]*Implementer-Agent <implementer-2@agents\.local>|backtest engine/,
    );
    expect(sp.git('ls-tree', '-r', '--name-only', 'phase1/implementer')).not.toMatch(/src\/engine\/backtest\.js/);
    expect(sp.git('ls-tree', '-r', '--name-only', 'phase1/implementer-2')).not.toMatch(/src\/data\/csv-adapter\.js/);
    const ws1 = workspaceDir(sp.dir, 'phase1/implementer');
    const ws2 = workspaceDir(sp.dir, 'phase1/implementer-2');
    const { existsSync } = await import('node:fs');
    expect(existsSync(join(ws1, 'src/data/csv-adapter.js'))).toBe(true);
    expect(existsSync(join(ws2, 'src/data/csv-adapter.js'))).toBe(false);
    expect(existsSync(join(sp.dir, 'src'))).toBe(false);
    expect(sp.git('status', '--porcelain')).toBe(statusBefore);
    expect(sp.git('fsck', '--full', '--no-dangling')).toBe('');
    expect(
      sp.p.read
        .tasks()
        .filter((t) => t.id === 'T4' || t.id === 'T6')
        .map((t) => t.status),
    ).toEqual(['Done', 'Done']);
    sp.close();
  });

  it('archives an idle experiment to a tag and deletes the branch', async () => {
    const sp = await sampleProject();
    const old = Math.floor(Date.now() / 1000) - 30 * 86_400;
    await sp.p.git.commitChanges({
      branch: 'experiments/nevergrad',
      actor: 'Implementer',
      changes: [{ path: 'exp.txt', content: 'try nevergrad\n' }],
      subject: 'feat(exp): try nevergrad',
      auditId: 'test-exp',
      timestamp: old,
    });
    await sp.p.git.commitChanges({
      branch: 'experiments/fresh',
      actor: 'Implementer',
      changes: [{ path: 'exp2.txt', content: 'fresh\n' }],
      subject: 'feat(exp): fresh idea',
      auditId: 'test-exp2',
      timestamp: Math.floor(Date.now() / 1000),
    });
    await sp.run();
    expect(sp.git('branch', '--list', 'experiments/*').trim()).toBe('experiments/fresh');
    expect(sp.git('cat-file', '-t', 'archived/nevergrad').trim()).toBe('tag');
    expect(sp.git('log', '-1', '--format=%s', 'archived/nevergrad')).toMatch(/try nevergrad/);
    expect(sp.p.read.gitActions().find((a) => a.action === 'archive')).toMatchObject({
      source: 'experiments/nevergrad',
      target: 'archived/nevergrad',
    });
    sp.close();
  });

  it('detects history, notes and git_actions.jsonl that disagree', async () => {
    const sp = await sampleProject();
    await throughBuild(sp);
    await syncRecords(sp.p);
    expect(await verifyGitAudit(sp.p)).toEqual([]);
    const jsonl = join(sp.dir, 'audit/git_actions.jsonl');
    const lines = sp.file('audit/git_actions.jsonl').split('\n');
    lines[0] = (lines[0] ?? '').replace('"action":"commit"', '"action":"merge"');
    writeFileSync(jsonl, lines.join('\n'));
    sp.git('update-ref', '-d', 'refs/notes/audit');
    const problems = await verifyGitAudit(sp.p);
    expect(problems.some((p) => /git_actions\.jsonl:1 .* differs from the ledger/.test(p))).toBe(true);
    expect(problems.some((p) => /no audit note for commit phase1\//.test(p))).toBe(true);
    sp.close();
  });
});
