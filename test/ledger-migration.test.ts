import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createExporter } from '../electron/core/artifacts/exporter.ts';
import { JSONL_PATHS } from '../electron/core/artifacts/render/index.ts';
import { Ledger } from '../electron/core/store/ledger.ts';
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
    const title = (variation?.payload as { title: string }).title;
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
});
