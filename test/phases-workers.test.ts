/**
 * Phases with a coding agent on the team: csvjson with the PM, Designer and Tester on a model (the fake
 * team over a fake OpenAI-compatible server) and the Implementer played by the REAL Claude Code binary
 * against a fake Anthropic API, through phase 1's promotion and all of phase 2. The second phase's
 * implementation, and the Tester's concern to the Implementer, go through Claude Code sessions too.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Review } from '../shared/index.ts';
import { type OpenedProject, openProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import { agentWorkspaceDir } from '../electron/core/agents/workers/git-workspace.ts';
import { decideReview } from '../electron/core/workflow/decisions.ts';
import { runLoop } from '../electron/core/workflow/loop.ts';
import { claudeEnv } from './support/coding-agent.ts';
import { CSVJSON_BRIEF, csvjsonDecision } from './support/csvjson-human.ts';
import { type FakeAnthropic, startFakeAnthropic } from './support/fake-anthropic.ts';
import { type FakeLlm, startFakeLlm } from './support/fake-llm.ts';
import { fakeTeam } from './support/fake-team.ts';
import { PHASE_WORK } from './support/fake-team-files.ts';
import { git, tempDir } from './support/tmp.ts';

/** Claude Code's turns for "Implement <phase>": write the phase's files in its clone, then hand off by MCP. */
function implement(fake: FakeAnthropic, dir: string, taskId: string, phase: number, name: string): void {
  const w = PHASE_WORK[name];
  if (!w) throw new Error(`no work for ${name}`);
  const ws = agentWorkspaceDir(dir, `phase${phase}/implementer`);
  fake.pushFor(
    taskId,
    {
      text: `Writing ${name}.`,
      tools: Object.entries(w.code).map(([path, content]) => ({
        name: 'Write',
        input: { file_path: join(ws, path), content },
      })),
    },
    {
      tools: [
        {
          name: 'mcp__governor__handoff',
          input: {
            summary: w.summary,
            commit_subject: `feat(${w.scope}): ${name.toLowerCase()}`,
            tested: 'node --test',
          },
        },
      ],
    },
    { text: 'Handed off.' },
  );
}

describe('a coding agent across phases (Claude Code as the Implementer)', () => {
  let llm: FakeLlm;
  let anthropic: FakeAnthropic;
  let dir: string;
  let p: OpenedProject;

  beforeAll(async () => {
    claudeEnv();
    llm = await startFakeLlm({ respond: (r) => fakeTeam().respond(r) });
    anthropic = await startFakeAnthropic();
    dir = join(tempDir(), 'csvjson');
    await initProject(dir, {
      name: 'csvjson',
      brief: CSVJSON_BRIEF,
      runtime: 'openai-compatible:fake-model',
      baseUrl: `${llm.url}/v1`,
    });
    const doc = parseDocument(readFileSync(join(dir, 'agents.yaml'), 'utf8'));
    doc.setIn(['agents', 'Implementer', 'runtime'], 'claude-code:claude-sonnet-4-5');
    doc.setIn(['agents', 'Implementer', 'base_url'], anthropic.url);
    writeFileSync(join(dir, 'agents.yaml'), doc.toString());
    git(
      dir,
      '-c',
      'user.name=T',
      '-c',
      'user.email=t@example.com',
      'commit',
      '-qm',
      'chore: Claude Code implements',
      '--',
      'agents.yaml',
    );
    // Phase 1 is Parser (T4); the human moves Type inference to phase 2 (T9).
    implement(anthropic, dir, 'T4', 1, 'Parser');
    implement(anthropic, dir, 'T9', 2, 'Type inference');
    p = await openProject(dir);
    const asked = new Map<string, number>();
    for (let i = 0; i < 40 && !git(dir, 'tag', '--list', 'v0.2.0').trim(); i++) {
      const out = await runLoop(p);
      const pending: Review[] = p.read.pendingReviews();
      if (pending.length === 0)
        throw new Error(`the loop stopped without a review: ${out.state} ${out.waitingOn.join('; ')}`);
      for (const r of pending) {
        const key = `${r.phase}/${r.kind}`;
        asked.set(key, (asked.get(key) ?? 0) + 1);
        decideReview(p.ledger, p.read, { reviewId: r.id, ...csvjsonDecision(r, asked.get(key) ?? 1), source: 'cli' });
      }
    }
  }, 600_000);
  afterAll(async () => {
    p?.close();
    await llm?.close();
    await anthropic?.close();
  });

  it('promotes phase 2, whose implementation Claude Code wrote in its own clone and Governor committed', () => {
    expect(git(dir, 'tag', '--list', 'v0.*').trim().split('\n')).toEqual(['v0.1.0', 'v0.2.0']);
    expect(git(dir, 'show', 'v0.2.0:src/infer.js')).toBe(PHASE_WORK['Type inference']?.code['src/infer.js']);
    const msg = git(dir, 'log', '-1', '--format=%B', 'phase2/implementer');
    expect(msg).toMatch(/^feat\(convert\): type inference\n/);
    expect(msg).toMatch(/Signed-off-by: Implementer-Agent/);
    expect(p.read.task('T9')).toMatchObject({ agent: 'Implementer', phase: 2, status: 'Done' });
    expect(p.read.workerSession('Implementer', 'T4')).toMatchObject({ worker: 'claude-code', status: 'finished' });
    expect(p.read.workerSession('Implementer', 'T9')).toMatchObject({ worker: 'claude-code', status: 'finished' });
    git(dir, 'fsck', '--full');
  });

  it("the Tester's concern to the Implementer became a Claude Code task; nothing paused, the concern is settled", () => {
    const concern = p.read.concerns().find((c) => c.phase === 2 && c.from === 'Tester' && c.to === 'Implementer');
    expect(concern).toMatchObject({ status: 'resolved' });
    const task = p.read.tasks().find((t) => t.links.includes(concern?.id ?? '?'));
    expect(task).toMatchObject({ agent: 'Implementer', phase: 2, status: 'No Change' });
    expect(p.read.workerSession('Implementer', task?.id ?? '?')).toMatchObject({ worker: 'claude-code' });
    expect(p.read.concerns().filter((c) => c.category === 'runtime_failure' || c.category === 'runtime_setup')).toEqual(
      [],
    );
    expect(p.read.agent('Implementer')?.status).not.toBe('paused');
  });

  it('keeps the clones out of the project', () => {
    expect(existsSync(join(dir, '.governor', 'agent-workspaces'))).toBe(false);
    expect(existsSync(join(agentWorkspaceDir(dir, 'phase2/implementer'), 'src', 'infer.js'))).toBe(true);
  });
});
