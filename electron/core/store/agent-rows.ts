import type Database from 'better-sqlite3';
import type { AgentState } from '../../../shared/index.ts';

/**
 * The agents' rows as this transaction has them. A status change or a usage record (a fifth of a busy
 * ledger's events) read, parsed and rewrote its agent's row; within one write transaction nobody else
 * writes, so the row is read once, and in a batch (`deferred`) written once, with its last event's seq.
 * Cleared when a transaction begins: another process may have written since.
 */
export function agentRows(db: Database.Database) {
  const get = db.prepare<[string], { doc: string }>('SELECT doc FROM agents WHERE name = ?');
  const put = db.prepare(
    'INSERT INTO agents (name, seq, doc) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET seq = ' +
      'excluded.seq, doc = excluded.doc',
  );
  const agents = new Map<string, { state: AgentState; seq: number; dirty: boolean }>();
  let deferring = false;
  const write = (a: AgentState, seq: number) => put.run(a.name, seq, JSON.stringify(a));
  return {
    put(a: AgentState, seq: number): void {
      agents.set(a.name, { state: a, seq, dirty: deferring });
      if (!deferring) write(a, seq);
    },
    get(name: string): AgentState {
      const held = agents.get(name);
      if (held) return held.state;
      const row = get.get(name);
      if (!row) throw new Error(`projection: agent ${name} does not exist`);
      const a = JSON.parse(row.doc) as AgentState;
      agents.set(name, { state: a, seq: 0, dirty: false });
      return a;
    },
    /** After a projector failed half-way: it may have changed a held row it did not write. */
    forget(): void {
      agents.clear();
    },
    /** At the start of each write transaction: forget rows held from an earlier one. */
    begin(): void {
      agents.clear();
      deferring = false;
    },
    /**
     * Runs `fn` (applying events that nothing reads between) with the agents' rows written once at the
     * end, each with the seq of the last event that changed it: the same rows as writing each time.
     */
    deferred<R>(fn: () => R): R {
      deferring = true;
      try {
        return fn();
      } finally {
        deferring = false;
        for (const held of agents.values())
          if (held.dirty) {
            write(held.state, held.seq);
            held.dirty = false;
          }
      }
    },
  };
}
