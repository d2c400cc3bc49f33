import { readFileSync, readdirSync } from 'node:fs';
import type { PermissionRequest } from '../shared/index.ts';
import { type createApi, dispatch } from '../electron/core/api.ts';
import type { OpenedProject } from '../electron/core/host.ts';
import { GOVERNOR_MCP_NAME } from '../electron/core/mcp/name.ts';
import { createPermissionGate } from '../electron/core/permissions/gate.ts';
import { type BenchAgent, EDITS } from './workers-agents.ts';
import { workAsImplementer } from './worker-session.ts';

/** One measured session of one agent in the workers bench: when each step was reached, the gate, memory. */

/** Resident memory of every process below ours (the worker and whatever it started), from /proc. */
function treeRssBytes(): number {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // comm may hold spaces and parentheses: the fields after its closing parenthesis are fixed.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(name), ppid);
    } catch {
      // The process ended between the listing and the read.
    }
  }
  const mine = new Set([process.pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parent) {
      if (mine.has(pid) || !mine.has(ppid)) continue;
      mine.add(pid);
      grew = true;
    }
  }
  let bytes = 0;
  for (const pid of mine) {
    if (pid === process.pid) continue;
    try {
      bytes += Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * 4096;
    } catch {
      // Gone meanwhile.
    }
  }
  return bytes;
}

export interface Sample {
  start: number;
  gaps: number[];
  gate: number[];
  ask: number;
  cont: number;
  rssPeak: number;
  ownRssGrowth: number;
}

export async function measureSession(
  p: OpenedProject,
  api: ReturnType<typeof createApi>,
  a: BenchAgent,
  ws: string,
  task: NonNullable<ReturnType<OpenedProject['read']['task']>>,
): Promise<Sample> {
  const at: number[] = [];
  let asked = 0;
  let decided = 0;
  const gateMs: number[] = [];
  const decisions: Promise<unknown>[] = [];
  a.push(ws, (i) => (at[i] = performance.now()));
  const gate = createPermissionGate({
    ledger: p.ledger,
    read: p.read,
    agent: 'Implementer',
    worker: a.worker.kind,
    phase: 1,
    taskId: 'T4',
    root: ws,
    permissions: p.policies.agent_permissions,
    tests: p.policies.tests,
    mcpServer: GOVERNOR_MCP_NAME,
    // The human is instant here: what is timed is Governor and the agent on either side of the decision.
    onWaiting: (r: PermissionRequest | null) => {
      if (!r) return;
      asked = performance.now();
      decided = performance.now();
      decisions.push(
        dispatch(api, 'permissions.decide', { requestId: r.id, decision: 'allow_once', digest: r.input_digest }),
      );
    },
  });
  const timed = {
    ...gate,
    check: async (...args: Parameters<typeof gate.check>) => {
      const t = performance.now();
      const r = await gate.check(...args);
      if (r.requestId === null) gateMs.push(performance.now() - t);
      return r;
    },
  };
  let rssPeak = 0;
  const rss0 = process.memoryUsage().rss;
  let ownPeak = rss0;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, treeRssBytes());
    ownPeak = Math.max(ownPeak, process.memoryUsage().rss);
  }, 100);
  const t0 = performance.now();
  try {
    const r = await workAsImplementer(p, a.worker, { task, ws, maxTurns: EDITS + 10, gate: timed });
    await Promise.all(decisions);
    const want = a.asks ? EDITS + 2 : EDITS + 1;
    if (at.filter((x) => x !== undefined).length !== want)
      throw new Error(`${a.name} made ${at.length} of ${want} scripted requests (${r.outcome}: ${r.summary})`);
  } finally {
    clearInterval(sampler);
  }
  const gaps = Array.from({ length: EDITS }, (_, i) => (at[i + 1] ?? NaN) - (at[i] ?? NaN));
  return {
    start: (at[0] ?? NaN) - t0,
    gaps,
    gate: gateMs,
    ask: a.asks ? asked - (at[EDITS] ?? NaN) : NaN,
    cont: a.asks ? (at[EDITS + 1] ?? NaN) - decided : NaN,
    rssPeak,
    ownRssGrowth: ownPeak - rss0,
  };
}
