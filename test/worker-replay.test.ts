import { readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseDocument } from 'yaml';
import { bundledClaudeBinary } from '../electron/core/agents/workers/claude-code.ts';
import { bundledCodexBinary } from '../electron/core/agents/workers/codex-setup.ts';
import { agentWorkspaceDir } from '../electron/core/agents/workers/git-workspace.ts';
import type { WorkerTape } from '../electron/core/agents/workers/tape.ts';
import { Ledger } from '../electron/core/store/ledger.ts';
import { createReader } from '../electron/core/store/read.ts';
import { replayRun } from '../electron/server/cli/recording.ts';
import { runCommand } from '../electron/server/cli/run.ts';
import { addFile, codexProject, exec, governor, searchTools } from './support/codex.ts';
import { ACP_ADAPTER, acpProject, claudeEnv, claudeProject, cli } from './support/coding-agent.ts';
import { type FakeAnthropic, type ScriptedTurn, startFakeAnthropic } from './support/fake-anthropic.ts';
import { type FakeResponses, startFakeResponses } from './support/fake-openai-responses.ts';
import { git, tempDir } from './support/tmp.ts';

/**
 * A coding agent's session is recorded as the worker interface saw it, and a replay plays it back with the
 * agent unreachable: each agent's real binary (from npm) runs once against its loopback fake model API, in
 * a recorded `governor run`; then the binary's path (agents.yaml `command:`, a link deleted after the run)
 * leads nowhere and the fake is closed, and `governor run --replay` must give the same ledger, the same refs
 * (the commit Governor made from the agent's changes included) and the same exports.
 */

const lines: string[] = [];
const logged = () => stripVTControlCharacters(lines.join('\n'));
const cassettes = (dir: string) =>
  readdirSync(join(dir, '.governor', 'cassettes')).map((f) => f.replace(/\.json$/, ''));
const tapesOf = (dir: string, id: string) =>
  (JSON.parse(readFileSync(join(dir, '.governor', 'cassettes', `${id}.json`), 'utf8')) as { workers: WorkerTape[] })
    .workers;

/** A link to the agent's binary, named in agents.yaml: deleting it after the run makes the binary unreachable. */
function linkTo(target: string | null, name: string): string {
  if (!target) throw new Error(`no ${name} binary installed`);
  const link = join(tempDir('governor-agent-bin-'), name);
  symlinkSync(target, link);
  return link;
}

/** Every recorded run replays: the same events, the same refs, and a coding-agent session played back. */
async function replayEach(dir: string): Promise<void> {
  const ids = cassettes(dir);
  expect(ids.length).toBeGreaterThan(0);
  for (const id of ids) {
    lines.length = 0;
    const code = await replayRun(dir, id);
    const verdicts = logged()
      .split('\n')
      .filter((l) => /[✓✗]|replayed/.test(l))
      .join('\n');
    expect(code, `${id}:\n${verdicts}`).toBe(0);
    expect(logged()).toMatch(/✓ ledger: \d+ events identical/);
    expect(logged()).toMatch(/✓ git: \d+ branches and tags at the same commits/);
    expect(logged()).toMatch(/replayed \d+ model call\(s\), [1-9]\d* coding-agent session\(s\)/);
  }
}

/** The recorded run's tapes hold what Governor acted on, and no key. */
function checkTapes(dir: string, worker: string, key: string): WorkerTape[] {
  const tapes = cassettes(dir).flatMap((id) => tapesOf(dir, id));
  const t4 = tapes.find((t) => t.task_id === 'T4');
  expect(t4).toMatchObject({ agent: 'Implementer', kind: worker, end: { kind: 'result', outcome: 'handed_off' } });
  const ops = new Set(t4?.entries.map((e) => e.op));
  for (const op of ['activity', 'flush', 'gate', 'gate_done', 'mcp', 'mcp_done']) expect(ops).toContain(op);
  expect(t4?.end?.kind === 'result' && t4.end.changes?.map((c) => c.path)).toContain('src/pad.js');
  for (const id of cassettes(dir))
    expect(readFileSync(join(dir, '.governor', 'cassettes', `${id}.json`), 'utf8')).not.toContain(key);
  return tapes;
}

beforeAll(() => {
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.map(String).join(' ')));
});
afterAll(() => vi.restoreAllMocks());

