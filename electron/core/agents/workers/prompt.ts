import type { WorkerTask } from './worker.ts';

const MAX_CONTEXT = 60_000;

/** What Governor adds to a coding agent's own system prompt: who it is, the rules, how to finish. */
export function governorInstructions(t: WorkerTask, testCommands: string[]): string {
  return [
    `You are ${t.agent}, an agent in a team supervised by Governor. ` +
      `You work in your own git clone of your branch (${t.workspace}); ` +
      'Governor commits your changes to the branch when you hand off, then runs the QA gate.',
    "Every tool use goes through Governor's permission policy: " +
      'reads and edits inside your workspace and the test commands are allowed; ' +
      'package installs, network access and other commands are asked of the human (wait for the answer); ' +
      'anything outside your workspace is denied. ' +
      'A denial or a timeout comes back as a tool error: read it and carry on without, or raise a concern.',
    testCommands.length
      ? `The project's test commands: ${testCommands.map((c) => `\`${c}\``).join(', ')}.`
      : 'The project has no test command configured.',
    "Use Governor's tools (mcp__governor__*): raise_concern when blocked or unsure, " +
      'propose_variation for a change of scope, ask_clarification to ask the Designer or the ProjectManager, ' +
      'and handoff (summary, Conventional Commit subject, what you tested) when the task is done. ' +
      'Do not push, and do not switch branches.',
  ].join('\n\n');
}

/** The task with its approved documents, as the first message of a session. */
export function taskPrompt(t: WorkerTask): string {
  let budget = MAX_CONTEXT;
  const docs: string[] = [];
  for (const [path, text] of Object.entries(t.context)) {
    if (!text) continue;
    const part = text.length > budget ? `${text.slice(0, Math.max(0, budget))}\n[… cut]` : text;
    budget -= part.length;
    docs.push(`<document path="${path}">\n${part}\n</document>`);
    if (budget <= 0) break;
  }
  return [
    `Your task is ${t.task.id}: ${t.task.title}`,
    t.task.commentary ? `Notes: ${t.task.commentary}` : '',
    'The approved documents (requirements, design, test plan) follow. ' +
      'Implement the task in this workspace, run the tests, then hand off.',
    ...docs,
  ]
    .filter(Boolean)
    .join('\n\n');
}

/** The first message of a resumed session: Governor restarted mid-task. */
export function resumePrompt(t: WorkerTask): string {
  return (
    `Governor restarted while you were working on ${t.task.id}. Carry on where you left off; a tool use that was ` +
    `interrupted may be asked for again. Hand off through mcp__governor__handoff when done.`
  );
}

/** Before the task, when the agent could not bring back the session it had: its work so far is in the workspace. */
export function lostSessionNote(t: WorkerTask): string {
  return (
    `Governor restarted while you were working on ${t.task.id}, and your earlier session could not be resumed. ` +
    'Your workspace still holds the changes made so far: look at `git status` and `git diff` before you go on.'
  );
}
