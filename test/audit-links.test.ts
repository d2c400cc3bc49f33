import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createGitService } from '../electron/core/git/service.ts';
import { concernFromHash, concernRoute } from '../renderer/views/concerns/route.ts';
import { diffFromHash, diffHash, routeFromHash } from '../renderer/shell/routes.ts';
import { type EventLink, eventLinks } from '../renderer/views/audit/links.ts';
import { gitCli, tempDir } from './support/git-cli.ts';

/**
 * The audit timeline's event detail links to what an event is about. The ids come out of real payload
 * shapes (as the demo project's ledger holds them), the hashes round-trip to the views that read them,
 * and the "commit against its parent" a git link asks for resolves in a real repository as git's does.
 */

const MERGE = '69fe65f8ca13774fe1946ea224a4492746660cf4';
const BEFORE = 'f769aa7d363ff7bbe89c298327107df619d3ecbc';
const COMMIT = '83c37a998fd31c0a13172d732591422c09c1de08';

const pick = (links: EventLink[]) =>
  links.map((l) => ({ kind: l.kind, id: l.id, ...('href' in l ? { href: l.href } : { search: l.search }) }));

describe('eventLinks', () => {
  it('links a decision to its review, and nothing else', () => {
    const payload = {
      review_id: 'review_0001',
      decision: {
        comment: 'see review_0009 and concern_0004 for why',
        decision: 'approve',
        inline: [],
        reviewed_by: 'Human',
        source: 'ui',
        timestamp: 't',
      },
    };
    // Words in a comment are prose, not references.
    expect(pick(eventLinks('review.decided', payload))).toEqual([
      { kind: 'review', id: 'review_0001', href: '#/reviews/review_0001' },
    ]);
  });

  it('links a requested review to itself first, the one it follows, and its document', () => {
    const payload = {
      id: 'review_0006',
      follows: 'review_0002',
      handoff_id: 'handoff_20261125_003',
      kind: 'design',
      subject: { path: 'design/DESIGN_SPEC.md', revision: 2 },
      summary: 'r2 answers review_0002',
      context: ['REQUIREMENTS.md'],
    };
    expect(pick(eventLinks('review.requested', payload))).toEqual([
      { kind: 'review', id: 'review_0006', href: '#/reviews/review_0006' },
      { kind: 'review', id: 'review_0002', href: '#/reviews/review_0002' },
      { kind: 'artifact', id: 'design/DESIGN_SPEC.md', search: 'design/DESIGN_SPEC.md' },
    ]);
    expect(eventLinks('review.requested', payload).at(-1)?.label).toBe('design/DESIGN_SPEC.md r2');
  });

  it('links a raised concern by its id and every later concern event by concern_id', () => {
    const raised = {
      id: 'concern_0001',
      from: 'Implementer',
      to: 'Designer',
      details: 'unlike concern_0007, this one…',
      escalations: [],
    };
    expect(pick(eventLinks('concern.raised', raised))).toEqual([
      { kind: 'concern', id: 'concern_0001', href: '#/concerns/concern_0001' },
    ]);
    expect(
      pick(eventLinks('concern.escalated', { concern_id: 'concern_0001', from: 'Designer', to: 'Human', reason: 'r' })),
    ).toEqual([{ kind: 'concern', id: 'concern_0001', href: '#/concerns/concern_0001' }]);
    // Only a concern.raised's own `id` is a concern id; a response's `id` is not.
    expect(
      pick(
        eventLinks('response.sent', {
          id: 'resp_0001',
          command_id: 'cmd_20261125_001',
          response: 'Concern concern_0001 resolved.',
        }),
      ),
    ).toEqual([
      { kind: 'concern', id: 'concern_0001', href: '#/concerns/concern_0001' },
      { kind: 'command', id: 'cmd_20261125_001', search: 'cmd_20261125_001' },
    ]);
  });

  it('links a command to its target and to the events of the command', () => {
    const payload = {
      args: '0 means flat',
      cmd: '/resolve',
      command_id: 'cmd_20261125_001',
      source: 'cli',
      target: 'concern_0001',
      timestamp: 't',
      user: 'Human',
    };
    expect(pick(eventLinks('command.received', payload))).toEqual([
      { kind: 'concern', id: 'concern_0001', href: '#/concerns/concern_0001' },
      { kind: 'command', id: 'cmd_20261125_001', search: 'cmd_20261125_001' },
    ]);
  });

  it('links a merge to the merge commit against the tip it was merged onto', () => {
    const merge = {
      action: 'merge',
      actor: 'System',
      commit: MERGE,
      files: [],
      id: '01M88',
      message: 'merge(phase1): phase1/designer into develop',
      previous: BEFORE,
      source: 'phase1/designer',
      target: 'develop',
      timestamp: 't',
      trigger: 'qa_gate',
    };
    const [link, ...rest] = eventLinks('git.action_recorded', merge);
    expect(rest).toEqual([]);
    expect(link).toEqual({
      kind: 'commit',
      id: MERGE,
      label: 'Merge into develop · 69fe65f',
      from: BEFORE,
      to: MERGE,
      href: `#/diffs/${BEFORE}..${MERGE}`,
    });
  });

  it('links a first commit on a branch to its parent, and the review whose approval triggered it', () => {
    const commit = {
      action: 'commit',
      actor: 'Designer',
      commit: COMMIT,
      files: ['design/DESIGN_SPEC.md'],
      id: '01M88P',
      message: 'docs(design): r1 approved',
      previous: null,
      source: 'workspace:Designer',
      target: 'phase1/designer',
      timestamp: 't',
      trigger: 'human_approval review_0002',
    };
    expect(pick(eventLinks('git.action_recorded', commit))).toEqual([
      { kind: 'review', id: 'review_0002', href: '#/reviews/review_0002' },
      { kind: 'commit', id: COMMIT, href: `#/diffs/${COMMIT}%5E..${COMMIT}` },
    ]);
  });

  it('links a tag to the tagged commit against its parent, and a refusal to nothing', () => {
    const tag = {
      action: 'tag',
      actor: 'Human',
      commit: MERGE,
      files: [],
      id: 'x',
      message: 'Phase 1 promoted',
      previous: null,
      source: 'main',
      target: 'v0.1.0',
      timestamp: 't',
      trigger: 'human_approval review_0007',
    };
    expect(pick(eventLinks('git.action_recorded', tag))).toEqual([
      { kind: 'review', id: 'review_0007', href: '#/reviews/review_0007' },
      { kind: 'commit', id: 'v0.1.0', href: '#/diffs/v0.1.0%5E..v0.1.0' },
    ]);
    expect(
      eventLinks('phase.promoted', { phase: 1, tag: 'v0.1.0', commit: MERGE, next_phase: 2 }).map((l) => l.label),
    ).toEqual(['Tag v0.1.0']);
    expect(
      eventLinks('git.action_recorded', { ...tag, action: 'protect_refused', commit: null, trigger: 'agent push' }),
    ).toEqual([]);
  });

  it('links an artifact revision to its document and the review it answers, not to words in its body', () => {
    const rev = {
      path: 'design/DESIGN_SPEC.md',
      revision: 2,
      phase: 1,
      owner: 'Designer',
      content: '# Spec\nas review_0001 said, concern_0003',
      delta_summary: null,
      in_response_to: 'review_0002',
      scripted: true,
      at: 't',
    };
    expect(pick(eventLinks('artifact.revised', rev))).toEqual([
      { kind: 'review', id: 'review_0002', href: '#/reviews/review_0002' },
      { kind: 'artifact', id: 'design/DESIGN_SPEC.md', search: 'design/DESIGN_SPEC.md' },
    ]);
  });

  it('offers nothing for an event about nothing else, or a payload that is not an object', () => {
    expect(eventLinks('agent.status_changed', { agent: 'Designer', status: 'idle', task: null })).toEqual([]);
    expect(eventLinks('alert.raised', null)).toEqual([]);
    expect(eventLinks('alert.raised', ['review_0001'])).toEqual([]);
  });
});

