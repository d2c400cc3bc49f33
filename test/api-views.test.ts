import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, createLoopRunner, dispatch } from '../electron/core/api.ts';
import { type SampleProject, sampleProject } from './support/project.ts';

/** The contract calls the supervisor's views read from, on a sample project taken through promotion. */
describe('contract calls for the views', () => {
  let sp: SampleProject;
  let api: ReturnType<typeof createApi>;
  beforeAll(async () => {
    sp = await sampleProject();
    await sp.runUntilGate('plan');
    sp.human.decide('plan', 'approve');
    await sp.runUntilGate('design');
    sp.human.decide('design', 'request_changes', { comment: 'Split the data adapter' });
    for (let i = 0; i < 12 && sp.p.read.project()?.stage !== 'promoted'; i++) {
      await sp.run();
      for (const r of sp.p.read.pendingReviews()) sp.human.decide(r.kind, 'approve', { comment: 'ok' });
      for (const c of sp.p.read.openConcerns()) await sp.human.command(`/resolve ${c.id} ok`);
    }
    api = createApi(
      sp.p,
      createLoopRunner(sp.p, () => {}),
      { user: 'Human', source: 'ui' },
    );
  });
  afterAll(() => sp?.close());

  it('gives every revision of an authored document, and the export as rendered', async () => {
    const revs = await dispatch(api, 'artifacts.revisions', { path: 'design/DESIGN_SPEC.md' });
    expect(revs.map((r) => r.revision)).toEqual([1, 2]);
    expect(revs[1]?.delta_summary).toBeTruthy();
    const doc = await dispatch(api, 'artifacts.rendered', { path: 'REQUIREMENTS.md' });
    expect(doc.content).toMatch(/✅ Approved by Human/);
    expect((await dispatch(api, 'artifacts.rendered', { path: 'nope.md' })).content).toBeNull();
  });

  it('lists refs and diffs them for a side-by-side editor', async () => {
    const refs = await dispatch(api, 'git.refs', {});
    expect(refs.branches.map((b) => b.name)).toEqual(
      expect.arrayContaining(['main', 'develop', 'phase1/implementer', 'phase1/designer']),
    );
    expect(refs.tags.map((t) => t.name)).toContain('v0.1.0');
    const root = sp.git('rev-list', '--max-parents=0', 'main').trim();
    const diff = await dispatch(api, 'git.diff', { from: root, to: 'phase1/implementer' });
    expect(diff.files.map((f) => `${f.status} ${f.path}`)).toEqual(
      expect.arrayContaining(['A src/data/csv-adapter.js']),
    );
    const d = await dispatch(api, 'git.diff', { from: null, to: 'phase1/implementer-2' });
    const engine = d.files.find((f) => f.path === 'src/engine/backtest.js');
    expect(engine).toMatchObject({ status: 'A', oldContent: null, binary: false, truncated: false });
    expect(engine?.newContent).toMatch(/export/);
    await expect(dispatch(api, 'git.diff', { from: 'main', to: 'no-such-branch' })).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('gives the gates, the trends and the live test output', async () => {
    const gates = await dispatch(api, 'qa.gates', {});
    expect(gates.at(-1)).toMatchObject({ green: true, totals: { passed: 40 } });
    const trends = await dispatch(api, 'qa.trends', {});
    expect(trends.at(-1)).toMatchObject({ pass_rate: 100, green: true });
    const out = await dispatch(api, 'qa.output', { limit: 50 });
    expect(out.length).toBeGreaterThan(0);
    expect(out.every((l) => l.test === 'unit')).toBe(true);
    expect(out.map((l) => l.line).join('\n')).toMatch(/pass|✔|tests/);
  });

  it('validates config at the line and never writes an invalid file', async () => {
    const { text } = await dispatch(api, 'config.read', { file: '.project_policies.yaml' });
    const bad = text.replace('coverage_min: 80', 'coverage_min: eighty');
    const check = await dispatch(api, 'config.validate', { file: '.project_policies.yaml', text: bad });
    expect(check.ok).toBe(false);
    const line = bad.split('\n').findIndex((l) => l.includes('coverage_min: eighty')) + 1;
    expect(check.issues[0]).toMatchObject({ line, message: expect.stringMatching(/number/) });
    expect((await dispatch(api, 'config.write', { file: '.project_policies.yaml', text: bad })).ok).toBe(false);
    expect(readFileSync(join(sp.dir, '.project_policies.yaml'), 'utf8')).toBe(text);
    const good = text.replace('coverage_min: 80', 'coverage_min: 85');
    expect((await dispatch(api, 'config.write', { file: '.project_policies.yaml', text: good })).ok).toBe(true);
    expect(readFileSync(join(sp.dir, '.project_policies.yaml'), 'utf8')).toMatch(/coverage_min: 85/);
    // Saved through Settings, it is the human's configuration commit at once: nothing is left to hold a promotion up.
    expect(sp.git('log', '-1', '--format=%s', 'main').trim()).toBe(
      'chore(config): .project_policies.yaml edited by the human',
    );
    expect(sp.git('status', '--porcelain', '--', '.project_policies.yaml')).toBe('');
    expect(sp.git('show', 'main:.project_policies.yaml')).toMatch(/coverage_min: 85/);
  });
});
