import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { fillLedger } from '../bench/big-ledger.ts';
import { createApi, dispatch } from '../electron/core/api.ts';
import { type OpenedProject, openProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import type { Progress } from '../electron/core/workflow/engine.ts';
import { NO_LOOP } from './support/discord.ts';
import { tempDir } from './support/tmp.ts';

/**
 * "Verify chain" from the UI walks the ledger in pages, yielding between them and reporting how far it got,
 * so the host keeps serving while a big ledger is checked. It must reach the same verdict as the single
 * pass the CLI uses, including a bad event on either side of a page boundary.
 */
describe('paged chain verification', () => {
  const opened: OpenedProject[] = [];
  afterEach(() => {
    for (const p of opened.splice(0)) p.close();
  });

  /** Timer ticks so far: a progress line remembers how many had run when it was reported. */
  let ticks = 0;
  async function project(progress: Array<Progress & { tick: number }>): Promise<{ dir: string; p: OpenedProject }> {
    const dir = join(tempDir(), 'backtester');
    await initProject(dir, { sample: true });
    const p = await openProject(dir, { progress: (x) => progress.push({ ...x, tick: ticks }) });
    opened.push(p);
    fillLedger(p.ledger, 45_000);
    await p.exporter.sync();
    return { dir, p };
  }

  it('agrees with the single pass, reports progress page by page, and lets the event loop run in between', async () => {
    const progress: Array<Progress & { tick: number }> = [];
    const { p } = await project(progress);
    const total = p.ledger.count();
    const timer = setInterval(() => ticks++, 0);
    const r = await dispatch(createApi(p, NO_LOOP, { user: 'Human', source: 'ui' }), 'ledger.verify', {});
    clearInterval(timer);
    expect(r).toEqual({ ok: true, checked: total, firstBad: null, exports: [] });
    expect(p.ledger.verify()).toMatchObject({ ok: true, checked: total });
    const verifying = progress.filter((x) => x.kind === 'verify');
    const lines = verifying.map((x) => x.text);
    expect(lines).toEqual([
      `Verifying the chain: 20,000 of ${total.toLocaleString('en')} events`,
      `Verifying the chain: 40,000 of ${total.toLocaleString('en')} events`,
      `Verifying the chain: ${total.toLocaleString('en')} of ${total.toLocaleString('en')} events`,
    ]);
    // Other work ran while it verified: the timer fired between one page and the next.
    expect(verifying.at(-1)?.tick ?? 0).toBeGreaterThan(verifying[0]?.tick ?? 0);
  });

  it.each([20_000, 20_001, 44_999])(
    'names the same first bad event as the single pass when event #%i was edited',
    async (seq) => {
      const { dir, p } = await project([]);
      const raw = new Database(join(dir, '.governor', 'governor.db'));
      raw.exec('DROP TRIGGER events_no_update');
      raw.prepare("UPDATE events SET actor = 'Human' WHERE seq = ?").run(seq);
      raw.close();
      const single = p.ledger.verify();
      const paged = await p.ledger.verifyPaged();
      expect(single.firstBad?.seq).toBe(seq);
      expect(paged).toEqual(single);
    },
  );
});
