import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createExporter } from '../electron/core/artifacts/exporter.ts';
import { FIELD_EVENTS, UNEXPORTED_EVENTS } from '../electron/core/artifacts/sources.ts';
import { type OpenedProject, openProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import { Ledger } from '../electron/core/store/ledger.ts';
import { createProjector } from '../electron/core/store/projections.ts';
import { EventPayloads } from '../shared/index.ts';
import { raiseConcern, recordHandoff } from '../electron/core/workflow/records.ts';
import { fillHistory } from '../bench/history.ts';
import { tempDir } from './support/tmp.ts';

/**
 * The exporter keeps the files in step incrementally (documents re-rendered when what they read changed,
 * audit lines appended from each file's last line); at every point the files must be exactly what the
 * whole history renders, `expected()`, which reads everything from scratch.
 */
describe('incremental exports', () => {
  const opened: OpenedProject[] = [];
  afterEach(() => {
    for (const p of opened.splice(0)) p.close();
  });

  async function project(): Promise<{ dir: string; p: OpenedProject }> {
    const dir = join(tempDir(), 'backtester');
    await initProject(dir, { sample: true });
    const p = await openProject(dir);
    opened.push(p);
    return { dir, p };
  }

  const ts = () => new Date().toISOString();
  const lines = (dir: string, rel: string) => readFileSync(join(dir, rel), 'utf8').trim().split('\n').filter(Boolean);

  it('match a full render after every step of a history across phases, and in a new process', async () => {
    const { dir, p } = await project();
    await p.exporter.sync();
    fillHistory(p.ledger, 400);
    await p.exporter.sync();
    expect(await p.exporter.verify()).toEqual([]);

    // A concern changed twice between syncs: each line carries the concern as it stood after its event.
    const id = p.ledger.transact((tx) =>
      raiseConcern(
        tx,
        {
          phase: 1,
          from: 'Tester',
          to: 'Implementer',
          severity: 'critical',
          category: 'test_failure',
          summary: 'flaky engine',
          details: 'd',
        },
        ts(),
      ),
    );
    p.ledger.append([
      {
        type: 'concern.acknowledged',
        actor: 'Implementer',
        payload: { concern_id: id, by: 'Implementer', note: 'looking' },
      },
    ]);
    p.ledger.append([
      { type: 'concern.resolved', actor: 'Implementer', payload: { concern_id: id, by: 'Implementer', note: 'fixed' } },
    ]);
    const h = p.ledger.transact((tx) =>
      recordHandoff(
        tx,
        p.read,
        {
          phase: 2,
          from: 'ProjectManager',
          to: 'Human',
          purpose: 'Phase 2 plan',
          inputs: [],
          outputs: ['REQUIREMENTS.md'],
          summary: 's',
          status: 'awaiting_review',
        },
        ts(),
      ),
    );
    p.ledger.append([
      { type: 'handoff.status_changed', actor: 'Human', payload: { handoff_id: h.id, status: 'approved' } },
    ]);
    const written = await p.exporter.sync();
    expect(written).toEqual(
      expect.arrayContaining(['audit/concerns.jsonl', 'audit/handoffs/phase-2.jsonl', 'docs/PROJECT_OVERVIEW.md']),
    );
    expect(await p.exporter.verify()).toEqual([]);
    const mine = lines(dir, 'audit/concerns.jsonl')
      .map((l) => JSON.parse(l) as { id: string; status: string })
      .filter((c) => c.id === id);
    // Raised (a critical one also climbs to the human at once), acknowledged, resolved.
    expect(mine.map((c) => c.status).slice(-2)).toEqual(['acknowledged', 'resolved']);
    expect(mine[0]?.status).toBe('open');
    const phase2 = lines(dir, 'audit/handoffs/phase-2.jsonl').map(
      (l) => JSON.parse(l) as { id: string; status: string },
    );
    expect(phase2.map((x) => [x.id, x.status])).toEqual([
      [h.id, 'awaiting_review'],
      [h.id, 'approved'],
    ]);

    // Another process carries on from what this one left: only what changed since, and still exact.
    fillHistory(p.ledger, 200, { from: 400 });
    const next = createExporter(dir, p.ledger, p.read);
    await next.sync();
    expect(await next.verify()).toEqual([]);
  });

  it('leaves documents nothing changed alone, and re-renders the ones showing the last update', async () => {
    const { p } = await project();
    await p.exporter.sync();
    p.ledger.append([
      { type: 'alert.raised', actor: 'System', payload: { severity: 'info', summary: 'a', details: 'b' } },
    ]);
    // Nothing that reads every revision, review or git action (the authored documents, the changelog) runs.
    const whole = ['artifacts', 'reviews', 'gitActions', 'concerns', 'commands', 'handoffs'] as const;
    const spies = whole.map((m) => vi.spyOn(p.read, m));
    const written = await p.exporter.sync();
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    // The alert changes only the time of the last update (the documents show it to the minute).
    expect(written).toContain('status.json');
    expect(
      written.filter((f) => !['docs/PROJECT_DETAIL.md', 'docs/PROJECT_OVERVIEW.md', 'status.json'].includes(f)),
    ).toEqual([]);
  });

  it("writes this process's audit lines from its appended events, and reads back another process's", async () => {
    const { dir, p } = await project();
    fillHistory(p.ledger, 120);
    await p.exporter.sync();
    const gitAction = (id: string) => ({
      id,
      action: 'merge' as const,
      source: 'phase1/T1',
      target: 'phase-1',
      trigger: 'task T1',
      timestamp: ts(),
      actor: 'Implementer' as const,
      commit: 'a'.repeat(40),
      previous: 'b'.repeat(40),
      message: `merge ${id}`,
      files: ['src/parse.ts'],
    });
    // One step's worth of every stream: a concern raised and acknowledged, a handoff and its review, a merge.
    const concern = p.ledger.transact((tx) =>
      raiseConcern(
        tx,
        { phase: 1, from: 'Tester', to: 'Implementer', severity: 'warning', category: 'c', summary: 's', details: 'd' },
        ts(),
      ),
    );
    p.ledger.append([
      {
        type: 'concern.acknowledged',
        actor: 'Implementer',
        payload: { concern_id: concern, by: 'Implementer', note: 'n' },
      },
    ]);
    const h = p.ledger.transact((tx) =>
      recordHandoff(
        tx,
        p.read,
        {
          phase: 1,
          from: 'Tester',
          to: 'Human',
          purpose: 'QA report',
          inputs: [],
          outputs: [],
          summary: 's',
          status: 'awaiting_review',
        },
        ts(),
      ),
    );
    p.ledger.append([
      { type: 'handoff.status_changed', actor: 'Human', payload: { handoff_id: h.id, status: 'approved' } },
      { type: 'git.action_recorded', actor: 'Implementer', payload: gitAction('git_mine_1') },
    ]);
    const readTypes = vi.spyOn(p.ledger, 'readTypes');
    const about = vi.spyOn(p.ledger, 'about');
    const parse = vi.spyOn(EventPayloads['git.action_recorded'], 'parse');
    const prepare = vi.spyOn(p.ledger.db, 'prepare');
    const listsTypes = () => prepare.mock.calls.filter(([sql]) => sql.includes('DISTINCT type')).length;
    const written = await p.exporter.sync();
    expect(written).toEqual(expect.arrayContaining(['audit/concerns.jsonl', 'audit/git_actions.jsonl']));
    // No event read back from SQLite, and none parsed again: the ledger validated them when it appended.
    expect(readTypes).not.toHaveBeenCalled();
    expect(about).not.toHaveBeenCalled();
    expect(parse).not.toHaveBeenCalled();
    // Nor a query for the types of the new events: the same events name them.
    expect(listsTypes()).toBe(0);
    expect(await p.exporter.verify()).toEqual([]);

    // Another process (a CLI command) appends between two of ours: its event is read back, ours follow it.
    const other = new Ledger(p.ledger.path);
    try {
      other.append([{ type: 'git.action_recorded', actor: 'Implementer', payload: gitAction('git_theirs') }]);
    } finally {
      other.close();
    }
    p.ledger.append([{ type: 'git.action_recorded', actor: 'Implementer', payload: gitAction('git_mine_2') }]);
    readTypes.mockClear();
    prepare.mockClear();
    await p.exporter.sync();
    expect(readTypes).toHaveBeenCalled();
    expect(listsTypes()).toBe(1);
    const ids = lines(dir, 'audit/git_actions.jsonl').map((l) => (JSON.parse(l) as { id: string }).id);
    expect(ids.slice(-3)).toEqual(['git_mine_1', 'git_theirs', 'git_mine_2']);
    expect(await p.exporter.verify()).toEqual([]);
  });

  it('in a new process, repairs a document edited or deleted on disk though nothing changed in the ledger', async () => {
    const { dir, p } = await project();
    fillHistory(p.ledger, 120);
    await p.exporter.sync();
    p.exporter.flush();
    const changelog = join(dir, 'CHANGELOG.md');
    writeFileSync(changelog, `${readFileSync(changelog, 'utf8')}\nhand edit\n`);
    rmSync(join(dir, 'docs', 'PROJECT_VARIATIONS.md'));
    // The stamps say which files are as the last sync left them: only the two others are touched.
    const fresh = createExporter(dir, p.ledger, p.read);
    expect((await fresh.sync()).sort()).toEqual(['CHANGELOG.md', 'docs/PROJECT_VARIATIONS.md']);
    expect(await fresh.verify()).toEqual([]);
    expect(Object.keys(fresh.renders().documents).sort()).toEqual(['changelog', 'variations']);
    // A third process finds every file as the second left it, and renders nothing.
    fresh.flush();
    const third = createExporter(dir, p.ledger, p.read);
    expect(await third.sync()).toEqual([]);
    expect(third.renders().documents).toEqual({});
  });

  it('rebuilds an audit file that was deleted or does not belong to this ledger, and repairs a torn line', async () => {
    const { dir, p } = await project();
    fillHistory(p.ledger, 300);
    await p.exporter.sync();
    rmSync(join(dir, 'audit', 'handoffs', 'phase-1.jsonl'));
    writeFileSync(join(dir, 'audit', 'commands.jsonl'), '{"event_id":"not-ours"}\n');
    const responses = join(dir, 'audit', 'responses.jsonl');
    writeFileSync(responses, `${readFileSync(responses, 'utf8')}{"torn`);
    fillHistory(p.ledger, 40, { from: 300 });
    const fresh = createExporter(dir, p.ledger, p.read);
    await fresh.sync();
    expect(await fresh.verify()).toEqual([]);
  });

  it('knows which fields every projected event type changes', async () => {
    const { p } = await project();
    const { types } = createProjector(p.ledger.db);
    const mapped = new Set([
      ...Object.values(FIELD_EVENTS).flatMap((t) => (t === 'all' ? [] : t)),
      ...UNEXPORTED_EVENTS,
    ]);
    // `review.followed_up` marks a review handled (a column no export shows) but is mapped anyway.
    expect(types.filter((t) => !mapped.has(t))).toEqual([]);
  });
});
