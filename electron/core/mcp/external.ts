import type { AgentName, Task } from '../../../shared/index.ts';
import { roleOf } from '../../../shared/index.ts';
import {
  agentWorkspaceDir,
  prepareGitWorkspace,
  workspaceBase,
  workspaceChanges,
} from '../agents/workers/git-workspace.ts';
import { phaseBranch } from '../workflow/git-steps.ts';
import type { Engine } from '../workflow/engine.ts';
import { contextDocs } from '../workflow/stages/authored.ts';
import { finishWork, isRunnable, workTasks } from '../workflow/stages/build.ts';
import { layTesterClone } from '../workflow/stages/tester-workspace.ts';
import { recordTaskTaken, startingTip } from '../workflow/task-start.ts';
import { type AgentActions, type HandoffSink, createAgentActions } from './actions.ts';

/**
 * An agent configured `runtime: external`: the user's own Claude Code (or Codex) session, joining through
 * Governor's MCP server. It takes its next task (Governor prepares its clone of the agent branch), works
 * there, and hands off; Governor commits the clone's changes with the trailers, and the same gates follow.
 */
export function externalSink(e: Engine, agent: AgentName): HandoffSink {
  const current = (): Task | null =>
    e.read.tasks().find((t) => t.agent === agent && t.status === 'In Progress') ?? null;
  const branchOf = (t: Task) => phaseBranch(t.phase, agent);
  const tipOf = (t: Task) => startingTip(e, branchOf(t));
  return {
    currentTask: current,
    async nextTask() {
      const doing = current();
      const project = e.read.project();
      const task =
        doing ??
        (project?.stage === 'build'
          ? workTasks(e, project.phase).find((t) => t.agent === agent && t.status === 'To Do' && isRunnable(e, t))
          : undefined);
      if (!task) return null;
      const dir = agentWorkspaceDir(e.dir, branchOf(task));
      await prepareGitWorkspace({
        projectDir: e.dir,
        dir,
        branch: branchOf(task),
        tip: await tipOf(task),
        fresh: !doing,
      });
      // The Tester tests the implementation: its clone also holds develop and the phase's other branches.
      const skipped =
        !doing && roleOf(agent) === 'Tester' ? (await layTesterClone(e, task.phase, branchOf(task), dir)).skipped : [];
      if (skipped.length)
        e.progress({ kind: 'warn', agent, text: `did not merge cleanly into the workspace: ${skipped.join(', ')}` });
      if (!doing) {
        recordTaskTaken(e, agent, task, 'taken by the external session');
        e.progress({ kind: 'work', agent, text: `${task.id} ${task.title} (external session, in ${dir})` });
      }
      return {
        task,
        workspace: dir,
        context: contextDocs(e, [
          'REQUIREMENTS.md',
          'design/DESIGN_SPEC.md',
          'design/ARCHITECTURE.md',
          'tests/TEST_PLAN.md',
        ]),
      };
    },
    async handoff(h, task) {
      const branch = branchOf(task);
      const dir = agentWorkspaceDir(e.dir, branch);
      const changes = await workspaceChanges(dir, await workspaceBase(dir, await tipOf(task)));
      await finishWork(e, agent, task, branch, {
        kind: 'done',
        label: 'external',
        summary: h.summary,
        commitSubject: h.commit_subject,
        concerns: [],
        variations: [],
        changes,
      });
      await e.exporter.sync();
      const after = e.read.task(task.id);
      return after?.status === 'Done'
        ? `committed to ${branch}; ${task.id} is done and goes through the gates`
        : `${task.id} is ${after?.status ?? 'unknown'}: nothing changed in the workspace, so nothing was committed`;
    },
  };
}

/** The actions of an agent as its own session (external) or any agent's standalone MCP server. */
export function standaloneActions(e: Engine, agent: AgentName): AgentActions {
  return createAgentActions(e, agent, externalSink(e, agent));
}
