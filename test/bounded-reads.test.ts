import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, dispatch, noLoop } from '../electron/core/api.ts';
import { createExporter } from '../electron/core/artifacts/exporter.ts';
import { type OpenedProject, openProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import { runLoop, syncRecords } from '../electron/core/workflow/loop.ts';
import { fillHistory } from '../bench/history.ts';
import { tempDir } from './support/tmp.ts';

/**
 * No step reads the history: the rows a step reads from the database are about the same with 4,000 events
 * of history as with 16,000 (commands and answers, handoffs, concerns raised and resolved, reviews,
 * filler), so a step that reads a list of the history whole shows as thousands of rows more.
 * Every statement on the project's database is counted: better-sqlite3 has no row counter, so `prepare`
 * is wrapped and each statement's `all`, `get` and `iterate` count what they return.
 */
const SMALL = 4_000;
const BIG = 16_000;

let counting = false;
let rows = 0;
/** Rows by statement, printed with GOVERNOR_DEBUG_READS=1 to find what reads the history. */
const bySql = new Map<string, number>();
const tally = (sql: string, n: number) => {
  rows += n;
  if (process.env.GOVERNOR_DEBUG_READS) bySql.set(sql, (bySql.get(sql) ?? 0) + n);
};
const original = Database.prototype.prepare;

/**
 * Statements already counting. The ledger hands out one cached statement per SQL text (statement-cache.ts),
 * so the same object comes back from every `prepare`: wrapped twice, it would count its rows twice.
 */
const wrapped = new WeakSet<object>();

function countRows(): void {
  Database.prototype.prepare = function prepare(this: Database.Database, source: string) {
    const stmt = original.call(this, source) as Database.Statement;
    if (wrapped.has(stmt)) return stmt;
    wrapped.add(stmt);
    const all = stmt.all.bind(stmt);
    const get = stmt.get.bind(stmt);
    const iterate = stmt.iterate.bind(stmt);
    Object.assign(stmt, {
      all: (...args: unknown[]) => {
        const out = all(...args);
        if (counting) tally(source, out.length);
        return out;
      },
      get: (...args: unknown[]) => {
        const out = get(...args);
        if (counting && out !== undefined) tally(source, 1);
        return out;
      },
      iterate: function* (...args: unknown[]) {
        for (const row of iterate(...args)) {
          if (counting) tally(source, 1);
          yield row;
        }
      },
    });
    return stmt;
  } as typeof Database.prototype.prepare;
}

async function counted(fn: () => Promise<unknown>): Promise<number> {
  rows = 0;
  bySql.clear();
  counting = true;
  try {
    await fn();
  } finally {
    counting = false;
  }
  if (process.env.GOVERNOR_DEBUG_READS) console.log(rows, [...bySql].sort((a, b) => b[1] - a[1]).slice(0, 6));
  return rows;
}

interface Reads {
  status: number;
  snapshot: number;
  auditPages: number;
  newProcessSync: number;
  loopStep: number;
  laterPhaseSync: number;
}

/** A sample project with `history` events of history, then the rows each user-facing step reads. */
async function readsAt(history: number): Promise<Reads> {
  const dir = join(tempDir(), `history-${history}`);
  await initProject(dir, { sample: true });
  const p: OpenedProject = await openProject(dir);
  try {
    fillHistory(p.ledger, history);
    await syncRecords(p);
    // No loop behind the API (the CLI without a host): with one, the `/status` below wakes it, and a whole
    // loop run then reads in the background of the later counts, as far as it got, so they varied by hundreds
    // of rows from run to run. The loop step is run below, once, as `governor run` runs it.
    const api = createApi(p, noLoop(p, 'the test runs the loop itself'), { user: 'Human', source: 'ui' });
    return {
      status: await counted(() => dispatch(api, 'commands.run', { text: '/status' })),
      snapshot: await counted(() => dispatch(api, 'project.status', {})),
      auditPages: await counted(async () => {
        for (const q of [
          { types: ['concern.raised'] },
          { actors: ['Designer' as const], phase: 2 },
          { text: 'adapter contract' },
          {},
        ]) {
          const first = await dispatch(api, 'ledger.page', { limit: 100, ...q });
          await dispatch(api, 'ledger.page', { limit: 100, before: first.events.at(-1)?.seq ?? 1, ...q });
        }
      }),
      // A CLI command's process: a new exporter starts from what the last sync left.
      newProcessSync: await counted(async () => {
        fillHistory(p.ledger, 20, { from: history });
        await createExporter(dir, p.ledger, p.read).sync();
      }),
      // The next step of the loop: the PM plans the phase (an agent turn, a handoff, a review, the exports).
      loopStep: await counted(() => runLoop(p, { maxSteps: 1 })),
      // A new process once the next phase has handoffs of its own, not yet a sealed segment's worth: where its
      // file starts was found by paging through every earlier phase's handoffs.
      laterPhaseSync: await (async () => {
        fillHistory(p.ledger, 40, { phase: 2, from: history + 20 });
        await syncRecords(p);
        return counted(async () => {
          fillHistory(p.ledger, 20, { phase: 2, from: history + 60 });
          await createExporter(dir, p.ledger, p.read).sync();
        });
      })(),
    };
  } finally {
    p.close();
  }
}

describe('reads per step do not grow with the history', () => {
  let small: Reads;
  let big: Reads;
  beforeAll(async () => {
    countRows();
    small = await readsAt(SMALL);
    big = await readsAt(BIG);
  }, 300_000);
  afterAll(() => {
    Database.prototype.prepare = original;
  });

  it.each(['status', 'snapshot', 'newProcessSync', 'loopStep', 'laterPhaseSync'] as const)(
    '%s reads as many rows at 16,000 events as at 4,000',
    (step) => {
      expect(small[step]).toBeGreaterThan(0);
      // Slack for the one bounded read that is not full yet at 4,000 events: the latest decisions (up to 40,
      // and the history has one every 1,000 events), read by two statements each time the detail document
      // renders. 12 more decisions at 16,000, a render or two per step: up to 48 rows. Reading any list of
      // the history whole (commands, responses, handoffs, concerns) is 1,200 rows more.
      expect(big[step], `${step}: ${small[step]} rows at ${SMALL} events, ${big[step]} at ${BIG}`).toBeLessThanOrEqual(
        small[step] + 100,
      );
    },
  );

  it('reads no more than the pages asked for in the audit view', () => {
    // Eight pages of 100 (four filters, two pages each), plus the head and the counts.
    expect(big.auditPages).toBeLessThanOrEqual(8 * 100 + 20);
  });
});
