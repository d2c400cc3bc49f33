import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createReader } from '../electron/core/store/read.ts';
import { ledgersClosedAfterEach } from './support/temp-ledgers.ts';
import { tempDir } from './support/tmp.ts';

const ledger = ledgersClosedAfterEach();

const init = {
  type: 'project.initialized' as const,
  actor: 'System' as const,
  payload: { name: 'p', brief: 'b', agents: ['ProjectManager', 'Designer', 'Implementer', 'Tester'], runtimes: {} },
};
const raise = (id: string, severity: 'info' | 'warning' | 'critical' = 'warning') => ({
  type: 'concern.raised' as const,
  actor: 'Implementer' as const,
  payload: {
    id,
    phase: 1,
    from: 'Implementer' as const,
    to: 'Designer' as const,
    severity,
    category: 'design_gap',
    summary: 's',
    details: 'd',
    timestamp: '2026-11-25T00:00:00Z',
    status: 'open' as const,
    discord_message_id: null,
    assigned_to: null,
    response: null,
    resolution: null,
    escalations: [],
    updated_at: '2026-11-25T00:00:00Z',
  },
});

describe('ledger', () => {
  it('chains hashes and verifies a clean ledger', () => {
    const l = ledger();
    l.append([init, raise('concern_0001'), raise('concern_0002')]);
    const events = l.read();
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(events[1]?.prev_hash).toBe(events[0]?.hash);
    expect(l.verify()).toMatchObject({ ok: true, checked: 3 });
  });

  it('names the first event that was edited by hand', () => {
    const path = join(tempDir(), 'governor.db');
    const l = ledger(path);
    l.append([init, raise('concern_0001'), raise('concern_0002'), raise('concern_0003')]);
    l.close();
    const raw = new Database(path);
    raw.exec('DROP TRIGGER events_no_update');
    raw
      .prepare('UPDATE events SET payload = replace(payload, \'"summary":"s"\', \'"summary":"forged"\') WHERE seq = 3')
      .run();
    raw.close();
    const v = ledger(path).verify();
    expect(v.ok).toBe(false);
    expect(v.firstBad?.seq).toBe(3);
    expect(v.firstBad?.reason).toMatch(/hash mismatch/);
  });

  it('refuses updates and deletes of events at the database level', () => {
    const l = ledger();
    l.append([init]);
    expect(() => l.db.prepare("UPDATE events SET actor = 'Human'").run()).toThrow(/append-only/);
    expect(() => l.db.prepare('DELETE FROM events').run()).toThrow(/append-only/);
  });

  it('rejects an invalid payload and writes nothing of the batch', () => {
    const l = ledger();
    l.append([init]);
    const bad = { ...raise('concern_0001'), payload: { ...raise('concern_0001').payload, severity: 'apocalyptic' } };
    expect(() => l.append([raise('concern_0002'), bad as never])).toThrow();
    expect(l.count()).toBe(1);
    expect(createReader(l.db).concerns()).toEqual([]);
  });

  it('appends a batch whole as it would one by one, and a failed append caught in a transaction leaves no gap', () => {
    const l = ledger();
    const ack = { type: 'concern.acknowledged' as const, actor: 'Human' as const };
    const out = l.append([
      init,
      raise('concern_0001'),
      { ...ack, payload: { concern_id: 'concern_0001', by: 'Human', note: 'ok' } },
    ]);
    expect(l.read()).toEqual(out);
    expect(createReader(l.db).concerns()[0]).toMatchObject({ status: 'acknowledged', response: 'ok' });
    l.transact((tx) => {
      // The same event id again: its row is refused, and the next append takes the seq it would have had.
      expect(() => tx.append({ ...raise('concern_0002'), id: out[0]?.id ?? '' })).toThrow(/UNIQUE/);
      tx.append(raise('concern_0003'));
    });
    expect(l.read(3).map((e) => [e.seq, e.prev_hash])).toEqual([[4, out[2]?.hash]]);
    expect(l.verify()).toMatchObject({ ok: true, checked: 4 });
  });

  it('keeps projections in step and rebuilds them from events alone', () => {
    const l = ledger();
    l.append([init, raise('concern_0001', 'critical')]);
    l.append([
      {
        type: 'concern.acknowledged',
        actor: 'Human',
        payload: { concern_id: 'concern_0001', by: 'Human', note: 'on it' },
      },
    ]);
    const read = createReader(l.db);
    const before = read.snapshot();
    expect(before.concerns[0]).toMatchObject({ status: 'acknowledged', response: 'on it' });
    l.rebuildProjections();
    expect(read.snapshot()).toEqual(before);
  });

  it('lets a second process append to the same chain', () => {
    const path = join(tempDir(), 'governor.db');
    const a = ledger(path);
    const b = ledger(path);
    a.append([init]);
    b.append([raise('concern_0001')]);
    a.append([raise('concern_0002')]);
    expect(a.verify()).toMatchObject({ ok: true, checked: 3 });
  });
});
