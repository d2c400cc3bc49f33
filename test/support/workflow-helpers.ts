import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import type { EventType } from '../../shared/index.ts';
import { agentNames } from '../../shared/index.ts';
import type { OpenedProject } from '../../electron/core/host.ts';
import { handleCommand } from '../../electron/core/workflow/commands.ts';
import type { SampleProject } from './project.ts';
import { git } from './tmp.ts';

/** Payloads of every ledger event of one type, oldest first. */
export function payloads<T = Record<string, unknown>>(p: OpenedProject, type: EventType): T[] {
  return p.ledger.readTypes([type]).map((e) => e.payload as T);
}

/** Rewrite the first test command of the project's `.project_policies.yaml`, keeping the rest as it is. */
export function setTestCommand(dir: string, command: string): void {
  const file = join(dir, '.project_policies.yaml');
  const doc = parseDocument(readFileSync(file, 'utf8'));
  doc.setIn(['tests', 0, 'command'], command);
  writeFileSync(file, doc.toString());
  // Commit it as a user would (otherwise the next run commits it for them, as the human's configuration commit).
  git(
    dir,
    '-c',
    'user.name=Test',
    '-c',
    'user.email=test@example.com',
    'commit',
    '-q',
    '-m',
    'chore: change the test command',
    '--',
    '.project_policies.yaml',
  );
}

/** Task statuses by id, e.g. `{ T4: 'To Do', T6: 'Done' }`. */
export function taskStatus(sp: SampleProject): Record<string, string> {
  return Object.fromEntries(sp.p.read.tasks().map((t) => [t.id, t.status]));
}

/** Agent statuses by name. */
export function agentStatus(sp: SampleProject): Record<string, string> {
  return Object.fromEntries(sp.p.read.agents().map((a) => [a.name, a.status]));
}

/** The markdown table row of one task in docs/PROJECT_DETAIL.md, split into trimmed cells. */
export function detailRow(sp: SampleProject, taskId: string): string[] | null {
  const line = sp
    .file('docs/PROJECT_DETAIL.md')
    .split('\n')
    .find((l) => l.startsWith(`| ${taskId} |`));
  return line
    ? line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim())
    : null;
}

/** Approve plan and design (no questions asked): the project is then in `build`. */
export async function approvePlanAndDesign(sp: SampleProject): Promise<void> {
  await sp.runUntilGate('plan');
  sp.human.decide('plan', 'approve', { comment: 'plan ok' });
  await sp.runUntilGate('design');
  sp.human.decide('design', 'approve', { comment: 'design ok' });
}

/**
 * Send a command synchronously from inside a loop step (e.g. a progress callback): `handleCommand`
 * writes its transaction before its first `await` unless it is `/status git`.
 */
export function commandNow(p: OpenedProject, text: string): Promise<{ ok: boolean; response: string }> {
  return handleCommand(
    { ledger: p.ledger, read: p.read, agents: agentNames(p.agentsFile), gitStatus: async () => '' },
    text,
    { user: 'Human', source: 'cli' },
  );
}
