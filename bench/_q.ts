import { existsSync } from 'node:fs';
import { Ledger } from '../electron/core/store/ledger.ts';
import { fillHistory } from './history.ts';
import { FILL_AGENTS } from './big-ledger.ts';
const path = '/tmp/perf-scratch/q.db';
const fresh = !existsSync(path);
const l = new Ledger(path);
const N = Number(process.argv[2] ?? 1_000_000);
if (fresh) {
  l.append([{ type: 'project.initialized', actor: 'System', payload: { name: 'bench', brief: 'bench', agents: [...FILL_AGENTS], runtimes: {} } }]);
  const t = performance.now(); fillHistory(l, N); console.log('fill', ((performance.now() - t) / 1000).toFixed(1), 's');
}
const db = l.db;
const T = (name: string, sql: string, ...args: unknown[]) => { const st = db.prepare(sql); st.all(...args); const a = performance.now(); let r; for (let i = 0; i < 5; i++) r = st.all(...args); console.log(name.padEnd(50), ((performance.now() - a) / 5).toFixed(2), 'ms', (r as unknown[]).length); };
const mid = Math.floor(l.count() / 2);
for (const m of ['"xqtconcernraised"', '"adapter"* AND "contract"*', '"xqadesigner" AND "xqp2"']) {
  console.log('==', m);
  T('rowids desc limit 500', 'SELECT rowid FROM events_search WHERE events_search MATCH ? ORDER BY rowid DESC LIMIT 500', m);
  T('rowids desc < mid', 'SELECT rowid FROM events_search WHERE events_search MATCH ? AND rowid < ? ORDER BY rowid DESC LIMIT 500', m, mid);
  T('rowids asc limit 500', 'SELECT rowid FROM events_search WHERE events_search MATCH ? ORDER BY rowid ASC LIMIT 500', m);
  T('count cap', 'SELECT count(*) FROM (SELECT 1 FROM events_search WHERE events_search MATCH ? LIMIT 10001)', m);
  T('join page', 'SELECT e.seq, e.payload FROM events_search s JOIN events e ON e.seq = s.rowid WHERE s.events_search MATCH ? ORDER BY s.rowid DESC LIMIT 500', m);
}
T('btree type page', "SELECT seq FROM events WHERE type = 'concern.raised' ORDER BY seq DESC LIMIT 500");
T('btree type count cap', "SELECT count(*) FROM (SELECT 1 FROM events WHERE type = 'concern.raised' LIMIT 10001)");
console.log(db.prepare("SELECT count(*) n FROM events_search_data").get(), db.prepare("SELECT count(*) n FROM events_search_idx").get());
l.close();
