import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resultsLoaders } from '../electron/core/artifacts/sources.ts';
import { type OpenedProject, openProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import { recordHandoff, requestReview } from '../electron/core/workflow/records.ts';
import { driveSampleThroughGate } from './support/drive-sample.ts';
import { tempDir } from './support/tmp.ts';

/**
 * Two reads a promotion makes that once grew with the history: which phases have handoffs (the exporter's
 * per-phase handoff streams) and the reviews the test results and QA report sign off. The first walked the
 * search index's postings of every handoff for a phase that had none; the second read every review ever
 * requested. Both now read one phase's rows by index.
 */
describe('phase-scoped reads', () => {
  const opened: OpenedProject[] = [];
  afterEach(() => {
    for (const p of opened.splice(0)) p.close();
  });
  async function sample(): Promise<OpenedProject> {
    const dir = join(tempDir(), 'sample');
    await initProject(dir, { sample: true });
    const p = await openProject(dir);
    opened.push(p);
    return p;
  }
  const ts = () => new Date().toISOString();
  const RESULTS = ['QA_REPORT.md', 'tests/TEST_RESULTS.md'];
  const handoff = (p: OpenedProject, phase: number) =>
    p.ledger.transact((tx) =>
      recordHandoff(
        tx,
        p.read,
        {
          phase,
          from: 'ProjectManager',
          to: 'Human',
          purpose: `Phase ${phase} plan`,
          inputs: [],
          outputs: ['REQUIREMENTS.md'],
          summary: 's',
          status: 'awaiting_review',
        },
        ts(),
      ),
    );

  it('finds the phases that have handoffs by one seek in the phase index, before any event too', async () => {
    const p = await sample();
    const before = p.ledger.count();
    handoff(p, 1);
    handoff(p, 3);
    const third = p.ledger.count();
    expect(p.read.handoffRecordedBefore(1, Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(p.read.handoffRecordedBefore(2, Number.MAX_SAFE_INTEGER)).toBe(false);
    expect(p.read.handoffRecordedBefore(3, Number.MAX_SAFE_INTEGER)).toBe(true);
    // Before the event that recorded it, the phase had none.
    expect(p.read.handoffRecordedBefore(3, third)).toBe(false);
    expect(p.read.handoffRecordedBefore(1, before + 1)).toBe(false);
    const plan = p.ledger.db
      .prepare(
        "EXPLAIN QUERY PLAN SELECT 1 AS n FROM handoffs WHERE json_extract(doc, '$.phase') = ? AND seq < ? LIMIT 1",
      )
      .all(2, 10) as Array<{ detail: string }>;
    expect(plan.map((r) => r.detail).join('\n')).toMatch(/SEARCH handoffs USING (COVERING )?INDEX handoffs_phase/);
  });

  it('answers from the search index for a ledger with handoffs recorded without an id', async () => {
    const p = await sample();
    handoff(p, 2);
    // As an old ledger's projection holds them: one shared row with an empty id and no phase.
    p.ledger.db.prepare("INSERT INTO handoffs (id, seq, doc) VALUES ('', 1, '{}')").run();
    expect(p.read.handoffWithoutId()).toBe(true);
    expect(p.read.handoffRecordedBefore(2, Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(p.read.handoffRecordedBefore(1, Number.MAX_SAFE_INTEGER)).toBe(false);
  });

  it("reads the results' sign-offs from the phase and time they show, and renders what the whole history renders", async () => {
    const p = await sample();
    await driveSampleThroughGate(p, 'resolved by the test');
    const gate = p.read.latestGate();
    expect(gate?.phase).toBe(1);
    const review = (phase: number, title: string, at: string) =>
      p.ledger.transact((tx) =>
        requestReview(
          tx,
          {
            kind: 'variation',
            phase,
            title,
            requested_by: 'ProjectManager',
            impact: 'low',
            subject: { path: 'REQUIREMENTS.md', revision: 1 },
            context: RESULTS,
            handoff_id: null,
            summary: 's',
          },
          at,
        ),
      );
    // Reviews that name the results but that the results of phase 1 do not show: a later phase's, and one
    // of phase 1 requested long before its gate. One whose time is not ISO-8601 UTC is taken, to be compared
    // as an instant.
    for (let i = 0; i < 3; i++) review(2, `later ${i}`, ts());
    const early = review(1, 'before the gate', '2020-01-01T00:00:00.000Z');
    const odd = review(1, 'odd time', '2020-01-01 00:00:00');
    expect(p.read.resultScopes().map((s) => s.phase)).toEqual([1, 1]);
    const since = Math.min(...p.read.resultScopes().map((s) => Date.parse(s.since)));
    const shown = p.read
      .reviews()
      .filter((r) => r.phase === 1 && Date.parse(r.requested_at) >= since)
      .filter((r) => RESULTS.some((path) => r.subject.path === path || r.context.includes(path)));
    expect(shown.length).toBeGreaterThan(0);
    const loaded = resultsLoaders(p.read)
      .reviews()
      .map((r) => r.id);
    expect(loaded).toEqual(
      p.read
        .reviews()
        .filter((r) => shown.some((x) => x.id === r.id) || r.id === odd.id)
        .map((r) => r.id),
    );
    expect(loaded).not.toContain(early.id);
    // Read by the (phase, requested_at) index.
    const plan = p.ledger.db
      .prepare(
        "EXPLAIN QUERY PLAN SELECT rowid FROM reviews WHERE phase = ? AND json_extract(doc, '$.requested_at') >= ?",
      )
      .all(1, '2026') as Array<{ detail: string }>;
    expect(plan.map((r) => r.detail).join('\n')).toMatch(/USING (COVERING )?INDEX reviews_requested/);
    await p.exporter.sync();
    expect(await p.exporter.verify()).toEqual([]);
  });
});
