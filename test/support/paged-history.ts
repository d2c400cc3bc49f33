import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll } from 'vitest';
import { createApi, createLoopRunner } from '../../electron/core/api.ts';
import { type OpenedProject, openProject } from '../../electron/core/host.ts';
import { initProject } from '../../electron/core/project.ts';
import { fillHistory } from '../../bench/history.ts';
import { tempDir } from './tmp.ts';

export interface PagedHistory {
  readonly p: OpenedProject;
  readonly api: ReturnType<typeof createApi>;
  /** Every statement prepared on `table` while counting, for the query-plan checks. */
  readonly statements: Set<string>;
  /** Runs `fn` and counts the rows every statement returned meanwhile (`all` and `get`). */
  counted<T>(fn: () => Promise<T>): Promise<{ value: T; rows: number }>;
}

/**
 * The sample filled with `history` events of the bench's mix, and a row counter: `prepare` is wrapped for the
 * file's duration, so each statement's `all`/`get` adds the rows it returned while `counted` runs. Registers
 * its own `beforeAll`/`afterAll` (the wrapper is put back and the project closed).
 */
export function pagedHistory(o: { history: number; table: string; timeoutMs: number }): PagedHistory {
  let rows = 0;
  let counting = false;
  const statements = new Set<string>();
  const original = Database.prototype.prepare;
  const wrapped = new WeakSet<object>();
  const mentions = new RegExp(`\\b${o.table}\\b`);
  let project: OpenedProject | undefined;
  let api: ReturnType<typeof createApi> | undefined;

  beforeAll(async () => {
    Database.prototype.prepare = function prepare(this: Database.Database, source: string) {
      const stmt = original.call(this, source) as Database.Statement;
      if (counting && mentions.test(source)) statements.add(source);
      if (wrapped.has(stmt)) return stmt;
      wrapped.add(stmt);
      const all = stmt.all.bind(stmt);
      const get = stmt.get.bind(stmt);
      Object.assign(stmt, {
        all: (...args: unknown[]) => {
          const out = all(...args);
          if (counting) rows += out.length;
          return out;
        },
        get: (...args: unknown[]) => {
          const out = get(...args);
          if (counting && out !== undefined) rows += 1;
          return out;
        },
      });
      return stmt;
    } as typeof Database.prototype.prepare;
    const dir = join(tempDir(), 'proj');
    await initProject(dir, { sample: true });
    const opened = await openProject(dir);
    project = opened;
    fillHistory(opened.ledger, o.history);
    api = createApi(
      opened,
      createLoopRunner(opened, () => {}),
      { user: 'Human', source: 'ui' },
    );
  }, o.timeoutMs);

  afterAll(() => {
    Database.prototype.prepare = original;
    project?.close();
  });

  const opened = <T>(x: T | undefined): T => {
    if (x === undefined) throw new Error('pagedHistory: used before its beforeAll ran');
    return x;
  };
  return {
    get p() {
      return opened(project);
    },
    get api() {
      return opened(api);
    },
    statements,
    async counted(fn) {
      rows = 0;
      counting = true;
      try {
        return { value: await fn(), rows };
      } finally {
        counting = false;
      }
    },
  };
}
