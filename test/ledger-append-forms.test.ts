import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { NewEvent } from '../shared/index.ts';
import { GENESIS_HASH } from '../electron/core/store/hash.ts';
import type { Ledger } from '../electron/core/store/ledger.ts';
import { actorToken, phaseToken, searchDoc, subjectToken, typeToken } from '../electron/core/store/search.ts';
import { FILL_AGENTS, fillEvent } from '../bench/big-ledger.ts';
import { ledgersClosedAfterEach } from './support/temp-ledgers.ts';

const ledger = ledgersClosedAfterEach();

const init: NewEvent = {
  type: 'project.initialized',
  actor: 'System',
  payload: { name: 'p', brief: 'b', agents: [...FILL_AGENTS], runtimes: {} },
};

/**
 * A mix that exercises what the append path keeps from one event to the next (the quoted type and actor,
 * the quoted `ts`): several types and actors, a `ts` that repeats, changes and comes back, ids and times
 * that JSON has to escape, and text beyond ASCII.
 */
function mix(): NewEvent[] {
  const ts = ['2026-12-05T10:00:00.000Z', '2026-12-05T10:00:00.000Z', '2026-12-05T10:00:01.500Z', 'not "a" time'];
  const out: NewEvent[] = [];
  for (let k = 0; k < 150; k++) {
    const e = fillEvent(k);
    out.push({ ...e, id: k === 7 ? 'id with "quotes" and \\ a backslash' : `E-${k}`, ts: ts[k % ts.length] });
  }
  out.push({
    type: 'alert.raised',
    actor: 'System',
    id: 'E-unicode',
    ts: '2026-12-05T10:00:00.000Z',
    payload: { severity: 'warning', summary: 'Größe ≠ taille 🚀', details: 'line one\nline "two"' },
  });
  return out;
}

/** The chain as its definition (hash.ts, format 2) states it, computed here without the ledger's code. */
function expectedChain(l: Ledger): string[] {
  const rows = l.db
    .prepare<[], { seq: number; id: string; ts: number | string; type: string; actor: string; payload: string }>(
      'SELECT seq, id, ts, type, actor, payload FROM events ORDER BY seq',
    )
    .all();
  let prev = GENESIS_HASH;
  return rows.map((r) => {
    const ts = typeof r.ts === 'number' ? new Date(r.ts).toISOString() : r.ts;
    const body = JSON.stringify([r.seq, r.id, ts, r.type, r.actor, JSON.parse(r.payload)]);
    prev = createHash('sha256')
      .update(prev + body)
      .digest('hex');
    return prev;
  });
}

const storedHashes = (l: Ledger) =>
  l.db
    .prepare<[], { hash: Buffer }>('SELECT hash FROM events ORDER BY seq')
    .all()
    .map((r) => r.hash.toString('hex'));

