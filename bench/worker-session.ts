import type { OpenedProject } from '../electron/core/host.ts';
import { standaloneActions } from '../electron/core/mcp/external.ts';
import type { Worker, WorkerHooks, WorkerResult, WorkerTask } from '../electron/core/agents/workers/worker.ts';

/**
 * A worker's session as the Implementer on a task in `ws`, with the bench's own gate and every other hook
 * inert (no activity kept, no hand-off, tests always pass): what a bench times is the agent and the gate.
 */
export function workAsImplementer(
  p: OpenedProject,
  worker: Worker,
  o: { task: WorkerTask['task']; ws: string; maxTurns: number; gate: WorkerHooks['gate'] },
): Promise<WorkerResult> {
  return worker.work(
    {
      agent: 'Implementer',
      phase: 1,
      task: o.task,
      workspace: o.ws,
      context: {},
      resume: null,
      budgetUsd: null,
      limits: { maxTurns: o.maxTurns, wallClockS: 600 },
    },
    {
      gate: o.gate,
      mcp: standaloneActions(p, 'Implementer'),
      activity: () => {},
      session: () => {},
      handedOff: () => null,
      runTests: async () => ({ passed: true, summary: '' }),
      signal: new AbortController().signal,
    },
  );
}
