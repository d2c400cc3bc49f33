import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventPayloads } from '../shared/index.ts';
import type { OpenedProject } from '../electron/core/host.ts';
import { agentWorkspaceDir } from '../electron/core/agents/workers/git-workspace.ts';
import { type FakeResponses, startFakeResponses } from './support/fake-openai-responses.ts';
import { CODEX_TEST_KEY, addFile, codexProject, exec, governor, searchTools } from './support/codex.ts';
import { loopDecidingAsks } from './support/coding-agent.ts';
import { git } from './support/tmp.ts';

/**
 * The real Codex binary (`codex app-server`, from npm) against a fake OpenAI Responses API on 127.0.0.1,
 * driven through Governor's loop: Codex's approval requests through the one permission gate, a decision
 * through the contract call the Discord buttons use, Governor's MCP server, and the commit Governor makes.
 */
describe('Codex as an Implementer, end to end through the loop', () => {
  let fake: FakeResponses;
  let dir: string;
  let p: OpenedProject;
  let outside: string;

  beforeAll(async () => {
    fake = await startFakeResponses();
    const proj = await codexProject(fake);
    dir = proj.dir;
    outside = join(dir, '..', 'outside.txt');
    const ws = agentWorkspaceDir(dir, 'phase1/implementer');
    fake.scriptFor(
      'T4',
      // An edit in the workspace (allowed by policy), a command asked and allowed from "Discord", a command
      // denied with a message, a write outside the workspace (denied without asking), a concern, the handoff.
      {
        text: 'Writing the padding helper.',
        calls: [addFile(join(ws, 'src/pad.js'), "export const pad = (s, n) => String(s).padStart(n, ' ');\n")],
      },
      { calls: [exec('uname -s')] },
      { calls: [exec('make deploy')] },
      { calls: [addFile(outside, 'escaped\n')] },
      { calls: [searchTools('governor concern handoff')] },
      {
        calls: [
          governor('raise_concern', {
            to: 'Human',
            severity: 'warning',
            category: 'dependency',
            summary: 'padStart may be enough',
            details: 'No library needed.',
          }),
        ],
      },
      {
        calls: [
          governor('handoff', {
            summary: 'Added src/pad.js with a padding helper.',
            commit_subject: 'feat(pad): add a padding helper',
            tested: 'uname -s',
          }),
        ],
      },
      { text: 'Handed off.' },
    );
    p = await proj.open();
    // The agent waits on its command; the human allows it from a Discord button (the same contract call).
    await loopDecidingAsks(p, { allowed: 'uname -s', denied: 'make deploy', message: 'No deploys from a build task.' });
  }, 600_000);
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
    git(dir, 'fsck', '--full');
    expect(p.read.task('T4')?.status).toBe('Done');
    const allowed = p.ledger
      .readTypes(['worker.activity'])
      .map((e) => EventPayloads['worker.activity'].parse(e.payload))
      .find((a) => a.tool === 'Write' && a.gate?.behavior === 'allow');
    expect(allowed).toMatchObject({ worker: 'codex', gate: { rule: 'default: edits in the workspace' } });
  });

  it("the command was asked, allowed from Discord, and ran; the denied one came back with the human's message", () => {
    const [uname, deploy] = p.read.permissionRequests();
    expect(uname).toMatchObject({
      worker: 'codex',
      tool: 'Bash',
      status: 'allowed',
      input: { command: 'uname -s' },
      reason: expect.stringMatching(/not on the allowlist/),
    });
    expect(uname?.decision).toMatchObject({ decision: 'allow_once', source: 'discord' });
    expect(fake.toolOutputs().some((t) => t.includes('Linux'))).toBe(true);
    expect(deploy).toMatchObject({ tool: 'Bash', status: 'denied', input: { command: 'make deploy' } });
    // Codex tells its model only "rejected by user"; Governor steers the reason into the turn.
    expect(fake.userTexts().some((t) => t.includes('No deploys from a build task.'))).toBe(true);
  });

  it('the write outside the workspace was denied without asking anyone, and recorded', () => {
    expect(existsSync(outside)).toBe(false);
    expect(p.read.permissionRequests().filter((r) => JSON.stringify(r.input).includes('outside.txt'))).toEqual([]);
    const denial = p.ledger
      .readTypes(['worker.activity'])
      .map((e) => EventPayloads['worker.activity'].parse(e.payload))
      .find((a) => a.gate?.behavior === 'deny' && a.tool === 'Write');
    expect(denial).toMatchObject({ worker: 'codex', gate: { rule: 'default: outside the workspace' } });
    expect(fake.userTexts().some((t) => t.includes("Governor's policy denies this") && t.includes('outside'))).toBe(
      true,
    );
  });

  it("raise_concern through Governor's MCP server reached the human", () => {
    const concern = p.read.concerns().find((c) => c.category === 'dependency');
    expect(concern).toMatchObject({
      from: 'Implementer',
      to: 'Human',
      severity: 'warning',
      summary: 'padStart may be enough',
    });
  });

  it('keeps the thread as the session, counts the usage, streams activity, and never writes the key', () => {
    const started = p.ledger
      .readTypes(['worker.session_started'])
      .map((e) => EventPayloads['worker.session_started'].parse(e.payload));
    expect(started.find((s) => s.task_id === 'T4')).toMatchObject({
      agent: 'Implementer',
      worker: 'codex',
      resumed: false,
    });
    const ended = p.ledger
      .readTypes(['worker.session_ended'])
      .map((e) => EventPayloads['worker.session_ended'].parse(e.payload))
      .find((s) => s.task_id === 'T4');
    expect(ended).toMatchObject({ outcome: 'handed_off' });
    expect(ended?.turns).toBeGreaterThanOrEqual(8);
    const kinds = new Set(
      p.ledger.readTypes(['worker.activity']).map((e) => EventPayloads['worker.activity'].parse(e.payload).kind),
    );
    for (const k of ['message', 'tool_use', 'tool_result', 'permission', 'result']) expect(kinds).toContain(k);
    const db =
      readFileSync(join(dir, '.governor', 'governor.db')).toString('latin1') +
      readFileSync(join(dir, '.governor', 'governor.db-wal')).toString('latin1');
    expect(db.includes(CODEX_TEST_KEY)).toBe(false);
    // audit/ holds folders too (handoffs per phase): every file in it, at any depth.
    const audit = readdirSync(join(dir, 'audit'), { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    expect(audit.length).toBeGreaterThan(0);
    for (const f of audit) expect(readFileSync(join(f.parentPath, f.name), 'utf8')).not.toContain(CODEX_TEST_KEY);
    expect(fake.requests[0]?.headers.authorization).toBe(`Bearer ${CODEX_TEST_KEY}`);
  });
});
