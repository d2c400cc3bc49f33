import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createExporter } from '../electron/core/artifacts/exporter.ts';
import { JSONL_PATHS } from '../electron/core/artifacts/render/index.ts';
import { canonicalJson, eventHashV1 } from '../electron/core/store/hash.ts';
import { Ledger } from '../electron/core/store/ledger.ts';
import { PROJECTION_TABLES, SCHEMA_VERSION, migrate } from '../electron/core/store/migrations.ts';
import { createReader } from '../electron/core/store/read.ts';
import { timelinePage } from '../electron/core/store/timeline.ts';
import { tempDir } from './support/tmp.ts';

/**
 * `test/fixtures/ledger-v2/governor.db` was written by the code before the lean ledger (schema 2: hex
 * hashes, a prev_hash column, RFC 8785 payloads): the sample project taken through its promotion, 133
 * events. `expected.json` holds what that code said of it: the chain head and the JSONL exports' digests.
 */
const FIXTURE = join(import.meta.dirname, 'fixtures', 'ledger-v2');
const expected = JSON.parse(readFileSync(join(FIXTURE, 'expected.json'), 'utf8')) as {
  events: number;
  head: string;
  exports: Record<string, string>;
};

interface OldRow {
  seq: number;
  id: string;
  ts: string;
  type: string;
  actor: string;
  payload: string;
  prev_hash: string;
  hash: string;
}

const opened: Ledger[] = [];
afterEach(() => {
  for (const l of opened.splice(0)) l.close();
});

function copyOfFixture(): string {
  const path = join(tempDir('governor-migrate-'), 'governor.db');
  copyFileSync(join(FIXTURE, 'governor.db'), path);
  return path;
}

