import { join } from 'node:path';
import { decodeTime, isValid } from 'ulid';
import { describe, expect, it } from 'vitest';
import type { NewEvent } from '../shared/index.ts';
import { monotonicUlids } from '../electron/core/store/event-ids.ts';
import type { Ledger } from '../electron/core/store/ledger.ts';
import { createReader } from '../electron/core/store/read.ts';
import { ledgersClosedAfterEach } from './support/temp-ledgers.ts';
import { tempDir } from './support/tmp.ts';

const ledger = ledgersClosedAfterEach();

const AGENTS = ['ProjectManager', 'Designer', 'Implementer', 'Tester'] as const;
const init: NewEvent = {
  type: 'project.initialized',
  actor: 'System',
  payload: { name: 'p', brief: 'b', agents: [...AGENTS], runtimes: {} },
};
const status = (agent: (typeof AGENTS)[number], s: 'idle' | 'working'): NewEvent => ({
  type: 'agent.status_changed',
  actor: agent,
  payload: { agent, status: s, task: s === 'working' ? 'T-1' : null },
});
const usage = (agent: (typeof AGENTS)[number], tokens: number): NewEvent => ({
  type: 'agent.usage_recorded',
  actor: agent,
  payload: {
    agent,
    phase: 1,
    model: 'm',
    purpose: 'p',
    input_tokens: tokens,
    output_tokens: 1,
    cost_usd: 0.001,
    priced: true,
  },
});

/** The agents' rows as stored: the seq of the event that last changed each, and its document. */
const agentRows = (l: Ledger) => l.db.prepare('SELECT name, seq, doc FROM agents ORDER BY name').all();

describe('batched appends', () => {
  it("write the agents' rows a batch changes once, exactly as appending its events one by one does", () => {
    const mix: NewEvent[] = [
      status('Designer', 'working'),
      usage('Designer', 10),
      { type: 'agent.paused', actor: 'Human', payload: { agent: 'Tester', by: 'Human', pending: false } },
      usage('Tester', 5),
      status('Designer', 'idle'),
      usage('Implementer', 7),
      { type: 'agent.resumed', actor: 'Human', payload: { agent: 'Tester', by: 'Human' } },
    ];
    const fixed = { ts: '2026-12-05T10:00:00.000Z' };
    const batched = ledger();
    batched.append([init, ...mix].map((e, i) => ({ ...e, ...fixed, id: `E${i}` })));
    const single = ledger();
    single.transact((tx) => {
      for (const [i, e] of [init, ...mix].entries()) tx.append({ ...e, ...fixed, id: `E${i}` });
    });
    expect(agentRows(batched)).toEqual(agentRows(single));
    expect(createReader(batched.db).agent('Designer')).toMatchObject({ status: 'idle', tokens_in: 10 });
    expect(createReader(batched.db).agent('Tester')).toMatchObject({ status: 'idle', tokens_in: 5 });
    // The Designer's row carries the seq of its last change (the status change at seq 6), not the batch's last.
    expect(batched.db.prepare("SELECT seq FROM agents WHERE name = 'Designer'").get()).toEqual({ seq: 6 });
    const rows = agentRows(batched);
    batched.rebuildProjections();
    expect(agentRows(batched)).toEqual(rows);
    expect(batched.headHash()).toBe(single.headHash());
  });

  it('refuses an invalid payload at the boundary, naming its field, and keeps nothing of the batch', () => {
    const l = ledger();
    l.append([init]);
    const bad = { type: 'agent.status_changed', actor: 'Designer', payload: { agent: 'Designer', status: 'asleep' } };
    expect(() => l.append([status('Designer', 'working'), usage('Designer', 3), bad as never])).toThrow(/status/);
    expect(l.count()).toBe(1);
    const read = createReader(l.db);
    // The rows the failed batch changed in memory were never written, and are not remembered either.
    expect(read.agent('Designer')).toMatchObject({ status: 'idle', tokens_in: 0, current_task: null });
    l.append([usage('Designer', 4)]);
    expect(read.agent('Designer')).toMatchObject({ status: 'idle', tokens_in: 4 });
    expect(l.verify()).toMatchObject({ ok: true, checked: 2 });
  });

  it("sees agents' rows another Ledger on the same file changed between two transactions", () => {
    const path = join(tempDir(), 'governor.db');
    const a = ledger(path);
    const b = ledger(path);
    a.append([init, usage('Tester', 1)]);
    b.append([usage('Tester', 2), status('Tester', 'working')]);
    a.append([usage('Tester', 4)]);
    expect(createReader(a.db).agent('Tester')).toMatchObject({ tokens_in: 7, status: 'working' });
    expect(a.verify()).toMatchObject({ ok: true, checked: 5 });
  });
});

const stage = (s: 'plan' | 'design' | 'build'): NewEvent => ({
  type: 'stage.entered',
  actor: 'System',
  payload: { phase: 1, stage: s, reason: 'test' },
});

describe("the reader's reads at once", () => {
  it('see one state of the ledger, whatever another process commits meanwhile', () => {
    const path = join(tempDir(), 'governor.db');
    const a = ledger(path);
    a.append([init]);
    const read = createReader(a.db);
    const other = ledger(path);
    const seen = read.atOnce(() => {
      const before = read.project()?.stage;
      other.append([stage('design')]);
      return [before, read.project()?.stage, read.statusFacts().stage];
    });
    expect(seen).toEqual(['plan', 'plan', 'plan']);
    expect(read.project()?.stage).toBe('design');
    expect(read.statusFacts().stage).toBe('design');
  });

  it('refuse a write inside, and leave the connection as it was', () => {
    const l = ledger();
    l.append([init]);
    const read = createReader(l.db);
    expect(() => read.atOnce(() => l.append([stage('design')]))).toThrow(/readonly/);
    expect(l.db.inTransaction).toBe(false);
    l.append([stage('build')]);
    expect(read.project()?.stage).toBe('build');
    // Inside a write transaction they are part of it, and see its own appends.
    l.transact((tx) => {
      tx.append(stage('design'));
      expect(read.atOnce(() => read.snapshot().stage)).toBe('design');
    });
    expect(l.verify()).toMatchObject({ ok: true, checked: 3 });
  });
});

describe('event ids', () => {
  it('are valid ULIDs that count up within a millisecond and never go back with the clock', () => {
    let now = 1_764_000_000_000;
    const next = monotonicUlids(() => now);
    const ids = Array.from({ length: 2000 }, () => next());
    now += 1;
    ids.push(next());
    now -= 50; // the clock steps back: ids keep counting from the last one
    ids.push(next(), next());
    expect(ids.every((id) => isValid(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id, i) => i === 0 || id > (ids[i - 1] ?? ''))).toBe(true);
    expect(decodeTime(ids[0] ?? '')).toBe(1_764_000_000_000);
    expect(decodeTime(ids.at(-1) ?? '')).toBe(1_764_000_000_001);
  });
});
