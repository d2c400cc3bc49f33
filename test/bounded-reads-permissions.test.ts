import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentActivity, decidePermission } from '../electron/core/permissions/api.ts';
import { createPermissionGate } from '../electron/core/permissions/gate.ts';
import { type OpenedProject, openProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import { budgetLimits, spend } from '../electron/core/workflow/usage.ts';
import { until } from './support/coding-agent.ts';
import { tempDir } from './support/tmp.ts';

/**
 * The permission gate runs on every tool use of a coding agent, and the agents' stream is the fastest
 * growing part of a ledger, so nothing the gate, the budgets or the Agents view reads may walk a table:
 * every statement they prepare on these tables is looked up by index (SQLite's own query plan says so).
 * A statement that scans (`SCAN permission_requests`, or a `json_extract` test on every activity line,
 * which the plan shows as a SEARCH by type) fails.
 */
const WATCHED =
  /\b(permission_requests|budget_grants|worker_sessions|usage_totals|worker\.activity|permission\.decided)\b/;
/** Partial indexes that hold only what is read whole: the rules a human granted "always". */
const BOUNDED_SCANS = /USING (COVERING )?INDEX permission_requests_always\b/;

const original = Database.prototype.prepare;
const seen = new Set<string>();
let p: OpenedProject;

beforeAll(async () => {
  Database.prototype.prepare = function prepare(this: Database.Database, source: string) {
    if (WATCHED.test(source)) seen.add(source);
    return original.call(this, source) as Database.Statement;
  } as typeof Database.prototype.prepare;
  const dir = join(tempDir(), 'proj');
  await initProject(dir, { sample: true });
  p = await openProject(dir);
});
afterAll(() => {
  Database.prototype.prepare = original;
  p.close();
});

describe('what the permission gate, the budgets and the Agents view read', () => {
  it('is found by index, never by scanning the requests or the agents’ stream', async () => {
    const use = { tool: 'Bash', input: { command: 'npm install left-pad' } };
    const pending = () => until(() => p.read.permissionRequests('pending')[0], 'a pending request', 10_000);
    const gate = () =>
      createPermissionGate({
        ledger: p.ledger,
        read: p.read,
        agent: 'Implementer',
        worker: 'claude-code',
        phase: 1,
        taskId: 'T4',
        root: '/work/agent-ws',
        permissions: undefined,
        tests: [],
        mcpServer: 'governor',
      });
    // Asked, allowed once and used; asked again by a resumed session (a new gate: the decision was used,
    // which only the ledger knows now), denied.
    for (const decision of ['allow_once', 'deny'] as const) {
      const answer = gate().check(use, 's1');
      const r = await pending();
      await decidePermission(p, { requestId: r.id, decision, digest: r.input_digest, by: 'Human', source: 'ui' });
      await answer;
    }
    expect(p.read.permissionRequests().map((r) => r.status)).toEqual(['allowed', 'denied']);
    expect(p.read.permissionUsed('perm_0001')).toBe(true);
    // The stream reads the ledger's rows itself: its timestamps come back as the ISO text events carry.
    const stream = agentActivity(p, 'Implementer', 50);
    expect(stream.length).toBeGreaterThan(0);
    for (const line of [...stream, ...agentActivity(p, null, 50)]) expect(line.ts).toMatch(/^\d{4}-\d\d-\d\dT/);
    budgetLimits(p, 'Implementer', 1);
    spend(p, 'Implementer', 1);
    p.read.workerSession('Implementer', 'T4');

    const listings = new Set(['SELECT doc FROM permission_requests ORDER BY seq']); // `--all` in the CLI
    const plans = [...seen]
      .filter((sql) => !listings.has(sql) && !/^\s*(INSERT|UPDATE|CREATE|DELETE)/i.test(sql))
      .map((sql) => {
        const params = (sql.match(/\?/g) ?? []).map(() => 'x');
        const stmt = original.call(p.ledger.db, `EXPLAIN QUERY PLAN ${sql}`) as Database.Statement<string[]>;
        const plan = stmt.all(...params) as Array<{ detail: string }>;
        return { sql: sql.replace(/\s+/g, ' ').trim(), plan: plan.map((r) => r.detail) };
      });
    expect(plans.length).toBeGreaterThanOrEqual(8);
    const scans = plans.filter((q) => q.plan.some((d) => /^SCAN\b/.test(d) && !BOUNDED_SCANS.test(d)));
    expect(scans).toEqual([]);
    // An index narrowing by type alone, then a JSON field tested on every row of that type, is a scan too
    // (the plan says SEARCH): a filter on a JSON field must be an index of its own, named.
    const jsonFilters = plans.filter((q) => /\bWHERE\b.*json_extract\(/i.test(q.sql) && !/INDEXED BY/.test(q.sql));
    expect(jsonFilters).toEqual([]);
  });
});
