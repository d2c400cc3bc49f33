import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { EventRow } from '../electron/core/store/chain.ts';
import { Ledger } from '../electron/core/store/ledger.ts';
import { LEAN_EVENTS_SQL } from '../electron/core/store/migrate-lean.ts';
import { SEARCH_TABLE_SQL, searchDoc } from '../electron/core/store/search.ts';
import { FILL_AGENTS, fillEvent } from './big-ledger.ts';
import { type Figure, median, tempDir, time } from './util.ts';

const BATCH = 1000;
const CHUNK = 10_000;

/**
 * Hash-chained, validated, projected, indexed appends against raw better-sqlite3 inserts of the same rows
 * into the same tables and indexes (events, its type index, the search index), interleaved chunk by chunk
 * so a busy machine slows both alike. The rows the ledger wrote are read back (untimed) and inserted raw.
 */
export function benchAppend(n: number): Figure[] {
  const dir = tempDir();
  try {
    const ledger = new Ledger(join(dir, 'ledger.db'));
    ledger.append([
      {
        type: 'project.initialized',
        actor: 'System',
        payload: { name: 'bench', brief: 'bench', agents: [...FILL_AGENTS], runtimes: {} },
      },
    ]);
    const raw = new Database(join(dir, 'raw.db'));
    // The ledger's own settings (store/open-db.ts): a peer that fsynced every commit while the ledger does
    // not would flatter the ratio by the disk's waits.
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
    raw.pragma('temp_store = MEMORY');
    raw.exec(
      `${LEAN_EVENTS_SQL} ALTER TABLE events_lean RENAME TO events; CREATE INDEX events_type ON ` +
        `events(type, seq); ${SEARCH_TABLE_SQL};`,
    );
    const ins = raw.prepare(
      'INSERT INTO events (seq, id, ts, type, actor, payload, hash) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    const idx = raw.prepare('INSERT INTO events_search (rowid, doc) VALUES (?, ?)');
    const rawBatch = raw.transaction((rows: EventRow[], docs: string[]) => {
      rows.forEach((r, i) => {
        ins.run(r.seq, r.id, r.ts, r.type, r.actor, r.payload, r.hash);
        idx.run(r.seq, docs[i]);
      });
    });
    const readBack = ledger.db.prepare<[number, number], EventRow>(
      'SELECT seq, id, ts, type, actor, payload, hash FROM events WHERE seq > ? AND seq <= ? ORDER BY seq',
    );
    let ledgerMs = 0;
    let ledgerCpuUs = 0;
    let rawMs = 0;
    const ratios: number[] = [];
    for (let from = 0; from < n; from += CHUNK) {
      const size = Math.min(CHUNK, n - from);
      const events = Array.from({ length: size }, (_, k) => fillEvent(from + k));
      const before = ledger.count();
      const cpu = process.cpuUsage();
      const l = time(() => {
        for (let i = 0; i < size; i += BATCH) ledger.append(events.slice(i, i + BATCH));
      });
      const used = process.cpuUsage(cpu);
      ledgerCpuUs += used.user + used.system;
      const rows = readBack.all(before, before + size);
      const docs = rows.map((r) => searchDoc(r.type, r.actor, JSON.parse(r.payload)));
      const r = time(() => {
        for (let i = 0; i < rows.length; i += BATCH)
          rawBatch.immediate(rows.slice(i, i + BATCH), docs.slice(i, i + BATCH));
      });
      ledgerMs += l;
      rawMs += r;
      ratios.push(l / r);
    }
    ledger.db.pragma('wal_checkpoint(TRUNCATE)');
    const bytes = statSync(join(dir, 'ledger.db')).size / ledger.count();
    ledger.close();
    raw.close();
    const rate = (n / ledgerMs) * 1000;
    const ratio = median(ratios);
    return [
      {
        name: `ledger append, batches of ${BATCH} (${n.toLocaleString('en')} events of the fill mix)`,
        value: rate,
        unit: 'events/s',
        budget: '≥ 100,000 (quiet machine)',
        ok: rate >= 100_000,
      },
      {
        // CPU time says what the wall clock cannot on a shared machine: 100k events/s needs an idle core and
        // at most 10 µs of CPU per event.
        name: '  ledger CPU per event (this process, user + system)',
        value: ledgerCpuUs / n,
        unit: 'µs',
      },
      {
        name: 'raw better-sqlite3 inserts, same rows, tables and indexes',
        value: (n / rawMs) * 1000,
        unit: 'events/s',
      },
      {
        name: `ledger vs raw, interleaved in chunks of ${CHUNK.toLocaleString('en')} (median)`,
        value: ratio,
        unit: '×',
        budget: '≤ 2×',
        ok: ratio <= 2,
      },
      {
        name: 'bytes per event on disk (events, indexes, search index, projections)',
        value: bytes,
        unit: 'B',
        budget: '≤ 300 B',
        ok: bytes <= 300,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
