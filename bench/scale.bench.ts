import { join } from 'node:path';
import { agentNames } from '../shared/index.ts';
import type { CallName } from '../shared/contract.ts';
import { createApi, createLoopRunner, dispatch } from '../electron/core/api.ts';
import { type OpenedProject, openProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import { handleCommand } from '../electron/core/workflow/commands.ts';
import { fillHistory } from './history.ts';
import { shareHistoryProject } from './history-project.ts';
import { type Figure, interleaved, median, tempDir, time, timeAsync } from './util.ts';

/**
 * What a user meets on a project with a long history, measured on the real engine: `/status` through the
 * command handler (and through the API, with the exports it syncs), the status snapshot the UI pushes,
 * the audit timeline's pages as the audit view asks for them, and every call the UI makes, each at 10k,
 * 100k and 1M events of realistic history (bench/history.ts). Every figure at a size is measured
 * interleaved with the same figure on a 10k-event project, and printed with the ratio: flat means ≈ 1×.
 */
const REPS = 41;
/** The calls the UI makes on its views (dashboard, reviews, concerns, console, audit, agents, QA). */
const UI_CALLS: Array<{ call: CallName; params: Record<string, unknown>; label?: string }> = [
  { call: 'project.status', params: {} },
  { call: 'reviews.list', params: { open: true }, label: 'reviews.list pending' },
  { call: 'reviews.list', params: {}, label: 'reviews.list first page (Reviews view)' },
  { call: 'concerns.list', params: { open: true }, label: 'concerns.list open' },
  { call: 'concerns.list', params: {}, label: 'concerns.list first page (show resolved)' },
  { call: 'concerns.list', params: { after: { resolved: true, seq: 500 } }, label: 'concerns.list, a deep page' },
  { call: 'agents.list', params: {} },
  { call: 'usage.summary', params: {} },
  { call: 'qa.trends', params: {} },
  { call: 'qa.output', params: { limit: 500 } },
  { call: 'ledger.page', params: { limit: 500 }, label: 'ledger.page, no filter' },
  { call: 'ledger.page', params: { limit: 200, types: ['response.sent'] }, label: 'ledger.page, console answers' },
];
const PAGES: Array<{ label: string; q: Record<string, unknown> }> = [
  { label: 'type (concern.raised)', q: { types: ['concern.raised'] } },
  { label: 'agent + phase (Designer, 2)', q: { actors: ['Designer'], phase: 2 } },
  { label: 'text, rare ("alert 4242")', q: { text: 'alert 4242' } },
  { label: 'text, common ("adapter contract")', q: { text: 'adapter contract' } },
  { label: 'type + agent, no match (qa output by System)', q: { types: ['qa.output_logged'], actors: ['System'] } },
];

interface Project {
  p: OpenedProject;
  api: ReturnType<typeof createApi>;
  status: () => Promise<unknown>;
}

async function project(dir: string): Promise<Project> {
  await initProject(dir, { sample: true });
  const p = await openProject(dir);
  const loop = createLoopRunner(p, () => {});
  const api = createApi(p, loop, { user: 'Human', source: 'ui' });
  const agents = agentNames(p.agentsFile);
  const status = () =>
    handleCommand({ ledger: p.ledger, read: p.read, agents, gitStatus: async () => '' }, '/status', {
      user: 'Human',
      source: 'cli',
    });
  return { p, api, status };
}

export async function benchScale(sizes: readonly number[]): Promise<Figure[]> {
  const figures: Figure[] = [];
  const root = tempDir();
  const small = await project(join(root, 'small'));
  const big = await project(join(root, 'big'));
  const base = sizes[0] ?? 10_000;
  const fillStart = performance.now();
  fillHistory(small.p.ledger, base);
  await small.p.exporter.sync();
  const fillRates: number[] = [];
  try {
    let filled = 0;
    for (const size of sizes) {
      const add = size - filled;
      const ms = time(() => fillHistory(big.p.ledger, add, { from: filled }));
      fillRates.push((add / ms) * 1000);
      filled = size;
      const syncMs = await timeAsync(() => big.p.exporter.sync());
      const n = big.p.ledger.count().toLocaleString('en');
      const at = `at ${n} events`;
      const flat = (v: number, b: number) => ({ value: v / b, unit: '× 10k', budget: '≤ 1.2×', ok: v / b <= 1.2 });
      figures.push({ name: `history ${at}: first export sync after the fill`, value: syncMs, unit: 'ms' });

      const st = await interleaved(big.status, small.status, REPS);
      figures.push({
        name: `/status, command handler, ${at}`,
        value: st.a,
        unit: 'ms',
        budget: '≤ 10 ms',
        ok: st.a <= 10,
      });
      figures.push({ name: '  vs the same on 10k events', ...flat(st.a, st.b) });
      const run = await interleaved(
        () => dispatch(big.api, 'commands.run', { text: '/status' }),
        () => dispatch(small.api, 'commands.run', { text: '/status' }),
        REPS,
      );
      figures.push({
        name: `/status through the API, exports synced (console, Discord), ${at}`,
        value: run.a,
        unit: 'ms',
      });
      figures.push({ name: '  vs the same on 10k events', ...flat(run.a, run.b) });
      const snap = await interleaved(
        () => dispatch(big.api, 'project.status', {}),
        () => dispatch(small.api, 'project.status', {}),
        REPS,
      );
      figures.push({
        name: `status snapshot (project.status, pushed to the UI), ${at}`,
        value: snap.a,
        unit: 'ms',
        budget: '≤ 10 ms',
        ok: snap.a <= 10,
      });
      figures.push({ name: '  vs the same on 10k events', ...flat(snap.a, snap.b) });

      const middle = Math.floor(big.p.ledger.count() / 2);
      for (const pg of PAGES) {
        const first = await interleaved(
          () => dispatch(big.api, 'ledger.page', { limit: 500, ...pg.q }),
          () => dispatch(small.api, 'ledger.page', { limit: 500, ...pg.q }),
          5,
        );
        const deep = await interleaved(
          () => dispatch(big.api, 'ledger.page', { limit: 500, before: middle, ...pg.q }),
          () => dispatch(small.api, 'ledger.page', { limit: 500, ...pg.q }),
          5,
        );
        const worst = Math.max(first.a, deep.a);
        figures.push({
          name: `audit page of 500 + count, ${pg.label}, ${at} (newest / middle)`,
          value: worst,
          unit: 'ms',
          budget: '≤ 20 ms',
          ok: worst <= 20,
        });
      }

      let longest = 0;
      let longestName = '';
      for (const c of UI_CALLS) {
        const times: number[] = [];
        for (let r = 0; r < 3; r++) {
          const t = performance.now();
          await dispatch(big.api, c.call, c.params);
          times.push(performance.now() - t);
        }
        const m = median(times);
        // Each call on its own line: one that grows with the history shows here before it is the longest.
        figures.push({ name: `  UI call ${c.label ?? c.call}`, value: m, unit: 'ms', budget: '≤ 50 ms', ok: m <= 50 });
        if (m > longest) {
          longest = m;
          longestName = c.label ?? c.call;
        }
      }
      figures.push({
        name: `longest UI call ${at} (each call is one event-loop block): ${longestName}`,
        value: longest,
        unit: 'ms',
        budget: '≤ 50 ms',
        ok: longest <= 50,
      });
    }
    figures.push({
      name: `history fill through the ledger: rate at ${sizes.at(-1)?.toLocaleString('en')} vs at ${base.toLocaleString('en')} events`,
      value: (fillRates.at(-1) ?? 0) / (fillRates[0] ?? 1),
      unit: '×',
      budget: '≥ 0.8× (flat)',
      ok: (fillRates.at(-1) ?? 0) / (fillRates[0] ?? 1) >= 0.8,
    });
    figures.push({
      name: 'setup time (both projects filled)',
      value: (performance.now() - fillStart) / 1000,
      unit: 's',
    });
  } finally {
    small.p.close();
    big.p.close();
  }
  shareHistoryProject(sizes.at(-1) ?? 0, join(root, 'big'));
  return figures;
}
