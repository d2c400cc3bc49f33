import type { AgentName } from '../../../shared/index.ts';
import { escalationTargets, roleOf } from '../../../shared/index.ts';
// The class only, not the AI SDK's error mapping: the loop must not load the SDK for the scripted demo.
import { LlmError } from '../agents/llm/llm-error.ts';
import { GovernorError } from '../errors.ts';
import type { Engine } from './engine.ts';
import { raiseConcern, setAgentStatus } from './records.ts';

/** Concerns raised when the system paused an agent; `/resume <agent>` settles them (the human has acted). */
export const PAUSING_CATEGORIES: readonly string[] = ['runtime_failure', 'invalid_output', 'budget'];

/** Failures that are the environment's, not the output's: only the human can fix a key or start a server. */
const HUMAN_KINDS = new Set([
  'auth',
  'unreachable',
  'model_not_found',
  'rate_limited',
  'server',
  'timeout',
  'budget',
  'other',
]);

/**
 * A step whose agent could not do its work (a bad key, Ollama not running, output that stayed invalid…)
 * must neither crash the loop nor spin on it: the failure becomes a concern, in words, the agent is
 * paused, and its unfinished task goes back to To Do for when the human resumes it.
 */
export function handleStepFailure(e: Engine, agent: AgentName | undefined, err: unknown): boolean {
  if (!agent || !(err instanceof GovernorError)) return false;
  const kind = err instanceof LlmError ? err.kind : err.code;
  const phase = e.read.project()?.phase ?? 1;
  const to =
    HUMAN_KINDS.has(kind) || !(err instanceof LlmError)
      ? 'Human'
      : (escalationTargets(e.agentsFile, roleOf(agent))[0] ?? 'Human');
  const message = e.redactor ? e.redactor.redact(err.message) : err.message;
  e.ledger.transact((tx) => {
    const ts = e.clock().toISOString();
    for (const t of e.read.tasks())
      if (t.agent === agent && t.status === 'In Progress')
        tx.append({
          type: 'task.updated',
          actor: 'System',
          ts,
          payload: { task_id: t.id, status: 'To Do', commentary: `interrupted: ${message}`, links: [] },
        });
    raiseConcern(
      tx,
      {
        phase,
        from: agent,
        to,
        severity: 'critical',
        category: kind === 'invalid_output' ? 'invalid_output' : 'runtime_failure',
        summary: `${agent} could not work: ${message.slice(0, 160)}`,
        details: `${message}\n\n${agent} is paused. Fix the cause, then \`/resume ${agent}\`.`,
      },
      ts,
    );
    setAgentStatus(tx, agent, 'idle', null, ts);
    tx.append({ type: 'agent.paused', actor: 'System', ts, payload: { agent, by: 'System', pending: false } });
  });
  e.progress({ kind: 'warn', agent, text: message });
  return true;
}
