import { join } from 'node:path';
import { decodeTime, isValid } from 'ulid';
import { afterEach, describe, expect, it } from 'vitest';
import type { NewEvent } from '../shared/index.ts';
import { monotonicUlids } from '../electron/core/store/event-ids.ts';
import { Ledger } from '../electron/core/store/ledger.ts';
import { createReader } from '../electron/core/store/read.ts';
import { tempDir } from './support/tmp.ts';

const opened: Ledger[] = [];
function ledger(path = join(tempDir(), 'governor.db')): Ledger {
  const l = new Ledger(path);
  opened.push(l);
  return l;
}
afterEach(() => {
  for (const l of opened.splice(0)) l.close();
});

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
const stage = (s: 'plan' | 'design' | 'build'): NewEvent => ({
  type: 'stage.entered',
  actor: 'System',
  payload: { phase: 1, stage: s, reason: 'test' },
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

describe("the reader's held rows", () => {
  /** How many times the reader went to SQLite for the project row (a held row is not read again). */
  function projectReads(l: Ledger): () => number {
    let n = 0;
    const prepare = l.db.prepare.bind(l.db);
    l.db.prepare = ((sql: string) => {
      if (sql.includes('FROM project')) n += 1;
      return prepare(sql);
    }) as typeof l.db.prepare;
    return () => n;
  }

  it('are read once until the file changes, by this Ledger, another one, a rollback or a rebuild', () => {
    const path = join(tempDir(), 'governor.db');
    const a = ledger(path);
    a.append([init]);
    const read = createReader(a.db);
    const reads = projectReads(a);
    expect(read.project()?.stage).toBe('plan');
    expect(read.project()?.stage).toBe('plan');
    expect(reads()).toBe(1);

    // Another connection on the same file: another process, or another Ledger in this one.
    const b = ledger(path);
    b.append([stage('design')]);
    expect(read.project()?.stage).toBe('design');
    expect(reads()).toBe(2);

    a.append([stage('build')]);
    expect(read.project()?.stage).toBe('build');
    expect(read.project()?.last_seq).toBe(3);
    expect(reads()).toBe(3);

    // What a transaction read after its own writes is not kept past its rollback.
    expect(() =>
      a.transact((tx) => {
        tx.append(stage('plan'));
        expect(read.project()?.stage).toBe('plan');
        throw new Error('changed my mind');
      }),
    ).toThrow('changed my mind');
    expect(read.project()?.stage).toBe('build');

    const before = reads();
    a.rebuildProjections();
    expect(read.project()?.stage).toBe('build');
    expect(reads()).toBe(before + 1);
  });

  it('hand out objects of their own: a caller that changes one changes nothing for the next', () => {
    const l = ledger();
    l.append([init]);
    const read = createReader(l.db);
    const first = read.agents();
    const designer = first.find((a) => a.name === 'Designer');
    if (designer) designer.status = 'working';
    const p = read.project();
    p?.roadmap.push({ number: 9, name: 'x', goal: 'g', deliverables: [], status: 'planned' });
    expect(read.agents().find((a) => a.name === 'Designer')?.status).toBe('idle');
    expect(read.project()?.roadmap).toEqual([]);
  });

  it('answer a decision taken inside a write transaction with what another process committed just before', () => {
    const path = join(tempDir(), 'governor.db');
    const a = ledger(path);
    a.append([init]);
    const read = createReader(a.db);
    expect(read.project()?.stage).toBe('plan');
    ledger(path).append([stage('design')]);
    // The IMMEDIATE transaction sees the other commit, and so does the reader inside it.
    a.transact(() => expect(read.project()?.stage).toBe('design'));
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