const concern = {
  to: 'Human',
  severity: 'warning',
  category: 'dependency',
  summary: 'padStart may be enough',
  details: 'No library needed.',
};
const handoff = {
  summary: 'Added src/pad.js with a padding helper.',
  commit_subject: 'feat(pad): add a padding helper',
  tested: 'none',
};
const PAD = "export const pad = (s, n) => String(s).padStart(n, ' ');\n";

/** T4 for the Claude-based agents: an allowed edit, a denied write outside, a concern, the handoff. */
function claudeTurns(ws: string, outside: string, extra: ScriptedTurn[] = []): ScriptedTurn[] {
  return [
    {
      text: 'Writing the padding helper.',
      tools: [{ name: 'Write', input: { file_path: join(ws, 'src/pad.js'), content: PAD } }],
    },
    ...extra,
    { tools: [{ name: 'Write', input: { file_path: outside, content: 'escaped' } }] },
    { tools: [{ name: 'mcp__governor__raise_concern', input: concern }] },
    { tools: [{ name: 'mcp__governor__handoff', input: handoff }] },
    { text: 'Handed off.' },
  ];
}

describe('replay of a Claude Code session without the binary', { timeout: 600_000 }, () => {
  let fake: FakeAnthropic;
  let dir: string;
  let bin: string;

  beforeAll(async () => {
    fake = await startFakeAnthropic();
    claudeEnv();
    bin = linkTo(bundledClaudeBinary(), 'claude');
    const proj = await claudeProject(fake);
    dir = proj.dir;
    const doc = join(dir, 'agents.yaml');
    const y = parseDocument(readFileSync(doc, 'utf8'));
    y.setIn(['agents', 'Implementer', 'command'], bin);
    writeFileSync(doc, y.toString());
    const ws = agentWorkspaceDir(dir, 'phase1/implementer');
    // A command outside the allowlist is asked, and the human allows it from another terminal.
    fake.pushFor(
      'T4',
      ...claudeTurns(ws, join(dir, '..', 'outside.txt'), [
        { tools: [{ name: 'Bash', input: { command: 'make deploy', description: 'deploy' } }] },
      ]),
    );
    fake.pushFor(
      'T5',
      { tools: [{ name: 'mcp__governor__handoff', input: { ...handoff, commit_subject: 'chore: none' } }] },
      { text: 'Done.' },
    );
  });
  afterAll(() => fake?.close().catch(() => undefined));

  it('records the run, the human deciding an ask from another terminal meanwhile', async () => {
    const run = runCommand({ dir, prompt: false });
    const ledger = new Ledger(join(dir, '.governor', 'governor.db'));
    try {
      const read = createReader(ledger.db);
      const req = await vi.waitFor(
        () => {
          const r = read.permissionRequests('pending')[0];
          if (!r) throw new Error('make deploy not asked yet');
          return r;
        },
        { timeout: 300_000, interval: 50 },
      );
      expect(req.input).toMatchObject({ command: 'make deploy' });
      const ok = await cli(['decide', req.id, 'allow', '--dir', dir, '--digest', req.input_digest.slice(0, 12)]);
      expect(ok.code, ok.stderr).toBe(0);
    } finally {
      ledger.close();
    }
    expect([0, 2, 3]).toContain(await run);
    expect(git(dir, 'show', 'phase1/implementer:src/pad.js')).toContain('padStart');
    const tapes = checkTapes(dir, 'claude-code', 'sk-ant-api03-governor-test-key');
    expect(tapes.find((t) => t.task_id === 'T4')?.entries.some((e) => e.op === 'session')).toBe(true);
  });

  it('replays it identically with the binary gone and the fake model closed', async () => {
    rmSync(bin);
    await fake.close();
    await replayEach(dir);
  });

  it('names the event and field, or the tool, where a replayed session differs', async () => {
    const id = cassettes(dir).find((c) => tapesOf(dir, c).some((t) => t.task_id === 'T4'));
    if (!id) throw new Error('no recorded T4 session');
    const file = join(dir, '.governor', 'cassettes', `${id}.json`);
    const original = readFileSync(file, 'utf8');
    const tamper = async (change: (t4: WorkerTape) => void): Promise<string> => {
      const c = JSON.parse(original) as { workers: WorkerTape[] };
      const t4 = c.workers.find((t) => t.task_id === 'T4');
      if (!t4) throw new Error('no T4 tape');
      change(t4);
      writeFileSync(file, JSON.stringify(c));
      lines.length = 0;
      try {
        expect(await replayRun(dir, id)).toBe(1);
      } finally {
        writeFileSync(file, original);
      }
      return logged();
    };
    // The agent said something else: the activity event differs, by type and field.
    const said = await tamper((t4) => {
      const a = t4.entries.find((e) => e.op === 'activity' && e.a.kind === 'message');
      if (a?.op === 'activity') a.a.text = 'Writing something else.';
    });
    expect(said).toMatch(/✗ event #\d+ \(worker\.activity\) differs at payload\.text: recorded "Writing the padding/);
    // The agent asked to write elsewhere: the gate now denies what it allowed, and the replay names the tool.
    const gated = await tamper((t4) => {
      const g = t4.entries.find((e) => e.op === 'gate' && e.tool === 'Write');
      if (g?.op === 'gate') g.input = { ...g.input, file_path: '/etc/passwd' };
    });
    expect(gated).toMatch(
      /✗ replaying Implementer's claude-code session on T4: the gate answered deny for Write, the run's allow/,
    );
  });
});

describe('replay of a Codex session without the binary', { timeout: 600_000 }, () => {
  let fake: FakeResponses;
  let dir: string;
  let bin: string;

  beforeAll(async () => {
    fake = await startFakeResponses();
    bin = linkTo(bundledCodexBinary(), 'codex');
    // An ask nobody decides times out after a second: the replay times it out at once, as recorded.
    const proj = await codexProject(fake, { command: bin, permissions: 'agent_permissions:\n  timeout_s: 1\n' });
    dir = proj.dir;
    const ws = agentWorkspaceDir(dir, 'phase1/implementer');
    fake.pushFor(
      'T4',
      { text: 'Writing the padding helper.', calls: [addFile(join(ws, 'src/pad.js'), PAD)] },
      { calls: [addFile(join(dir, '..', 'outside.txt'), 'escaped\n')] },
      { calls: [exec('make deploy')] },
      { calls: [searchTools('governor concern handoff')] },
      { calls: [governor('raise_concern', concern)] },
      { calls: [governor('handoff', handoff)] },
      { text: 'Handed off.' },
    );
  });
  afterAll(() => fake?.close().catch(() => undefined));

  it('records the run', async () => {
    expect([0, 2, 3]).toContain(await runCommand({ dir, prompt: false }));
    expect(git(dir, 'show', 'phase1/implementer:src/pad.js')).toContain('padStart');
    const tapes = checkTapes(dir, 'codex', 'sk-proj-governor-codex-test-key');
    const t4 = tapes.find((t) => t.task_id === 'T4');
    expect(t4?.entries.some((e) => e.op === 'gate_done' && e.timed_out)).toBe(true);
  });

  it('replays it identically with the binary gone and the fake model closed', async () => {
    rmSync(bin);
    await fake.close();
    await replayEach(dir);
  });
});

describe('replay of an ACP session (claude-agent-acp) without the agent', { timeout: 600_000 }, () => {
  let fake: FakeAnthropic;
  let dir: string;
  let bin: string;

  beforeAll(async () => {
    fake = await startFakeAnthropic();
    bin = linkTo(ACP_ADAPTER, 'claude-agent-acp');
    const proj = await acpProject(fake, { command: bin });
    dir = proj.dir;
    fake.pushFor('T4', ...claudeTurns(agentWorkspaceDir(dir, 'phase1/implementer'), join(dir, '..', 'outside.txt')));
  });
  afterAll(() => {
    delete process.env.ANTHROPIC_BASE_URL;
    return fake?.close().catch(() => undefined);
  });

  it('records the run', async () => {
    expect([0, 2, 3]).toContain(await runCommand({ dir, prompt: false }));
    expect(git(dir, 'show', 'phase1/implementer:src/pad.js')).toContain('padStart');
    checkTapes(dir, 'acp', 'sk-ant-api03-governor-test-key');
  });

  it('replays it identically with the adapter gone and the fake model closed', async () => {
    rmSync(bin);
    await fake.close();
    await replayEach(dir);
  });
});
