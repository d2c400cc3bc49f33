import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventPayloads } from '../shared/index.ts';
import type { OpenedProject } from '../electron/core/host.ts';
import { runLoop } from '../electron/core/workflow/loop.ts';
import { agentWorkspaceDir } from '../electron/core/agents/workers/git-workspace.ts';
import { type FakeAnthropic, lastToolResults, startFakeAnthropic } from './support/fake-anthropic.ts';
import { TEST_KEY, claudeProject, cli, until } from './support/coding-agent.ts';
import { git } from './support/tmp.ts';

/**
 * The real Claude Code binary (from the SDK's npm platform package) against a fake Anthropic Messages API
 * on 127.0.0.1, driven through Governor's loop: the gate, the human's decision from the CLI, Governor's
 * MCP server, and the commit Governor makes from the agent's clone.
 */
describe('Claude Code as an Implementer, end to end through the loop', () => {
  let fake: FakeAnthropic;
  let dir: string;
  let p: OpenedProject;
  let outside: string;

  beforeAll(async () => {
    fake = await startFakeAnthropic();
    const proj = await claudeProject(fake);
    dir = proj.dir;
    outside = join(dir, '..', 'outside.txt');
    const ws = agentWorkspaceDir(dir, 'phase1/implementer');
    fake.pushFor(
      'T4',
      // T4: an edit in the workspace (allowed), an install (asked, decided from the CLI), a write outside (denied),
      // a concern and a high-impact variation through MCP, then the handoff.
      {
        text: 'Writing the padding helper.',
        tools: [
          {
            name: 'Write',
            input: {
              file_path: join(ws, 'src/pad.js'),
              content: "export const pad = (s, n) => String(s).padStart(n, ' ');\n",
            },
          },
        ],
      },
      {
        tools: [
          {
            name: 'Bash',
            input: { command: 'npm install --offline --no-audit left-pad', description: 'install left-pad' },
          },
        ],
      },
      { tools: [{ name: 'Write', input: { file_path: outside, content: 'escaped' } }] },
      {
        tools: [
          {
            name: 'mcp__governor__raise_concern',
            input: {
              to: 'Human',
              severity: 'warning',
              category: 'dependency',
              summary: 'left-pad may be unnecessary',
              details: 'String.prototype.padStart does the same.',
            },
          },
        ],
      },
      {
        tools: [
          {
            name: 'mcp__governor__propose_variation',
            input: {
              title: 'Drop CSV, read Parquet',
              impact: 'high',
              impact_areas: ['data'],
              rationale: 'Parquet is 10x smaller',
              affected_modules: ['src/data'],
              risk: 'new dependency',
              estimated_rework: '2d',
            },
          },
        ],
      },
      {
        tools: [
          {
            name: 'mcp__governor__handoff',
            input: {
              summary: 'Added src/pad.js with a padding helper.',
              commit_subject: 'feat(pad): add a padding helper',
              tested: 'npm test',
            },
          },
        ],
      },
      { text: 'Handed off.' },
    );
    // T5: nothing to change; the agent says so and hands off. (T6 and T7 of Implementer-2 just answer.)
    fake.pushFor(
      'T5',
      {
        tools: [
          {
            name: 'mcp__governor__handoff',
            input: {
              // The agent quotes the key it found: the summary Governor keeps must not hold it.
              summary: `Nothing further needed for T5; the key is ${TEST_KEY}.`,
              commit_subject: 'chore(t5): nothing to change',
              tested: 'none',
            },
          },
        ],
      },
      { text: 'Done.' },
    );
    p = await proj.open();
    const loop = runLoop(p);
    // The agent waits on the install; the human allows it from another terminal.
    const req = await until(() => p.read.permissionRequests('pending')[0], 'the install to be asked');
    const refused = await cli(['decide', req.id, 'allow', '--dir', dir, '--digest', '0'.repeat(12)]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/for another input/);
    const ok = await cli(['decide', req.id, 'allow', '--dir', dir, '--digest', req.input_digest.slice(0, 12)]);
    expect(ok.code, ok.stderr).toBe(0);
    await loop;
  });
  afterAll(async () => {
    p?.close();
    await fake?.close();
  });

  it('the edit allowed by policy is committed by Governor on the agent branch, with the Audit-ID trailers', () => {
    expect(git(dir, 'show', 'phase1/implementer:src/pad.js')).toContain('padStart');
    const msg = git(dir, 'log', '-1', '--format=%B', 'phase1/implementer');
    expect(msg).toMatch(/^feat\(pad\): add a padding helper/);
    const auditId = /Audit-ID: (\S+)/.exec(msg)?.[1] ?? '';
    expect(p.ledger.byId(auditId)?.type).toBe('git.action_recorded');
    expect(msg).toMatch(/Signed-off-by: Implementer-Agent/);
    git(dir, 'fsck', '--full');
    expect(p.read.task('T4')?.status).toBe('Done');
  });

  it('the install was asked, decided from the CLI (a wrong digest refused first), and the agent went on', () => {
    const [req] = p.read.permissionRequests();
    expect(req).toMatchObject({
      agent: 'Implementer',
      tool: 'Bash',
      status: 'allowed',
      input: { command: 'npm install --offline --no-audit left-pad' },
      reason: expect.stringMatching(/installs packages/),
      suggested_rule: 'Bash(npm install:*)',
    });
    expect(req?.decision).toMatchObject({ decision: 'allow_once', source: 'cli', by: 'Human' });
    expect(
      p.ledger
        .readTypes(['permission.decided'])
        .map((e) => EventPayloads['permission.decided'].parse(e.payload).request_id),
    ).toEqual([req?.id]);
    // npm, sandboxed, then tried the registry: Claude Code asked Governor for that network access too. Nobody
    // decided before the session ended, so it was withdrawn (never recorded as a denial).
    for (const other of p.read.permissionRequests().slice(1))
      expect(other).toMatchObject({
        tool: 'SandboxNetworkAccess',
        status: 'withdrawn',
        reason: expect.stringMatching(/network access to registry/),
      });
    // The Bash result came back to the model after the decision: the agent went on.
    const bashResult = fake.requests
      .map(lastToolResults)
      .find((r) => r.some((t) => /left-pad|ENOTCACHED|npm/i.test(t)));
    expect(bashResult).toBeDefined();
  });

  it('the write outside the workspace was denied by the policy, and the agent read why', () => {
    expect(existsSync(outside)).toBe(false);
    expect(
      fake.toolResults().some((t) => t.includes("Governor's policy denies this") && t.includes('outside the agent')),
    ).toBe(true);
    const denial = p.ledger
      .readTypes(['worker.activity'])
      .map((e) => EventPayloads['worker.activity'].parse(e.payload))
      .find((a) => a.gate?.behavior === 'deny');
    expect(denial).toMatchObject({ tool: 'Write', gate: { rule: 'default: outside the workspace' } });
  });

  it('raise_concern through MCP reached the human, and the high-impact variation awaits the human', () => {
    const concern = p.read.concerns().find((c) => c.category === 'dependency');
    expect(concern).toMatchObject({
      from: 'Implementer',
      to: 'Human',
      severity: 'warning',
      summary: 'left-pad may be unnecessary',
    });
    const review = p.read.pendingReviews().find((r) => r.kind === 'variation');
    expect(review).toMatchObject({
      requested_by: 'Implementer',
      impact: 'high',
      title: expect.stringContaining('Drop CSV, read Parquet'),
    });
  });

  it('keeps the session in the ledger, counts the cost, streams activity, and never writes the key', () => {
    const started = p.ledger
      .readTypes(['worker.session_started'])
      .map((e) => EventPayloads['worker.session_started'].parse(e.payload));
    expect(started[0]).toMatchObject({ agent: 'Implementer', worker: 'claude-code', task_id: 'T4', resumed: false });
    expect(started[0]?.session_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(p.read.agent('Implementer')?.cost_usd).toBeGreaterThan(0);
    const kinds = new Set(
      p.ledger.readTypes(['worker.activity']).map((e) => EventPayloads['worker.activity'].parse(e.payload).kind),
    );
    for (const k of ['message', 'tool_use', 'tool_result', 'permission', 'result']) expect(kinds).toContain(k);
    const db =
      readFileSync(join(dir, '.governor', 'governor.db')).toString('latin1') +
      readFileSync(join(dir, '.governor', 'governor.db-wal')).toString('latin1');
    expect(db.includes(TEST_KEY)).toBe(false);
    // Every audit export, the handoffs of each phase (audit/handoffs/phase-N.jsonl) included.
    const audit = readdirSync(join(dir, 'audit'), { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    expect(audit.map((f) => f.name)).toContain('phase-1.jsonl');
    for (const f of audit) expect(readFileSync(join(f.parentPath, f.name), 'utf8')).not.toContain(TEST_KEY);
    // The key reached the fake only as the API key header.
    expect(fake.requests[0]?.headers['x-api-key']).toBe(TEST_KEY);
  });

  it('hands the second task off without changes: no commit, and the task says "No Change", never Done', () => {
    expect(p.read.task('T5')).toMatchObject({
      status: 'No Change',
    });
    const commentary = p.read.task('T5')?.commentary ?? '';
    expect(commentary).toMatch(/^No change: Nothing further needed for T5; the key is /);
    expect(commentary).not.toContain(TEST_KEY);
    expect(git(dir, 'log', '--format=%s', 'phase1/implementer')).not.toMatch(/chore\(t5\)/);
  });
});
