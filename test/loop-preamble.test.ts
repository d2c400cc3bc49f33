import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runLoop } from '../electron/core/workflow/loop.ts';
import { type SampleProject, sampleProject } from './support/project.ts';

/**
 * The start of every run (finishPromotion, commitConfigEdits, archiveIdleExperiments, checkRuntimes) when
 * nothing needs doing asks git nothing: the configuration files and HEAD are compared by their stamps, and
 * experiments are looked for by their folder and packed-refs, synchronously. Counted on the engine's
 * GitService; what it does when something does need doing is asserted as well.
 */
const opened: SampleProject[] = [];
afterEach(() => {
  while (opened.length > 0) opened.pop()?.close();
});

function countGit(sp: SampleProject) {
  const git = sp.p.git;
  return {
    resolveRef: vi.spyOn(git, 'resolveRef'),
    listBranches: vi.spyOn(git, 'listBranches'),
    dirtyAmong: vi.spyOn(git, 'dirtyAmong'),
    headBranch: vi.spyOn(git, 'headBranch'),
  };
}

describe('the runLoop preamble', () => {
  it('asks git nothing when nothing changed, and still commits a configuration edit', async () => {
    const sp = await sampleProject();
    opened.push(sp);
    await sp.run(); // the plan, then the human's review
    const spies = countGit(sp);
    const out = await runLoop(sp.p, { maxSteps: 0 });
    expect(out.state).toBe('blocked');
    for (const [name, spy] of Object.entries(spies)) expect(spy, name).not.toHaveBeenCalled();

    appendFileSync(join(sp.dir, '.project_policies.yaml'), '# tuned by hand\n');
    await runLoop(sp.p, { maxSteps: 0 });
    expect(spies.dirtyAmong).toHaveBeenCalledTimes(1);
    expect(sp.git('log', '-1', '--format=%s', 'main')).toMatch(/chore\(config\): \.project_policies\.yaml edited/);
    expect(sp.git('status', '--porcelain', '--', '.project_policies.yaml')).toBe('');
  });

  it('finds an idle experiment whether its ref is packed or loose', async () => {
    const sp = await sampleProject();
    opened.push(sp);
    const old = Math.floor(Date.now() / 1000) - 30 * 86_400;
    const experiment = (name: string) =>
      sp.p.git.commitChanges({
        branch: `experiments/${name}`,
        actor: 'Implementer',
        changes: [{ path: `${name}.txt`, content: `try ${name}\n` }],
        subject: `feat(exp): try ${name}`,
        auditId: `test-${name}`,
        timestamp: old,
      });
    await experiment('packed');
    sp.git('pack-refs', '--all');
    expect(sp.git('for-each-ref', '--format=%(refname)', 'refs/heads/experiments')).toMatch(/packed/);
    await runLoop(sp.p, { maxSteps: 0 });
    expect(sp.git('tag', '-l', 'archived/*').trim()).toBe('archived/packed');
    await experiment('loose');
    await runLoop(sp.p, { maxSteps: 0 });
    expect(sp.git('branch', '--list', 'experiments/*').trim()).toBe('');
    expect(sp.git('tag', '-l', 'archived/*').trim().split('\n')).toEqual(['archived/loose', 'archived/packed']);
  });
});