describe('appending in a batch', () => {
  it('chains every event exactly as appending them one by one does, and as the chain format defines', () => {
    const events = mix();
    const batched = ledger();
    batched.append([{ ...init, id: 'E-init', ts: '2026-12-05T09:00:00.000Z' }]);
    const returned = batched.append(events);
    const single = ledger();
    single.append([{ ...init, id: 'E-init', ts: '2026-12-05T09:00:00.000Z' }]);
    single.transact((tx) => {
      for (const e of events) tx.append(e);
    });
    const oneByOne = ledger();
    oneByOne.append([{ ...init, id: 'E-init', ts: '2026-12-05T09:00:00.000Z' }]);
    for (const e of events) oneByOne.append([e]);

    const hashes = storedHashes(batched);
    expect(hashes).toHaveLength(events.length + 1);
    expect(new Set(hashes).size).toBe(hashes.length);
    expect(hashes).toEqual(expectedChain(batched));
    expect(storedHashes(single)).toEqual(hashes);
    expect(storedHashes(oneByOne)).toEqual(hashes);
    // The events handed back carry the same links and hashes as the rows.
    expect(returned.map((e) => e.hash)).toEqual(hashes.slice(1));
    expect(returned.map((e) => e.prev_hash)).toEqual(hashes.slice(0, -1));
    expect(returned.map((e) => e.seq)).toEqual(events.map((_, i) => i + 2));
    expect(batched.read(0, 1000)).toEqual([...batched.read(0, 1), ...returned]);
    for (const l of [batched, single, oneByOne]) expect(l.verify()).toMatchObject({ ok: true, checked: 152 });
  });

  it('stores the same rows, projections and search index as appending one by one', () => {
    const events = mix();
    const batched = ledger();
    batched.append(
      [init, ...events].map((e) => ({ ...e, id: e.id ?? 'E-init', ts: e.ts ?? '2026-12-05T09:00:00.000Z' })),
    );
    const single = ledger();
    single.transact((tx) => {
      for (const e of [init, ...events])
        tx.append({ ...e, id: e.id ?? 'E-init', ts: e.ts ?? '2026-12-05T09:00:00.000Z' });
    });
    const dump = (l: Ledger) => ({
      events: l.db.prepare('SELECT * FROM events ORDER BY seq').all(),
      agents: l.db.prepare('SELECT * FROM agents ORDER BY name').all(),
      usage: l.db.prepare('SELECT * FROM usage_totals ORDER BY phase, agent').all(),
    });
    expect(dump(batched)).toEqual(dump(single));
    const find = (l: Ledger, q: string) =>
      l.db
        .prepare<[string], { seq: number }>('SELECT rowid AS seq FROM events_search WHERE events_search MATCH ?')
        .all(q)
        .map((r) => r.seq);
    for (const q of ['"größe" AND "taille"', '"two"', `"${typeToken('qa.output_logged')}" AND "${phaseToken(2)}"`]) {
      expect(find(batched, q).length).toBeGreaterThan(0);
      expect(find(batched, q)).toEqual(find(single, q));
    }
  });

  it('keeps nothing of a batch whose event fails validation midway, and chains the next batch from the head', () => {
    const l = ledger();
    l.append([init]);
    const head = l.headHash();
    const segments = () => l.db.prepare('SELECT count(*) AS n FROM events_search_data').get();
    const before = segments();
    const events = mix();
    const bad = { type: 'alert.raised', actor: 'System', payload: { severity: 'loud', summary: 's', details: 'd' } };
    expect(() => l.append([...events.slice(0, 70), bad as never, ...events.slice(70)])).toThrow(/severity/);
    expect(l.count()).toBe(1);
    expect(l.headHash()).toBe(head);
    expect(segments()).toEqual(before);
    l.append(events);
    expect(storedHashes(l)).toEqual(expectedChain(l));
    expect(l.verify()).toMatchObject({ ok: true, checked: 152 });
  });
});

/** The search document as its definition states it: one array of words, joined (the form it had first). */
function referenceDoc(type: string, actor: string, payload: unknown): string {
  const words = [typeToken(type), actorToken(actor)];
  const phase = (payload as { phase?: unknown } | null)?.phase;
  if (typeof phase === 'number' && Number.isInteger(phase) && phase > 0) words.push(phaseToken(phase));
  if (payload !== null && typeof payload === 'object' && !Array.isArray(payload))
    for (const [k, v] of Object.entries(payload))
      if ((k === 'id' || k.endsWith('_id')) && typeof v === 'string' && v) words.push(subjectToken(v));
  words.push(type, actor);
  let left = 16_384;
  const collect = (v: unknown): void => {
    if (left <= 0) return;
    if (typeof v === 'string' || typeof v === 'number') {
      words.push(String(v));
      left -= String(v).length + 1;
    } else if (Array.isArray(v)) v.forEach(collect);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(collect);
  };
  collect(payload);
  return words.join(' ');
}

describe('the search document of an event', () => {
  it('holds the markers, the type and actor, then every string and number of the payload, up to its budget', () => {
    const long = 'word '.repeat(1200);
    const payloads: unknown[] = [
      ...Array.from({ length: 20 }, (_, k) => fillEvent(k).payload),
      { id: 'C-1', concern_id: 'C-2', review_id: '', phase: 3, nested: { task_id: 'T-9', n: [1, 2.5, -0, 1e21] } },
      { phase: 0, other: true, none: null, list: [['deep', { deeper: 'deepest' }], 7] },
      { phase: 2.5, text: long, more: [long, long, long], after: 'cut off', last: 42 },
      { a: 'x'.repeat(16_383), b: 'fits', c: 'does not' },
      'a bare string',
      17,
      null,
      ['an', 'array', { id: 'not a subject' }],
    ];
    for (const [i, p] of payloads.entries()) {
      const [type, actor] = i % 2 === 0 ? ['alert.raised', 'System'] : ['agent.usage_recorded', 'Designer'];
      expect(searchDoc(type, actor, p)).toBe(referenceDoc(type, actor, p));
    }
  });
});
