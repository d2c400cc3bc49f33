import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoopRunner, createLoopRunner } from '../electron/core/api.ts';
import { type OpenedProject, openProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import { raiseConcern } from '../electron/core/workflow/records.ts';
import { type EventPump, createEventPump } from '../electron/main/events.ts';
import type { LedgerEvent } from '../shared/index.ts';
import { tempDir } from './support/tmp.ts';

/**
 * The desktop app's event pump on a real project: its own appends are pushed at once; appends made through
 * another connection (another process's `governor decide`, here a second connection in this one, which
 * SQLite tells apart the same way) are pushed too, and reported as foreign so the app's loop can act.
 */
describe('the event pump sees appends by others, and tells them from its own', () => {
  let dir: string;
  let p: OpenedProject;
  let other: OpenedProject;
  let loop: LoopRunner;
  let pump: EventPump;
  const pushed: Array<{ event: string; data: unknown }> = [];
  const foreign: LedgerEvent[][] = [];
  let pushedOnAttach = -1;

  const concern = (on: OpenedProject, summary: string) =>
    on.ledger.transact((tx) =>
      raiseConcern(
        tx,
        {
          phase: 1,
          from: 'Tester',
          to: 'ProjectManager',
          severity: 'info',
          category: 'test_failure',
          summary,
          details: '',
        },
        new Date().toISOString(),
      ),
    );
  const appendedTypes = () =>
    pushed
      .filter((x) => x.event === 'ledger.appended')
      .flatMap((x) => (x.data as { events: Array<{ type: string }> }).events.map((e) => e.type));

  beforeAll(async () => {
    dir = join(tempDir(), 'p');
    await initProject(dir, { sample: true });
    p = await openProject(dir);
    loop = createLoopRunner(p, () => pump.statusChanged());
    pump = createEventPump({
      send: (event, data) => void pushed.push({ event, data }),
      watchFiles: true,
      debounceMs: 5,
      onForeign: (e) => void foreign.push([...e]),
    });
    pump.attach(p, loop);
    pushedOnAttach = pushed.length;
    other = await openProject(dir);
  });
  afterAll(() => {
    pump?.close();
    other?.close();
    p?.close();
  });

  it('pushes nothing when it attaches: the page learns of a project from project.switched first', () => {
    expect(pushedOnAttach).toBe(0);
  });

  it('pushes its own appends at once, and does not call them foreign', () => {
    concern(p, 'mine');
    expect(appendedTypes()).toEqual(['concern.raised']);
    expect(foreign).toEqual([]);
  });

  it('pushes an append made through another connection, and reports it as foreign', async () => {
    const before = p.ledger.count();
    concern(other, 'from a terminal');
    await expect.poll(() => foreign.flat().map((e) => e.seq), { timeout: 10_000 }).toEqual([before + 1]);
    expect(appendedTypes()).toEqual(['concern.raised', 'concern.raised']);
  });
});
