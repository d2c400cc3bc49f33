import type { AgentName, Task } from '../../../shared/index.ts';
import { GovernorError } from '../errors.ts';
import type { Engine } from './engine.ts';
import { setAgentStatus } from './records.ts';

/**
 * Where an agent's work on a task starts from: the tip of its phase branch, or develop's before that branch
 * exists. The build loop's step and an external session's next task both start here, so both see the same
 * commit.
 */
export async function startingTip(e: Engine, branch: string): Promise<string> {
  const tip = (await e.git.resolveRef(branch)) ?? (await e.git.resolveRef('develop'));
  if (!tip) throw new GovernorError('no_develop', 'the repository has no develop branch');
  return tip;
}

/**
 * Records that `agent` took `task`: the agent is working on it and the task is In Progress, in one
 * transaction. The build loop and an external session record it alike, so the board and the status read one
 * shape whoever does the work; `commentary` says who took it when that is not the loop.
 */
export function recordTaskTaken(e: Engine, agent: AgentName, task: Task, commentary: string | null): void {
  e.ledger.transact((tx) => {
    const ts = e.clock().toISOString();
    setAgentStatus(tx, agent, 'working', task.id, ts);
    tx.append({
      type: 'task.updated',
      actor: agent,
      ts,
      payload: { task_id: task.id, status: 'In Progress', commentary, links: [] },
    });
  });
}
