import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventPayloads } from '../shared/index.ts';
import type { OpenedProject } from '../electron/core/host.ts';
import { runLoop } from '../electron/core/workflow/loop.ts';
import { createAcpWorker } from '../electron/core/agents/workers/acp.ts';
import { agentWorkspaceDir, prepareGitWorkspace } from '../electron/core/agents/workers/git-workspace.ts';
import { standaloneActions } from '../electron/core/mcp/external.ts';
import { GOVERNOR_MCP_NAME } from '../electron/core/mcp/name.ts';
import { createPermissionGate } from '../electron/core/permissions/gate.ts';
import { Redactor } from '../electron/core/secrets/redact.ts';
import { type FakeAnthropic, type ScriptedTurn, startFakeAnthropic } from './support/fake-anthropic.ts';
import { ACP_ADAPTER, type ProjectOptions, acpProject } from './support/coding-agent.ts';
import { tempDir } from './support/tmp.ts';

const ROOT = resolve(import.meta.dirname, '..');
/** The scripted ACP agent on the SDK's agent side, as agents.yaml starts it. */
const testAgent = (...args: string[]) => ({
  command: process.execPath,
  args: [join(ROOT, 'bin', 'run-ts.mjs'), join(ROOT, 'test', 'support', 'acp-agent-child.ts'), ...args],
});