describe('migrating a ledger written by the previous schema, in place', () => {
  it('keeps every event as written, verifies with the same head, and appends on in the new format', () => {
    const path = copyOfFixture();
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBe(2);
    const before = raw.prepare<[], OldRow>('SELECT * FROM events ORDER BY seq').all();
    raw.close();
    expect(before).toHaveLength(expected.events);

    const l = new Ledger(path);
    opened.push(l);
    const cols = l.db
      .prepare<[], { name: string }>("SELECT name FROM pragma_table_info('events')")
      .all()
      .map((c) => c.name);
    expect(cols).toEqual(['seq', 'id', 'ts', 'type', 'actor', 'payload', 'hash']);
    // Every field as it was, the hash now 32 bytes, prev_hash now the previous row's hash.
    const after = l.read(0, 10_000);
    expect(
      after.map((e) => ({
        seq: e.seq,
        id: e.id,
        ts: e.ts,
        type: e.type,
        actor: e.actor,
        prev_hash: e.prev_hash,
        hash: e.hash,
      })),
    ).toEqual(
      before.map((r) => ({
        seq: r.seq,
        id: r.id,
        ts: r.ts,
        type: r.type,
        actor: r.actor,
        prev_hash: r.prev_hash,
        hash: r.hash,
      })),
    );
    const stored = l.db
      .prepare<[], { payload: string; hash: Buffer }>('SELECT payload, hash FROM events ORDER BY seq')
      .all();
    expect(stored.map((r) => r.payload)).toEqual(before.map((r) => r.payload));
    expect(stored.every((r) => r.hash.length === 32)).toBe(true);
    expect(l.verify()).toEqual({ ok: true, checked: expected.events, head: expected.head, firstBad: null });

    // New events chain on from the old head and the whole chain still verifies, paged or not.
    const [next] = l.append([
      {
        type: 'alert.raised',
        actor: 'System',
        payload: { severity: 'info', summary: 'after the migration', details: 'd' },
      },
    ]);
    expect(next?.prev_hash).toBe(expected.head);
    expect(l.verify()).toMatchObject({ ok: true, checked: expected.events + 1 });
  });

  it('indexes the old events for the audit filters and search', () => {
    const l = new Ledger(copyOfFixture());
    opened.push(l);
    const all = l.read(0, 10_000);
    const page = (q: Parameters<typeof timelinePage>[1]) => timelinePage(l, q);
    const concerns = all.filter((e) => e.type === 'concern.raised');
    expect(concerns.length).toBeGreaterThan(0);
    expect(page({ limit: 100, types: ['concern.raised'] }).events.map((e) => e.seq)).toEqual(
      concerns.map((e) => e.seq).reverse(),
    );
    const designerPhase1 = all.filter((e) => e.actor === 'Designer' && (e.payload as { phase?: unknown }).phase === 1);
    expect(designerPhase1.length).toBeGreaterThan(0);
    expect(page({ limit: 100, actors: ['Designer'], phase: 1 })).toMatchObject({
      total: designerPhase1.length,
      total_capped: false,
    });
    const variation = all.find((e) => e.type === 'variation.proposed');
    const title = (variation?.payload as { title: string } | undefined)?.title ?? '';
    expect(title).not.toBe('');
    expect(page({ limit: 100, text: title }).events.map((e) => e.seq)).toContain(variation?.seq);
  });

  it('names an event changed by hand in the old rows after the migration, as before it', () => {
    const path = copyOfFixture();
    const raw = new Database(path);
    raw.exec('DROP TRIGGER events_no_update');
    raw
      .prepare(
        "UPDATE events SET payload = replace(payload, 'plan ok', 'plan forged') WHERE type = 'review.decided' AND payload LIKE '%plan ok%'",
      )
      .run();
    const forged = raw
      .prepare<[], { seq: number }>("SELECT seq FROM events WHERE payload LIKE '%plan forged%'")
      .get()?.seq;
    raw.close();
    expect(forged).toBeGreaterThan(0);
    const l = new Ledger(path);
    opened.push(l);
    expect(l.verify().firstBad).toMatchObject({ seq: forged, reason: expect.stringMatching(/hash mismatch/) });
  });

  it('renders the same audit JSONL files from the migrated ledger as the old code wrote', () => {
    const path = copyOfFixture();
    const l = new Ledger(path);
    opened.push(l);
    const files = createExporter(tempDir(), l, createReader(l.db)).expected();
    const digests = Object.fromEntries(
      Object.values(JSONL_PATHS).map((p) => [
        p,
        createHash('sha256')
          .update(files.get(p) ?? '')
          .digest('hex'),
      ]),
    );
    expect(digests).toEqual(expected.exports);
  });

  /**
   * Every projection row, as sorted text (a counter at zero is the same as no counter). Documents compare
   * by content: the old code stored payloads with sorted keys, today's keeps the schema's order.
   */
  const content = (v: unknown) => (typeof v === 'string' && /^[[{]/.test(v) ? canonicalJson(JSON.parse(v)) : v);
  function projections(l: Ledger): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const t of PROJECTION_TABLES) {
      const rows = l.db.prepare<[], Record<string, unknown>>(`SELECT * FROM ${t}`).all();
      out[t] = rows
        .filter((r) => !(t === 'concern_counts' && r.n === 0))
        .map((r) => JSON.stringify(Object.entries(r).map(([k, v]) => [k, content(v)])))
        .sort();
    }
    return out;
  }

  // 2: the fixture as written; 3: coding agents (permission requests, worker sessions, budget grants);
  // 4: the Discord link bound to its project; 5: the lean ledger without the read indexes.
  it.each([2, 3, 4, 5])('migrates a ledger at version %i forward to the current schema', (start) => {
    const path = copyOfFixture();
    const raw = new Database(path);
    migrate(raw, start);
    expect(raw.pragma('user_version', { simple: true })).toBe(start);
    raw.close();
    const l = new Ledger(path);
    opened.push(l);
    expect(l.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(l.verify()).toEqual({ ok: true, checked: expected.events, head: expected.head, firstBad: null });
    // What the migrations filled in is what replaying the ledger gives.
    const migrated = projections(l);
    l.rebuildProjections();
    expect(migrated).toEqual(projections(l));
  });

  it('keeps which permission decisions were used when a version 3 ledger (coding agents) migrates', () => {
    const path = copyOfFixture();
    const raw = new Database(path);
    migrate(raw, 3);
    // Two requests the old code recorded, and the gate's activity line using the first one's decision.
    const last = raw.prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM events ORDER BY seq DESC').get();
    let prev = last?.hash ?? '';
    let seq = last?.seq ?? 0;
    const digest = (c: string) => c.repeat(64);
    const request = (id: string, d: string) => ({
      id,
      phase: 1,
      agent: 'Implementer',
      worker: 'claude-code',
      session_id: 's1',
      task_id: 'T1',
      tool: 'Bash',
      input: { command: 'make' },
      input_digest: d,
      summary: 'Bash: make',
      reason: 'ask',
      suggested_rule: null,
      status: 'pending',
      requested_at: '2026-12-05T07:00:00.000Z',
      timeout_at: '2026-12-05T08:00:00.000Z',
      decision: null,
    });
    const events: Array<[string, unknown]> = [
      ['permission.requested', request('perm_0001', digest('a'))],
      ['permission.requested', request('perm_0002', digest('b'))],
      [
        'worker.activity',
        {
          agent: 'Implementer',
          worker: 'claude-code',
          session_id: 's1',
          task_id: 'T1',
          kind: 'permission',
          text: 'perm_0001 pending',
          tool: 'Bash',
          gate: { behavior: 'allow', rule: null, digest: digest('a') },
        },
      ],
    ];
    const insert = raw.prepare(
      'INSERT INTO events (seq, id, ts, type, actor, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const perm = raw.prepare(
      'INSERT INTO permission_requests (id, seq, agent, status, session_id, digest, doc) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    for (const [type, payload] of events) {
      seq += 1;
      const row = { seq, id: `evt_m${seq}`, ts: '2026-12-05T07:00:00.000Z', type, actor: 'Implementer' };
      const text = canonicalJson(payload);
      const hash = eventHashV1(prev, { ...row, payload: text }).toString('hex');
      insert.run(row.seq, row.id, row.ts, row.type, row.actor, text, prev, hash);
      prev = hash;
      if (type === 'permission.requested') {
        const r = payload as ReturnType<typeof request>;
        perm.run(r.id, seq, r.agent, r.status, r.session_id, r.input_digest, JSON.stringify(r));
      }
      raw.prepare('UPDATE project SET last_seq = ?, last_ts = ?').run(seq, row.ts);
    }
    raw.close();

    const l = new Ledger(path);
    opened.push(l);
    expect(l.verify()).toMatchObject({ ok: true, checked: expected.events + 3, head: prev });
    const read = createReader(l.db);
    expect([read.permissionUsed('perm_0001'), read.permissionUsed('perm_0002')]).toEqual([true, false]);
    expect(read.permissionByDigest('Implementer', digest('b'))?.id).toBe('perm_0002');
    const migrated = projections(l);
    l.rebuildProjections();
    expect(projections(l)).toEqual(migrated);
  });
});
