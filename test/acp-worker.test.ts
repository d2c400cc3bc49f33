import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventPayloads } from '../shared/index.ts';
import type { OpenedProject } from '../electron/core/host.ts';
import { agentWorkspaceDir } from '../electron/core/agents/workers/git-workspace.ts';
import { type FakeAnthropic, startFakeAnthropic } from './support/fake-anthropic.ts';
import { acpProject, loopDecidingAsks } from './support/coding-agent.ts';
import { git } from './support/tmp.ts';

/**
 * A real ACP agent from npm (the Claude Code ACP adapter, `claude-agent-acp`, which runs the real Claude
 * Code binary) against the fake Anthropic API on 127.0.0.1, with Governor as the ACP client, through the
 * loop: permission requests through the gate, a decision from the Discord path, a rejection whose reason
 * follows as a prompt, Governor's MCP server attached through `mcpServers`, the stream as activity.
 */
describe('an ACP agent (claude-agent-acp) as an Implementer, end to end through the loop', () => {
  let fake: FakeAnthropic;
  let dir: string;
  let p: OpenedProject;
  let outside: string;

  beforeAll(async () => {
    fake = await startFakeAnthropic();
    const proj = await acpProject(fake);
    dir = proj.dir;
    outside = join(dir, '..', 'outside-acp.txt');
    const ws = agentWorkspaceDir(dir, 'phase1/implementer');
    fake.pushFor(
      'T4',
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
          { name: 'Bash', input: { command: 'node -e "console.log(process.platform)"', description: 'which OS' } },
        ],
      },
      { tools: [{ name: 'Bash', input: { command: 'make deploy', description: 'deploy' } }] },
      { tools: [{ name: 'Write', input: { file_path: outside, content: 'escaped' } }] },
      {
        tools: [
          {
            name: 'mcp__governor__raise_concern',
            input: {
              to: 'Human',
              severity: 'warning',
              category: 'dependency',
              summary: 'padStart may be enough',
              details: 'No library needed.',
            },
          },
        ],
      },
      { text: 'Stopping here.' },
      // The human's reason for the rejection arrives as the next prompt; then the agent hands off.
      {
        tools: [
          {
            name: 'mcp__governor__handoff',
            input: {
              summary: 'Added src/pad.js.',
              commit_subject: 'feat(pad): add a padding helper',
              tested: 'uname -s',
            },
          },
        ],
      },
      { text: 'Handed off.' },
    );
    p = await proj.open();
    await loopDecidingAsks(p, {
      allowed: 'process.platform',
      denied: 'make deploy',
      message: 'No deploys from a build task.',
    });
  }, 600_000);
  afterAll(async () => {
    p?.close();
    await fake?.close();
  });

  const activity = () =>
    p.ledger.readTypes(['worker.activity']).map((e) => EventPayloads['worker.activity'].parse(e.payload));

  it('the edit, allowed by policy through session/request_permission, is committed by Governor', () => {
    expect(git(dir, 'show', 'phase1/implementer:src/pad.js')).toContain('padStart');
    expect(git(dir, 'log', '-1', '--format=%B', 'phase1/implementer')).toMatch(/^feat\(pad\): add a padding helper/);
    expect(p.read.task('T4')?.status).toBe('Done');
    expect(activity().find((a) => a.tool === 'Write' && a.gate?.behavior === 'allow')).toMatchObject({
      worker: 'acp',
      gate: { rule: 'default: edits in the workspace' },
    });
  });

  it("the asked command was allowed from Discord and ran; the rejected one was followed by the human's reason", () => {
    const uname = p.read
      .permissionRequests()
      .find((r) => r.tool === 'Bash' && JSON.stringify(r.input).includes('process.platform'));
    expect(uname).toMatchObject({
      worker: 'acp',
      status: 'allowed',
      decision: { decision: 'allow_once', source: 'discord' },
    });
    expect(fake.toolResults().some((t) => t.includes('linux'))).toBe(true);
    const deploy = p.read.permissionRequests().find((r) => JSON.stringify(r.input).includes('make deploy'));
    expect(deploy).toMatchObject({ status: 'denied' });
    const said = fake.requests.some((r) => JSON.stringify(r.messages.at(-1)).includes('No deploys from a build task.'));
    expect(said).toBe(true);
  });

  it('the write outside the workspace was not done and nobody was asked about it', () => {
    expect(existsSync(outside)).toBe(false);
    expect(p.read.permissionRequests().filter((r) => JSON.stringify(r.input).includes('outside-acp'))).toEqual([]);
  });

  it("Governor's MCP server, attached through mcpServers, took the concern and the handoff", () => {
    expect(p.read.concerns().find((c) => c.category === 'dependency')).toMatchObject({
      from: 'Implementer',
      to: 'Human',
      summary: 'padStart may be enough',
    });
    const ended = p.ledger
      .readTypes(['worker.session_ended'])
      .map((e) => EventPayloads['worker.session_ended'].parse(e.payload))
      .find((s) => s.task_id === 'T4');
    expect(ended).toMatchObject({ worker: 'acp', outcome: 'handed_off' });
  });

  it('streams session/update into the ledger as activity', () => {
    const kinds = new Set(
      activity()
        .filter((a) => a.worker === 'acp')
        .map((a) => a.kind),
    );
    for (const k of ['message', 'tool_use', 'tool_result', 'permission', 'result']) expect(kinds).toContain(k);
    expect(activity().some((a) => a.kind === 'message' && a.text.includes('Writing the padding helper.'))).toBe(true);
  });
});
