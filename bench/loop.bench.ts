import { join } from 'node:path';
import { openProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import { decideReview } from '../electron/core/workflow/decisions.ts';
import { runLoop } from '../electron/core/workflow/loop.ts';
import { type Figure, tempDir, timeAsync } from './util.ts';

/**
 * Orchestration overhead per handoff: the whole scripted sample loop (git commits, merges, exports,
 * ledger) with every gate approved at once, minus the time the project's own tests take,
 * divided by the handoffs it records. The scripted runtime stands in for the model, so no LLM time is in it.
 */
export async function benchLoop(): Promise<Figure[]> {
  const dir = join(tempDir(), 'loop');
  await initProject(dir, { sample: true });
  const p = await openProject(dir);
  let testMs = 0;
  // Git writes are measured on their own (and against the git CLI in the git bench); time them here so
  // the figure can be read with and without them.
  let gitMs = 0;
  const g = p.git as unknown as Record<string, unknown>;
  for (const name of Object.keys(g)) {
    const fn = g[name];
    if (typeof fn !== 'function') continue;
    g[name] = async (...args: unknown[]) => {
      const t = performance.now();
      try {
        return await (fn as (...a: unknown[]) => Promise<unknown>)(...args);
      } finally {
        gitMs += performance.now() - t;
      }
    };
  }
  const total = await timeAsync(async () => {
    for (let guard = 0; guard < 50; guard++) {
      const out = await runLoop(p);
      if (out.state === 'done') break;
      for (const r of p.read.pendingReviews()) decideReview(p.ledger, p.read, { reviewId: r.id, decision: 'approve', comment: 'bench', source: 'cli' });
      if (p.read.pendingReviews().length === 0) for (const c of p.read.openConcerns()) p.ledger.append([{ type: 'concern.resolved', actor: 'Human', payload: { concern_id: c.id, by: 'Human', note: 'bench' } }]);
    }
  });
  for (const r of p.read.testRuns()) testMs += r.result.duration_ms;
  const handoffs = p.read.handoffs().length;
  const events = p.ledger.count();
  p.close();
  const perHandoff = (total - testMs) / handoffs;
  const orchestration = (total - testMs - gitMs) / handoffs;
  return [
    { name: `scripted sample loop, plan → promotion (${handoffs} handoffs, ${events} events)`, value: total, unit: 'ms' },
    { name: '  of which the project’s own test run', value: testMs, unit: 'ms' },
    { name: '  of which git (commits, candidate merges, checkouts, tag)', value: gitMs, unit: 'ms' },
    { name: 'per handoff, everything but the tests (git included)', value: perHandoff, unit: 'ms' },
    { name: 'orchestration overhead per handoff (ledger, exports, steps)', value: orchestration, unit: 'ms', budget: '≤ 20 ms', ok: orchestration <= 20 },
  ];
}
