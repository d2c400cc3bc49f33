import { Ledger } from '../electron/core/store/ledger.ts';
import { timelinePage } from '../electron/core/store/timeline.ts';
const l = new Ledger('/tmp/perf-scratch/q.db');
const mid = Math.floor(l.count() / 2);
const T = (name: string, q: object) => { timelinePage(l, { limit: 500, ...q } as never); const a = performance.now(); let r; for (let i = 0; i < 5; i++) r = timelinePage(l, { limit: 500, ...q } as never); console.log(name.padEnd(50), ((performance.now() - a) / 5).toFixed(2), 'ms', r!.events.length, r!.total, r!.total_capped); };
for (const q of [{ types: ['concern.raised'] }, { actors: ['Designer'], phase: 2 }, { text: 'adapter contract' }, { text: 'alert 4247' }, { types: ['qa.output_logged'], actors: ['System'] }, { text: 'cmd_20261205_003' }]) {
  console.log('==', JSON.stringify(q));
  T('first', q); T('mid', { ...q, before: mid }); T('near tail', { ...q, before: 1000 });
}
l.close();
