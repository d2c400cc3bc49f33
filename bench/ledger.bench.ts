import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Ledger } from '../electron/core/store/ledger.ts';
import { createReader } from '../electron/core/store/read.ts';
import { timelinePage } from '../electron/core/store/timeline.ts';
import { FILL_AGENTS, fillLedger } from './big-ledger.ts';
import { type Figure, tempDir, time } from './util.ts';

const BATCH = 1000;

function alert(i: number) {
  return { type: 'alert.raised' as const, actor: 'System' as const, payload: { severity: 'info' as const, summary: `alert ${i}`, details: `details of alert number ${i}` } };
}

/** Hash-chained, validated, projected appends against raw better-sqlite3 inserts of the same rows. */
export function benchAppend(n: number): Figure[] {
  const dir = tempDir();
  const ledger = new Ledger(join(dir, 'ledger.db'));
  const chained = time(() => {
    for (let i = 0; i < n; i += BATCH) ledger.append(Array.from({ length: Math.min(BATCH, n - i) }, (_, k) => alert(i + k)));
  });
  const rows = ledger.read(0, n);
  ledger.close();

  const raw = new Database(join(dir, 'raw.db'));
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = FULL');
  // The same table and indexes as the ledger's, so the ratio measures what the ledger adds: validation,
  // canonical JSON, the hash chain, ids and projections.
  raw.exec('CREATE TABLE events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, ts TEXT NOT NULL, type TEXT NOT NULL, actor TEXT NOT NULL, payload TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL); CREATE INDEX events_type ON events(type, seq);');
  const ins = raw.prepare('INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const payloads = rows.map((r) => JSON.stringify(r.payload));
  const batch = raw.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const r = rows[i];
      if (r) ins.run(r.seq, r.id, r.ts, r.type, r.actor, payloads[i], r.prev_hash, r.hash);
    }
  });
  const rawMs = time(() => {
    for (let i = 0; i < n; i += BATCH) batch.immediate(i, Math.min(n, i + BATCH));
  });
  raw.close();
  rmSync(dir, { recursive: true, force: true });
  const rate = (n / chained) * 1000;
  return [
    { name: `ledger append, hash-chained, batches of ${BATCH}`, value: rate, unit: 'events/s', budget: '≥ 50,000', ok: rate >= 50_000 },
    { name: 'raw better-sqlite3 inserts, same rows and table', value: (n / rawMs) * 1000, unit: 'events/s' },
    { name: 'ledger append vs raw inserts', value: chained / rawMs, unit: '×', budget: '≤ 3×', ok: chained / rawMs <= 3 },
  ];
}

/** A ledger of `n` events, then the status snapshot and timeline pages the UI asks for. */
export async function benchLargeLedger(n: number): Promise<Figure[]> {
  const dir = tempDir();
  const ledger = new Ledger(join(dir, 'big.db'));
  ledger.append([{ type: 'project.initialized', actor: 'System', payload: { name: 'bench', brief: 'bench', agents: [...FILL_AGENTS], runtimes: {} } }]);
  fillLedger(ledger, n - 1);
  const read = createReader(ledger.db);
  const best = (fn: () => void, reps = 50) => {
    let min = Infinity;
    for (let r = 0; r < reps; r++) min = Math.min(min, time(fn));
    return min;
  };
  const status = best(() => {
    read.project();
    read.counts();
    read.agents();
    read.pendingReviews();
  });
  const page = ledger.db.prepare('SELECT * FROM events WHERE seq <= ? ORDER BY seq DESC LIMIT 100');
  const middle = Math.floor(n / 2);
  const timeline = best(() => page.all(middle));
  const byType = ledger.db.prepare('SELECT * FROM events WHERE type = ? AND seq <= ? ORDER BY seq DESC LIMIT 100');
  const filtered = best(() => byType.all('alert.raised', middle));
  // What the audit view asks for: a 500-row page with its filter's total (the count scans what no index covers).
  const viewPage = (q: Parameters<typeof timelinePage>[1]) => best(() => timelinePage(ledger, { limit: 500, before: middle, ...q }), 3);
  const byAgentPhase = viewPage({ actors: ['Designer'], phase: 2 });
  const bySearch = viewPage({ text: 'alert 4242' });
  const verifyMs = time(() => ledger.verify());
  // The UI's verification: pages of 20,000 with a turn of the event loop between them (and the longest
  // the loop waited, which is what a page or a Discord interaction served meanwhile would wait at most).
  let longest = 0;
  let last = performance.now();
  const t0 = performance.now();
  await ledger.verifyPaged(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  });
  const pagedMs = performance.now() - t0;
  ledger.close();
  rmSync(dir, { recursive: true, force: true });
  return [
    { name: `status snapshot at ${n.toLocaleString('en')} events`, value: status, unit: 'ms', budget: '≤ 10 ms', ok: status <= 10 },
    { name: `timeline page (100 rows, mid-ledger) at ${n.toLocaleString('en')} events`, value: timeline, unit: 'ms', budget: '≤ 10 ms', ok: timeline <= 10 },
    { name: 'timeline page filtered by type', value: filtered, unit: 'ms', budget: '≤ 10 ms', ok: filtered <= 10 },
    { name: 'audit view page (500 rows + total), filtered by agent and phase', value: byAgentPhase, unit: 'ms' },
    { name: 'audit view page (500 rows + total), text search over payloads', value: bySearch, unit: 'ms' },
    { name: `audit verify of ${n.toLocaleString('en')} events (CLI, one pass)`, value: verifyMs / 1000, unit: 's' },
    { name: `audit verify of ${n.toLocaleString('en')} events (UI, paged)`, value: pagedMs / 1000, unit: 's' },
    { name: '  longest the host waits for a page of it', value: longest, unit: 'ms' },
  ];
}
