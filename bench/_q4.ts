import { Ledger } from '../electron/core/store/ledger.ts';
const l = new Ledger('/tmp/perf-scratch/q.db');
const db = l.db;
const mid = Math.floor(l.count() / 2);
const desc = db.prepare('SELECT rowid FROM events_search WHERE events_search MATCH ? AND rowid < ? ORDER BY rowid DESC LIMIT 500');
const asc = db.prepare('SELECT rowid FROM events_search WHERE events_search MATCH ? AND rowid >= ? AND rowid < ? ORDER BY rowid');
const ascJoin = db.prepare('SELECT e.seq, e.id, e.ts, e.type, e.actor, e.payload FROM events_search s JOIN events e ON e.seq = s.rowid WHERE s.events_search MATCH ? AND s.rowid >= ? AND s.rowid < ? ORDER BY s.rowid');
const win = (st: typeof asc, m: string, before: number) => { for (let span = 1000; ; span *= 4) { const lo = Math.max(0, before - span); const r = st.all(m, lo, before); if (r.length >= 500 || lo === 0) return r.slice(-500); } };
for (const m of ['"xqtconcernraised"', '"xqadesigner" AND "xqp2"', '"adapter" AND "contract"', '"xqtqaoutputlogged" AND "xqasystem"']) {
  const t = { d: [] as number[], a: [] as number[], j: [] as number[] };
  for (let i = 0; i < 7; i++) {
    let s = performance.now(); desc.all(m, mid); t.d.push(performance.now() - s);
    s = performance.now(); win(asc, m, mid); t.a.push(performance.now() - s);
    s = performance.now(); win(ascJoin, m, mid); t.j.push(performance.now() - s);
  }
  const med = (x: number[]) => x.sort((a, b) => a - b)[3]!.toFixed(2);
  console.log(m.padEnd(40), 'desc', med(t.d), 'ascwin', med(t.a), 'ascwin+join', med(t.j));
}
l.close();
