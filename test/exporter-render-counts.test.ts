import { afterEach, describe, expect, it, vi } from 'vitest';
import type { OpenedProject } from '../electron/core/host.ts';
import { decideReview } from '../electron/core/workflow/decisions.ts';
import { requestReview } from '../electron/core/workflow/records.ts';
import { fillHistory } from '../bench/history.ts';
import { type SampleProject, sampleProject } from './support/project.ts';

/**
 * How much an export sync does: the sections it re-renders, the fields it re-reads, the files it writes,
 * counted after single steps (split from exporter-incremental.test.ts, which checks what they hold).
 */
describe('incremental exports, counted', () => {
  const opened: SampleProject[] = [];
  afterEach(() => {
    for (const s of opened.splice(0)) s.close();
  });
  async function project(): Promise<{ dir: string; p: OpenedProject }> {
    const s = await sampleProject();
    opened.push(s);
    return { dir: s.dir, p: s.p };
  }
  const ts = () => new Date().toISOString();

  it('re-renders only the sections whose inputs changed, and re-reads only the fields that changed', async () => {
    const { p } = await project();
    fillHistory(p.ledger, 120);
    // An authored document, whose review log reads the reviews of the authored documents.
    p.ledger.append([
      {
        type: 'artifact.revised',
        actor: 'Designer',
        payload: {
          path: 'design/DESIGN_SPEC.md',
          revision: 1,
          phase: 1,
          owner: 'Designer',
          content: '# Design spec\n\nOne adapter per broker.',
          delta_summary: null,
          in_response_to: null,
          scripted: false,
          at: ts(),
        },
      },
    ]);
    await p.exporter.sync();
    const before = p.exporter.renders();
    expect(before.documents.authored).toBe(1);
    // An alert changes only the time of the last update: one section of the overview and one of the detail.
    p.ledger.append([
      { type: 'alert.raised', actor: 'System', payload: { severity: 'info', summary: 'a', details: 'b' } },
    ]);
    await p.exporter.sync();
    const afterAlert = p.exporter.renders();
    expect(afterAlert.sections - before.sections).toBe(2);
    expect(await p.exporter.verify()).toEqual([]);

    // A model call's usage moves an agent's tokens and cost, which no document shows: no section that names
    // an agent is rendered again, only the last-update lines and status.json.
    const usage = {
      agent: p.read.agents()[0]?.name ?? 'ProjectManager',
      phase: 1,
      model: 'm',
      purpose: 'p',
      input_tokens: 1200,
      output_tokens: 300,
      cost_usd: 0.02,
      priced: true,
    };
    p.ledger.append([{ type: 'agent.usage_recorded', actor: 'System', payload: usage }]);
    await p.exporter.sync();
    const afterUsage = p.exporter.renders();
    expect(afterUsage.sections - afterAlert.sections).toBe(2);
    expect(await p.exporter.verify()).toEqual([]);

    // An agent's status: the documents showing the team are rendered, nothing else, and of the fields they
    // read only the agents (and the time of the update) are read again.
    const agent = p.read.agents()[0]?.name ?? 'ProjectManager';
    const spies = (['tasks', 'reviews', 'concerns', 'artifacts', 'gitActions'] as const).map((m) =>
      vi.spyOn(p.read, m),
    );
    const agents = vi.spyOn(p.read, 'agents');
    p.ledger.append([
      { type: 'agent.status_changed', actor: 'System', payload: { agent, status: 'working', task: null } },
    ]);
    await p.exporter.sync();
    const afterAgent = p.exporter.renders();
    const docs = (r: typeof before) => r.documents;
    const moved = Object.keys(docs(afterAgent)).filter((d) => (docs(afterAgent)[d] ?? 0) > (docs(afterUsage)[d] ?? 0));
    expect(moved.sort()).toEqual(['detail', 'overview', 'status']);
    const sections = afterAgent.sections - afterUsage.sections;
    // The last-update lines, the team and the sections naming agents; not the whole of either document.
    expect(sections).toBeGreaterThan(2);
    expect(sections).toBeLessThan(21 - 4);
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    expect(agents).toHaveBeenCalled();
    expect(await p.exporter.verify()).toEqual([]);

    // A review of the test results is a review event, but the authored documents' reviews read the same:
    // they are compared, not rendered again. The documents showing pending reviews are. A review just asked
    // for has no clarification yet: they are not read again.
    const clarifications = [vi.spyOn(p.read, 'someClarifications'), vi.spyOn(p.read, 'clarifications')];
    p.ledger.transact((tx) =>
      requestReview(
        tx,
        {
          kind: 'test_completion',
          phase: 1,
          title: 'Test completion',
          requested_by: 'Tester',
          impact: 'low',
          subject: { path: 'tests/TEST_RESULTS.md', revision: 1 },
          context: [],
          handoff_id: null,
          summary: 's',
        },
        ts(),
      ),
    );
    await p.exporter.sync();
    const afterReview = p.exporter.renders().documents;
    for (const spy of clarifications) expect(spy).not.toHaveBeenCalled();
    expect(afterReview.authored).toBe(docs(afterAgent).authored);
    expect(afterReview.overview).toBe((docs(afterAgent).overview ?? 0) + 1);
    expect(await p.exporter.verify()).toEqual([]);

    // A decision moves the window of the latest decisions, whose clarifications the overview shows: those
    // are read again, once. The authored documents read their reviews' clarifications, which a decision of
    // another document leaves as they were: not read again.
    const decide = (path: string) => {
      const review = p.read.pendingReviews().find((r) => r.subject.path === path);
      expect(review).toBeDefined();
      decideReview(p.ledger, p.read, { reviewId: review?.id ?? '', decision: 'approve', comment: 'ok', source: 'cli' });
    };
    p.ledger.transact((tx) =>
      requestReview(
        tx,
        {
          kind: 'design',
          phase: 1,
          title: 'Design',
          requested_by: 'Designer',
          impact: 'low',
          subject: { path: 'design/DESIGN_SPEC.md', revision: 1 },
          context: [],
          handoff_id: null,
          summary: 's',
        },
        ts(),
      ),
    );
    decide('design/DESIGN_SPEC.md');
    await p.exporter.sync();
    for (const spy of clarifications) spy.mockClear();
    decide('tests/TEST_RESULTS.md');
    await p.exporter.sync();
    expect(clarifications[0]).toHaveBeenCalledTimes(1);
    expect(clarifications[1]).not.toHaveBeenCalled();
    expect(await p.exporter.verify()).toEqual([]);
  });

  it('after a step that commits, renders and writes only what shows the team, reading the project once', async () => {
    const { p } = await project();
    fillHistory(p.ledger, 120);
    await p.exporter.sync();
    const before = p.exporter.renders().documents;
    const agent = p.read.agents()[0]?.name ?? 'Implementer';
    // An agent starts and commits: a plain commit is no changelog line (merges, tags and reverts are).
    const commit = {
      id: 'git_step_1',
      action: 'commit' as const,
      source: 'phase1/T1',
      target: 'phase1/T1',
      trigger: 'task T1',
      timestamp: ts(),
      actor: 'Implementer' as const,
      commit: 'a'.repeat(40),
      previous: 'b'.repeat(40),
      message: 'feat: parse the csv header',
      files: ['src/parse.ts'],
    };
    p.ledger.append([
      { type: 'agent.status_changed', actor: 'System', payload: { agent, status: 'working', task: 'T1' } },
      { type: 'git.action_recorded', actor: 'Implementer', payload: commit },
    ]);
    const projectRow = vi.spyOn(p.read, 'project');
    const readTypes = vi.spyOn(p.ledger, 'readTypes');
    const written = await p.exporter.sync();
    // The overview and status.json show the team; the commit is one audit line. The detail shows the time
    // of the update to the minute: it is written when a minute turned since the last sync.
    expect(written.filter((f) => f !== 'docs/PROJECT_DETAIL.md').sort()).toEqual([
      'audit/git_actions.jsonl',
      'docs/PROJECT_OVERVIEW.md',
      'status.json',
    ]);
    const after = p.exporter.renders().documents;
    const rendered = Object.keys(after).filter((d) => (after[d] ?? 0) > (before[d] ?? 0));
    expect(rendered.sort()).toEqual(['detail', 'overview', 'status']);
    // The project row's fields (name, phase, stage, last update…) are one row, read once for every document.
    expect(projectRow).toHaveBeenCalledTimes(1);
    // The commit's audit line comes from the event the ledger handed over when it committed: nothing read back.
    expect(readTypes).not.toHaveBeenCalled();
    expect(await p.exporter.verify()).toEqual([]);
  });
});
