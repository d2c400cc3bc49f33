import { openWorkspace } from '../../workflow/workspace.ts';
import type { AgentRuntime } from '../runtime.ts';
import type { Worker, WorkerHooks, WorkerResult, WorkerTask } from './worker.ts';

/**
 * The AI SDK tool loop (and the offline scripted runtime) behind the worker interface. Its file tools
 * are confined to the workspace and record every write, so its changes come from the tools, not git;
 * its concerns and variations come back with the result, as they always did.
 */
export function runtimeWorker(runtime: AgentRuntime): Worker {
  return {
    kind: runtime.scripted ? 'scripted' : 'ai-sdk',
    label: runtime.label,
    usesGit: false,
    async work(t: WorkerTask, h: WorkerHooks): Promise<WorkerResult> {
      const ws = openWorkspace(t.workspace);
      const out = await runtime.work({
        agent: t.agent,
        phase: t.phase,
        task: t.task,
        files: ws,
        context: t.context,
        runTests: h.runTests,
        ...(t.testSetup ? { testSetup: t.testSetup } : {}),
      });
      return {
        outcome: out.commitSubject ? 'handed_off' : 'finished',
        summary: out.summary,
        commitSubject: out.commitSubject,
        tested: null,
        concerns: out.concerns,
        variations: out.variations,
        changes: ws.changes(),
        sessionId: null,
        usage: null,
        turns: 0,
      };
    },
  };
}