describe('deep-link hashes', () => {
  it('round-trip a comparison through the diffs hash, branch names with slashes and parents included', () => {
    for (const [from, to] of [
      [null, 'v0.1.0'],
      ['develop', 'phase1/implementer-2'],
      [`${COMMIT}^`, COMMIT],
    ] as const) {
      const hash = diffHash(from, to);
      expect(routeFromHash(hash)).toBe('diffs');
      expect(diffFromHash(hash)).toEqual({ from, to });
    }
    expect(diffFromHash('#/diffs')).toBeNull();
    expect(diffFromHash('#/diffs/develop..')).toBeNull();
  });

  it('reads the concern a hash selects', () => {
    expect(concernFromHash('#/concerns/concern_0001')).toBe('concern_0001');
    expect(concernFromHash('#/concerns')).toBeNull();
    expect(concernFromHash('#/reviews/review_0001')).toBeNull();
  });
});

describe('concernRoute', () => {
  it('lists everyone a concern was addressed to, from its raiser to where it stands now', () => {
    const hop = (from: string, to: string) => ({ from, to, at: 't', reason: 'r' });
    expect(
      concernRoute({
        from: 'Implementer',
        to: 'Human',
        escalations: [hop('Designer', 'ProjectManager'), hop('ProjectManager', 'Human')],
      }),
    ).toEqual(['Implementer', 'Designer', 'ProjectManager', 'Human']);
    expect(concernRoute({ from: 'Tester', to: 'ProjectManager', escalations: [] })).toEqual([
      'Tester',
      'ProjectManager',
    ]);
  });
});

