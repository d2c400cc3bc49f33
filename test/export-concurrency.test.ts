import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type OpenedProject, openProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import { raiseConcern } from '../electron/core/workflow/records.ts';
import { tempDir } from './support/tmp.ts';

/**
 * The host, the loop and the Discord link each bring the exports up to date after their own changes, so
 * syncs overlap. Overlapping syncs must leave the same files one sync would: no JSONL line twice, no
 * document older than the ledger.
 */
describe('overlapping export syncs', () => {
  let p: OpenedProject | null = null;
  afterEach(() => p?.close());

  it('append every audit line once and leave every file equal to the ledger', async () => {
    const dir = join(tempDir(), 'backtester');
    await initProject(dir, { sample: true });
    const proj = await openProject(dir);
    p = proj;
    await proj.exporter.sync();
    const raise = (n: number) =>
      proj.ledger.transact((tx) =>
        raiseConcern(
          tx,
          {
            phase: 1,
            from: 'Tester',
            to: 'ProjectManager',
            severity: 'info',
            category: 'test_failure',
            summary: `round ${n}`,
            details: '',
          },
          new Date().toISOString(),
        ),
      );
    for (let round = 0; round < 10; round++) {
      // A sync is under way when the next event lands and the next sync starts, as when the loop and the
      // Discord link both react to a change.
      raise(2 * round);
      const first = proj.exporter.sync();
      raise(2 * round + 1);
      await Promise.all([first, proj.exporter.sync(), proj.exporter.sync()]);
    }
    const ids = readFileSync(join(dir, 'audit', 'concerns.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { event_id: string }).event_id);
    expect(ids).toHaveLength(20);
    expect(new Set(ids).size).toBe(20);
    expect(await proj.exporter.verify()).toEqual([]);
  });
});
