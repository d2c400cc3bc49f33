import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventPayloads } from '../shared/index.ts';
import type { OpenedProject } from '../electron/core/host.ts';
import { openProject } from '../electron/core/host.ts';
import { runLoop } from '../electron/core/workflow/loop.ts';
import { decideReview } from '../electron/core/workflow/decisions.ts';
import { agentWorkspaceDir } from '../electron/core/agents/workers/git-workspace.ts';
import { type FakeAnthropic, startFakeAnthropic } from './support/fake-anthropic.ts';
import { claudeProject } from './support/coding-agent.ts';
import { git } from './support/tmp.ts';

describe("Claude Code within the policy's limits", () => {
  let fake: FakeAnthropic | undefined;
  let p: OpenedProject | undefined;
  afterEach(async () => {
    p?.close();
    await fake?.close();
  });

  it('a request nobody decides in time is recorded as timed_out (never a denial), and the agent is told so', async () => {
    fake = await startFakeAnthropic();
    const proj = await claudeProject(fake, { permissions: 'agent_permissions:\n  timeout_s: 1\n' });
    fake.pushFor(
      'T4',
      { tools: [{ name: 'Bash', input: { command: 'uname -s', description: 'which OS' } }] },
      {
        tools: [
          {
            name: 'mcp__governor__handoff',
            input: { summary: 'Could not check the OS.', commit_subject: 'chore(t4): nothing', tested: 'none' },
          },
        ],
      },
      { text: 'Done.' },
    );
    p = await proj.open();
    await runLoop(p);
    const [req] = p.read.permissionRequests();
    expect(req).toMatchObject({ tool: 'Bash', status: 'timed_out', decision: null });
    expect(p.ledger.readTypes(['permission.timed_out'])).toHaveLength(1);
    expect(p.ledger.readTypes(['permission.decided'])).toHaveLength(0);
    const told = fake.toolResults().find((t) => t.includes(req?.id ?? '?'));
    expect(told).toMatch(/timed out/);
    expect(told).toMatch(/It was not denied/);
  });

  it('the budget cap stops the session, a budget review asks the human, and more granted resumes the same session', async () => {
    fake = await startFakeAnthropic();
    // Each fake turn costs ~$0.0006 at Sonnet prices: the cap stops the session after a few turns.
    const proj = await claudeProject(fake, { budgets: 'budgets:\n  per_agent:\n    Implementer: { usd: 0.0015 }\n' });
    const ws = agentWorkspaceDir(proj.dir, 'phase1/implementer');
    const cheap = { input: 10, output: 2 };
    fake.pushFor(
      'T4',
      { tools: [{ name: 'Write', input: { file_path: join(ws, 'src/a.js'), content: 'export const a = 1;\n' } }] },
      { tools: [{ name: 'Bash', input: { command: 'ls src', description: 'look' } }] },
      { tools: [{ name: 'Bash', input: { command: 'git status', description: 'look' } }] },
      // After the grant: cheap turns, well within what was granted.
      { tools: [{ name: 'Bash', input: { command: 'ls', description: 'look' } }], usage: cheap },
      {
        tools: [{ name: 'Write', input: { file_path: join(ws, 'src/b.js'), content: 'export const b = 2;\n' } }],
        usage: cheap,
      },
      {
        tools: [
          {
            name: 'mcp__governor__handoff',
            input: { summary: 'Added a and b.', commit_subject: 'feat(ab): add a and b', tested: 'ls' },
          },
        ],
        usage: cheap,
      },
      { text: 'Done.', usage: cheap },
    );
    p = await proj.open();
    await runLoop(p);
    const review = p.read.pendingReviews().find((r) => r.kind === 'budget');
    expect(review).toMatchObject({
      requested_by: 'Implementer',
      title: expect.stringMatching(/Implementer asks for \$0\.0015 more/),
    });
    expect(p.read.agent('Implementer')?.status).toBe('paused');
    expect(p.read.task('T4')?.status).toBe('To Do');
    const ended = p.ledger
      .readTypes(['worker.session_ended'])
      .map((e) => EventPayloads['worker.session_ended'].parse(e.payload))
      .find((s) => s.task_id === 'T4');
    expect(ended).toMatchObject({ outcome: 'interrupted' });

    decideReview(p.ledger, p.read, {
      reviewId: review?.id ?? '',
      decision: 'approve',
      comment: 'go on',
      source: 'cli',
    });
    await runLoop(p);
    expect(p.ledger.readTypes(['budget.granted']).map((e) => e.payload)).toEqual([
      expect.objectContaining({ agent: 'Implementer', usd: 0.0015 }),
    ]);
    const sessions = p.ledger
      .readTypes(['worker.session_started'])
      .map((e) => EventPayloads['worker.session_started'].parse(e.payload))
      .filter((s) => s.task_id === 'T4');
    expect(sessions.at(-1)).toMatchObject({ resumed: true, session_id: sessions[0]?.session_id });
    expect(p.read.task('T4')?.status).toBe('Done');
    expect(git(proj.dir, 'show', 'phase1/implementer:src/b.js')).toContain('b = 2');
  });

  it('an agent past its turn limit becomes a concern and pauses that agent only', async () => {
    fake = await startFakeAnthropic();
    const proj = await claudeProject(fake, { limits: 'agent_limits:\n  max_steps: 2\n  wall_clock_s: 300\n' });
    fake.pushFor(
      'T4',
      ...Array.from({ length: 4 }, () => ({
        tools: [{ name: 'Bash', input: { command: 'ls', description: 'look' } }],
      })),
    );
    p = await proj.open();
    await runLoop(p);
    const concern = p.read.concerns().find((c) => c.from === 'Implementer' && c.category === 'runtime_failure');
    expect(concern?.summary).toMatch(/used its 2 turns \(agent_limits\.max_steps\)/);
    expect(p.read.agent('Implementer')?.status).toBe('paused');
    expect(p.read.agent('Implementer-2')?.status).not.toBe('paused');
    expect(p.read.task('T4')?.status).toBe('To Do');
  });

  it('a missing binary is a concern naming the fix, and pauses that agent only', async () => {
    fake = await startFakeAnthropic();
    const proj = await claudeProject(fake);
    const agentsPath = join(proj.dir, 'agents.yaml');
    writeFileSync(
      agentsPath,
      readFileSync(agentsPath, 'utf8').replace(
        'runtime: claude-code:claude-sonnet-4-5',
        'runtime: claude-code:claude-sonnet-4-5\n    command: /nonexistent/claude',
      ),
    );
    p = await openProject(proj.dir);
    await runLoop(p);
    const concern = p.read.concerns().find((c) => c.from === 'Implementer' && c.category === 'runtime_failure');
    expect(concern?.details).toMatch(
      /the Claude Code binary \/nonexistent\/claude \(agents\.yaml command:\) does not exist; fix the path/,
    );
    expect(p.read.agent('Implementer')?.status).toBe('paused');
    expect(p.read.agent('Tester')?.status).not.toBe('paused');
    expect(fake.requests).toHaveLength(0);
  });
});
