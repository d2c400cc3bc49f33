import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, createLoopRunner, dispatch } from '../electron/core/api.ts';
import { createExporter } from '../electron/core/artifacts/exporter.ts';
import { type OpenedProject, openProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import { fillHistory } from '../bench/history.ts';
import { tempDir } from './support/tmp.ts';

/**
 * A statement can return three rows and still read a million: `SELECT DISTINCT type FROM events WHERE seq > ?`
 * walked the whole type index on every export sync (32 ms at 1M events), which counting rows returned
 * (bounded-reads.test.ts) cannot see. So every statement a `/status` through the API runs on the events
 * table (the command, its answer, the export sync after it) is checked against SQLite's own query plan:
 * none may walk the table or one of its indexes whole.
 */
const original = Database.prototype.prepare;
const ran = new Map<string, unknown[]>();
let recording = false;
let p: OpenedProject;

beforeAll(async () => {
  Database.prototype.prepare = function prepare(this: Database.Database, source: string) {
    const stmt = original.call(this, source) as Database.Statement;
    if (!/\bevents\b/.test(source) || !/^\s*(SELECT|WITH)/i.test(source)) return stmt;
    for (const method of ['all', 'get', 'iterate'] as const) {
      const fn = stmt[method].bind(stmt) as (...args: unknown[]) => unknown;
      Object.assign(stmt, {
        [method]: (...args: unknown[]) => {
          if (recording) ran.set(source, args);
          return fn(...args);
        },
      });
    }
    return stmt;
  } as typeof Database.prototype.prepare;
  const dir = join(tempDir(), 'proj');
  await initProject(dir, { sample: true });
  p = await openProject(dir);
  fillHistory(p.ledger, 3_000);
  await p.exporter.sync();
}, 120_000);

afterAll(() => {
  Database.prototype.prepare = original;
  p.close();
});

/** The plans of the statements recorded, with the arguments they ran with. */
function plans(): Array<{ sql: string; args: unknown[]; plan: string }> {
  return [...ran].map(([sql, args]) => {
    const explain = original.call(p.ledger.db, `EXPLAIN QUERY PLAN ${sql}`) as Database.Statement<unknown[]>;
    const plan = explain
      .all(...args)
      .map((r) => String((r as { detail: string }).detail))
      .join('\n');
    return { sql, args, plan };
  });
}

describe('no step walks the events table', () => {
  it('/status through the API, with the export sync after it', async () => {
    const loop = createLoopRunner(p, () => {});
    const api = createApi(p, loop, { user: 'Human', source: 'ui' });
    recording = true;
    try {
      await dispatch(api, 'commands.run', { text: '/status' });
    } finally {
      recording = false;
    }
    // A command that went through wakes the loop. Its steps append and sync this project's exports, so it
    // ends here: left running, it wrote the audit files alongside the next test's exporter.
    await loop.idle();
    expect(ran.size).toBeGreaterThan(0);
    for (const { sql, plan } of plans()) {
      // A walk of an index is a walk of the history; a walk of the table in seq order is one when nothing
      // stops it (`ORDER BY seq DESC LIMIT 1` reads one row, and the plan calls that a SCAN too).
      expect(plan, sql).not.toMatch(/^SCAN events USING (COVERING )?INDEX/m);
      if (!/ORDER BY seq( DESC)? LIMIT/i.test(sql)) expect(plan, sql).not.toMatch(/^SCAN events\b/m);
    }
  });

  // A copied project, or exports a crash or an import left far behind: the sync that catches up reads what
  // changed by index. Walking the new rows by seq held `governor serve` for ~100 ms at 1M events.
  it("a new process's export sync, thousands of events behind", async () => {
    // The next phase's handoff file, written by this process; then thousands of events more. The new process
    // finds where that file starts by index, not by reading every handoff of phase 1 before it.
    fillHistory(p.ledger, 200, { phase: 2, from: 3_000 });
    await p.exporter.sync();
    fillHistory(p.ledger, 5_000, { phase: 2, from: 3_200 });
    const head = p.ledger.count();
    ran.clear();
    recording = true;
    try {
      await createExporter(p.dir, p.ledger, p.read).sync();
    } finally {
      recording = false;
    }
    expect(ran.size).toBeGreaterThan(0);
    for (const { sql, args, plan } of plans()) {
      expect(plan, sql).not.toMatch(/^SCAN events USING (COVERING )?INDEX/m);
      // A walk by seq from far behind the head is a walk of the history since.
      const from = args.find((a) => typeof a === 'number');
      if (/SEARCH \w+ USING INTEGER PRIMARY KEY \(rowid>\?\)/.test(plan) && !/LIMIT/i.test(sql))
        expect(head - Number(from), `${sql} walked from ${from} of ${head}`).toBeLessThanOrEqual(2_000);
    }
    expect(await createExporter(p.dir, p.ledger, p.read).verify()).toEqual([]);
  });
});