describe("a link's parent revision resolves as git's does", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups) await c();
  });

  it('`rev^`, `rev^N`, `rev^0`, a tag’s parent, and none for a root commit', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    gitCli(dir, 'init', '-q', '-b', 'develop');
    const commit = async (file: string, msg: string) => {
      await writeFile(join(dir, file), `${msg}\n`);
      gitCli(dir, 'add', file);
      gitCli(dir, 'commit', '-q', '-m', msg);
    };
    await commit('a.txt', 'root');
    gitCli(dir, 'checkout', '-q', '-b', 'feature');
    await commit('b.txt', 'feature work');
    gitCli(dir, 'checkout', '-q', 'develop');
    await commit('c.txt', 'develop work');
    gitCli(dir, 'merge', '-q', '--no-ff', '-m', 'merge feature', 'feature');
    gitCli(dir, 'tag', '-a', '-m', 'release', 'v1');
    const rev = (r: string) => gitCli(dir, 'rev-parse', '--verify', '-q', `${r}^{commit}`).trim();
    const merge = rev('develop');
    const svc = createGitService({ dir });

    for (const r of [
      `${merge}^`,
      `${merge}^1`,
      `${merge}^2`,
      `${merge}^0`,
      'develop^',
      'develop^^',
      'v1^',
      'v1^2',
      'feature^',
    ]) {
      expect(await svc.resolveRef(r), r).toBe(rev(r));
    }
    // Past the parents there is nothing, as `git rev-parse` says too.
    expect(await svc.resolveRef(`${merge}^3`)).toBeNull();
    expect(await svc.resolveRef(`${rev('develop^^')}^`)).toBeNull();
    expect(await svc.resolveRef('nope^')).toBeNull();
    // The diff a merge link asks for: the merge against its first parent brings in the feature's file.
    const diff = await svc.diff({ from: await svc.resolveRef(`${merge}^`), to: merge });
    expect(diff.files.map((f) => [f.status, f.path])).toEqual([['A', 'b.txt']]);
  });
});
