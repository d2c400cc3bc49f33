/**
 * A promotion lists the exports' paths (which files are Governor's, for the merge rules and the checkout)
 * once per state of the exports, not once per git step: each listing reads the audit folders. The syncs a
 * promotion makes are the records commit's and the final exports' (each lists the paths it commits), so the
 * promotion lists them before the first sync, after each sync, and for the checkout after the tag.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { promote } from '../electron/core/workflow/stages/promote.ts';
import { syncRecords } from '../electron/core/workflow/loop.ts';
import { pendingPromotionFixture } from './support/promotion-fixture.ts';
import type { SampleProject } from './support/project.ts';

let sp: SampleProject;
beforeAll(async () => {
  sp = await (await pendingPromotionFixture()).copy('paths');
}, 600_000);
afterAll(() => sp?.close());

test('a promotion lists the export paths five times: before, at each of its two syncs, between, and after', async () => {
  sp.human.decide('promotion', 'approve', { comment: 'ship' });
  await syncRecords(sp.p);
  const review = sp.p.read.unhandledDecisions().find((r) => r.kind === 'promotion');
  expect(review).toBeDefined();
  if (!review) return;
  const exporter = sp.p.exporter;
  const paths = exporter.paths.bind(exporter);
  let listed = 0;
  let synced = 0;
  exporter.paths = () => {
    listed += 1;
    return paths();
  };
  const sync = exporter.sync.bind(exporter);
  exporter.sync = () => {
    synced += 1;
    return sync();
  };
  await promote(sp.p, review);
  expect(sp.p.ledger.readTypes(['promotion.finished'])).toHaveLength(1);
  expect(sp.git('status', '--porcelain')).toBe('');
  // preflight (merge rule and the checkout's check) 1, records commit's sync 1, records and release merges 1,
  // final exports' sync 1, the checkout brought along 1: before, each list served every step up to a sync.
  expect({ listed, synced }).toEqual({ listed: 5, synced: 2 });
  await syncRecords(sp.p);
  expect(sp.git('fsck', '--full', '--no-dangling')).toBe('');
  expect(await sp.p.exporter.verify()).toEqual([]);
});