/** A stand-in `command:`: a shell script (what a wrapper, a broken install or a wrong path looks like). */
function script(body: string): string {
  const path = join(tempDir('governor-fake-acp-'), 'acp-agent');
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

const activity = (p: OpenedProject) =>
  p.ledger.readTypes(['worker.activity']).map((e) => EventPayloads['worker.activity'].parse(e.payload));

/**
 * Each of these is a concern naming the agent and the fix, pauses that agent only, and loses nothing: the
 * task goes back to To Do, the other agents go on.
 */
describe('ACP: bad input', () => {
  let fake: FakeAnthropic | undefined;
  let p: OpenedProject | undefined;
  afterEach(async () => {
    p?.close();
    p = undefined;
    await fake?.close();
    fake = undefined;
  });

  async function open(agent: { command: string; args: string[] }, turns: ScriptedTurn[] = [], o: ProjectOptions = {}) {
    fake = await startFakeAnthropic();
    const proj = await acpProject(fake, { ...o, ...agent });
    fake.pushFor('T4', ...turns);
    p = await proj.open();
    return p;
  }

  async function paused(agent: { command: string; args: string[] }, turns: ScriptedTurn[] = []) {
    const proj = await open(agent, turns);
    await runLoop(proj);
    const concern = proj.read.concerns().find((c) => c.from === 'Implementer' && c.category === 'runtime_failure');
    expect(proj.read.agent('Implementer')?.status).toBe('paused');
    expect(proj.read.agent('Tester')?.status).not.toBe('paused');
    expect(proj.read.task('T4')?.status).toBe('To Do');
    expect(concern?.details).toMatch(/Implementer is paused\. Fix the cause, then `\/resume Implementer`/);
    return concern?.details ?? '';
  }

  it('a missing binary names the command and how to install one', async () => {
    const details = await paused({ command: '/nonexistent/gemini', args: ['--experimental-acp'] });
    expect(details).toMatch(
      new RegExp(
        /acp: the ACP agent `\/nonexistent\/gemini` \(agents\.yaml command:\) was not found on PATH; /.source +
          /install it \(e\.g\. `npm install -g @google\/gemini-cli`/.source,
      ),
    );
    expect(fake?.requests).toHaveLength(0);
  });

  it('an unsupported protocol version names both versions and which side to upgrade', async () => {
    const details = await paused(testAgent('version'));
    expect(details).toMatch(
      new RegExp(
        /acp \(.*node\) speaks version 2 of the Agent Client Protocol; Governor speaks version 1: /.source +
          /upgrade Governor, or use a release of the agent that still speaks version 1/.source,
      ),
    );
  });

  it('a protocol error (an agent that writes a banner, not JSON-RPC) quotes it and names the fix', async () => {
    const details = await paused(testAgent('banner'));
    expect(details).toMatch(
      new RegExp(
        /wrote something that is not JSON-RPC to stdout \(Welcome to Acme Agent 2\.0! Type \/help for help\.\); /
          .source +
          /check that `.*acp-agent-child\.ts banner` starts the agent in its ACP mode .*governor doctor/.source,
      ),
    );
  });

  it('a worker that dies mid-turn names the agent and keeps its session for resume', async () => {
    const pidFile = join(tempDir('governor-acp-pid-'), 'pid');
    const wrapper = script(`echo $$ > ${pidFile}\nexec ${ACP_ADAPTER} "$@"`);
    const details = await paused({ command: wrapper, args: [] }, [
      () => {
        // The model's first turn: the agent is killed while it waits for the answer.
        process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGKILL');
        return { hang: true };
      },
    ]);
    expect(details).toMatch(
      /acp \(.*acp-agent\) exited on SIGKILL during T4; its session \S+ is kept and resumes with the agent \(\/resume Implementer\)/,
    );
    const started = p?.ledger
      .readTypes(['worker.session_started'])
      .map((e) => EventPayloads['worker.session_started'].parse(e.payload));
    expect(started?.[0]?.session_id).toBe(/its session (\S+) is kept/.exec(details)?.[1]);
  });

  it('file requests outside the workspace are denied without asking anyone, and recorded', async () => {
    const outside = join(tempDir('governor-acp-outside-'), 'escaped.txt');
    const proj = await open(testAgent('fs', outside));
    await runLoop(proj);
    expect(existsSync(outside)).toBe(false);
    expect(proj.read.permissionRequests()).toEqual([]);
    // T4's session (the agent, which never hands off, goes on to the next tasks).
    const ofFirst = activity(proj).filter((a) => a.task_id === 'T4');
    const gated = ofFirst.filter((a) => a.kind === 'permission');
    expect(gated.filter((a) => a.gate?.behavior === 'deny').map((a) => a.tool)).toEqual(['Write', 'Read']);
    expect(gated.find((a) => a.gate?.behavior === 'allow')).toMatchObject({ tool: 'Write', worker: 'acp' });
    // The agent read why, as an error of its request; the write inside the workspace was served.
    const said = ofFirst.find((a) => a.kind === 'message')?.text ?? '';
    expect(said).toMatch(
      /write outside: refused \(Invalid params: Governor's policy denies this: \S+ is outside the agent's workspace/,
    );
    expect(said).toMatch(/read outside: refused/);
    expect(said).toMatch(/write inside: done/);
    expect(readFileSync(join(agentWorkspaceDir(proj.dir, 'phase1/implementer'), 'src/inside.js'), 'utf8')).toContain(
      'inside = true',
    );
    expect(proj.read.agent('Implementer')?.status).not.toBe('paused');
  });

  it('an agent that cannot resume gets a fresh session with the task given again, and that is recorded', async () => {
    const proj = await open(testAgent('fs', join(tempDir('governor-acp-outside-'), 'x.txt')));
    const ws = agentWorkspaceDir(proj.dir, 'phase1/implementer');
    const tip = (await proj.git.resolveRef('develop')) ?? '';
    await prepareGitWorkspace({ projectDir: proj.dir, dir: ws, branch: 'phase1/implementer', tip, fresh: true });
    const task = proj.read.task('T4');
    if (!task) throw new Error('the sample plan has no T4');
    const seen: Array<{ kind: string; text: string }> = [];
    const sessions: Array<[string, boolean]> = [];
    const redactor = new Redactor();
    const worker = createAcpWorker({
      label: 'acp',
      agent: 'Implementer',
      ...testAgent('fs', join(tempDir('governor-acp-outside-'), 'x.txt')),
      projectDir: proj.dir,
      testCommands: [],
      sandbox: { enabled: true, networkDomains: [] },
      redactor,
    });
    const r = await worker.work(
      {
        agent: 'Implementer',
        phase: 1,
        task,
        workspace: ws,
        context: {},
        resume: 'lost-session-0001',
        budgetUsd: null,
        limits: { maxTurns: 5, wallClockS: 120 },
      },
      {
        gate: createPermissionGate({
          ledger: proj.ledger,
          read: proj.read,
          agent: 'Implementer',
          worker: 'acp',
          phase: 1,
          taskId: 'T4',
          root: ws,
          permissions: proj.policies.agent_permissions,
          tests: proj.policies.tests,
          mcpServer: GOVERNOR_MCP_NAME,
        }),
        mcp: standaloneActions(proj, 'Implementer'),
        activity: (a) => seen.push(a),
        session: (id, resumed) => sessions.push([id, resumed]),
        handedOff: () => null,
        runTests: async () => ({ passed: true, summary: '' }),
        signal: new AbortController().signal,
      },
    );
    expect(sessions).toEqual([['test-1', false]]);
    expect(r.sessionId).toBe('test-1');
    expect(seen.find((a) => a.kind === 'result' && a.text.includes('fresh session'))?.text).toMatch(
      new RegExp(
        /can neither resume nor load a session .*: a fresh session starts with the task given again; /.source +
          /the workspace keeps what session lost-session-0001 did/.source,
      ),
    );
    const prompt = seen.find((a) => a.kind === 'message')?.text ?? '';
    expect(prompt).toMatch(/your earlier session could not be resumed\. Your workspace still holds the changes/);
    expect(prompt).toContain(`Your task is T4: ${task.title}`);
  });

  it('a request nobody decides in time is recorded as timed_out, and the agent is told so', async () => {
    const proj = await open(
      { command: ACP_ADAPTER, args: [] },
      [{ tools: [{ name: 'Bash', input: { command: 'uname -s', description: 'which OS' } }] }, { text: 'Could not.' }],
      { permissions: 'agent_permissions:\n  timeout_s: 1\n' },
    );
    await runLoop(proj);
    const [req] = proj.read.permissionRequests();
    expect(req).toMatchObject({ worker: 'acp', tool: 'Bash', status: 'timed_out', decision: null });
    expect(proj.ledger.readTypes(['permission.decided'])).toHaveLength(0);
    // ACP carries no reason with a rejection: Governor's next prompt says what happened.
    const told = fake?.requests.map((r) => JSON.stringify(r.messages.at(-1))).find((m) => m.includes(req?.id ?? '?'));
    expect(told).toMatch(/timed out/);
    expect(told).toMatch(/It was not denied/);
    expect(fake?.toolResults().some((t) => t.includes('Linux'))).toBe(false);
  });
});
