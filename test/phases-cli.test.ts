import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { stripVTControlCharacters } from 'node:util';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecisionKind } from '../shared/index.ts';
import { verifyGitAudit } from '../electron/core/git/audit-verify.ts';
import { openProject } from '../electron/core/host.ts';
import { governorAsync } from './support/cli.ts';
import { CSVJSON_BRIEF, CSVJSON_PHASES, csvjsonDecision } from './support/csvjson-human.ts';
import { type FakeLlm, startFakeLlm } from './support/fake-llm.ts';
import { type FakeTeam, fakeTeam } from './support/fake-team.ts';
import { git, tempDir } from './support/tmp.ts';

/** What the user types for each decision at `governor decide`. */
const WORD: Record<DecisionKind, string> = {
  approve: 'approve',
  approve_with_conditions: 'conditions',
  request_clarification: 'clarify',
  request_changes: 'changes',
  defer: 'defer',
  reject: 'reject',
};

/** The real CLI in a second process; asynchronous, since the fake model server answers from this one. */
function cli(args: string[], cwd?: string): Promise<{ code: number | null; out: string }> {
  const child = governorAsync(args, cwd ? { cwd } : {});
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += String(d)));
  child.stderr?.on('data', (d: Buffer) => (out += String(d)));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out }));
  });
}

/**
 * The judge after every command: the ledger's hash chain, every export against the ledger and the git
 * audit (git_actions.jsonl, the notes, the history) — the checks of `governor audit verify --git`, run here
 * in process to keep a 40-command story affordable — and the real git CLI's `git fsck --full`.
 */
async function assertClean(dir: string, after: string): Promise<void> {
  const p = await openProject(dir);
  try {
    expect(p.ledger.verify().ok, `ledger chain after ${after}`).toBe(true);
    expect(await p.exporter.verify(), `exports after ${after}`).toEqual([]);
    expect(await verifyGitAudit(p), `git audit after ${after}`).toEqual([]);
  } finally {
    p.close();
  }
  const fsck = spawnSync('git', ['-C', dir, 'fsck', '--full'], { encoding: 'utf8' });
  expect(fsck.status, `git fsck after ${after}: ${fsck.stderr}`).toBe(0);
  expect(`${fsck.stdout}${fsck.stderr}`, `git fsck after ${after}`).not.toMatch(/dangling|missing|broken|error/i);
}

/** The pending reviews `governor run --no-prompt` lists when it stops at a human gate. */
function pendingIn(out: string): Array<{ id: string; kind: string; phase: number }> {
  return [...out.matchAll(/^(review_\d{4})\s+(\w+)\s+(.+?)\s{2}impact/gm)].map((m) => ({
    id: m[1] ?? '',
    kind: m[2] ?? '',
    phase: Number(/phase (\d+)/i.exec(m[3] ?? '')?.[1] ?? 0),
  }));
}

describe("a user's own brief, on a model runtime, through three phases to its release (the real CLI)", () => {
  let fake: FakeLlm;
  let team: FakeTeam;
  let root: string;
  const dir = () => join(root, 'csvjson');
  beforeAll(async () => {
    team = fakeTeam();
    fake = await startFakeLlm({ respond: (r) => team.respond(r) });
    root = tempDir();
  });
  afterAll(async () => {
    await fake?.close();
  });

  it('init → doctor → every gate of every phase decided at the CLI → v1.0.0, clean after each command', async () => {
    const init = await cli(
      [
        'init',
        'csvjson',
        '--brief',
        CSVJSON_BRIEF,
        '--runtime',
        'openai-compatible:fake-model',
        '--base-url',
        `${fake.url}/v1`,
      ],
      root,
    );
    expect(init.code, init.out).toBe(0);
    expect(init.out).toMatch(/every role runs on openai-compatible:fake-model/);
    // No ledger exists until the project is first opened: the first judgement is after the first command that opens it.

    const doctor = await cli(['doctor', '--dir', dir()]);
    expect(doctor.code, doctor.out).toBe(0);
    expect(doctor.out).toMatch(/structured output: JSON-schema output works/);
    expect(doctor.out).toMatch(/tool calling: the model calls tools/);

    const asked = new Map<string, number>();
    const decisions: DecisionKind[] = [];
    let commands = 0;
    let last = { code: null as number | null, out: '' };
    for (let guard = 0; guard < 40; guard++) {
      last = await cli(['run', '--dir', dir(), '--no-prompt']);
      commands++;
      await assertClean(dir(), `run #${guard + 1}: ${last.out.slice(-3000)}`);
      if (last.code === 0) break;
      expect(last.code, last.out).toBe(2);
      const pending = pendingIn(last.out);
      expect(pending.length, last.out).toBeGreaterThan(0);
      for (const r of pending) {
        const key = `${r.phase}/${r.kind}`;
        asked.set(key, (asked.get(key) ?? 0) + 1);
        const d = csvjsonDecision({ kind: r.kind, phase: r.phase }, asked.get(key) ?? 1);
        const res = await cli([
          'decide',
          r.id,
          WORD[d.decision],
          '--dir',
          dir(),
          ...(d.comment ? ['--comment', d.comment] : []),
        ]);
        expect(res.code, res.out).toBe(0);
        decisions.push(d.decision);
        commands++;
        await assertClean(dir(), `decide ${r.id} ${d.decision}`);
      }
    }
    expect(last.out).toMatch(/csvjson released as v1\.0\.0: every phase of the roadmap is promoted/);
    expect(new Set(decisions)).toEqual(
      new Set(['approve', 'request_changes', 'request_clarification', 'approve_with_conditions']),
    );
    expect(commands).toBeGreaterThan(30);

    // The real `governor audit verify --git` agrees at the end.
    const verify = await cli(['audit', 'verify', '--git', '--dir', dir()]);
    expect(verify.code, verify.out).toBe(0);

    // Three phases, as the human's plan reviews reshaped the roadmap (drop, add, reorder), each released.
    const d = dir();
    expect(git(d, 'tag', '--list').trim().split('\n')).toEqual(['v0.1.0', 'v0.2.0', 'v0.3.0', 'v1.0.0']);
    expect(git(d, 'rev-parse', 'v1.0.0^{commit}')).toBe(git(d, 'rev-parse', 'v0.3.0^{commit}'));
    expect(git(d, 'cat-file', '-p', 'v1.0.0')).toMatch(/^tagger Human/m);
    expect(git(d, 'show', 'v0.1.0:src/csv.js')).toMatch(/export function parseCsv/);
    expect(git(d, 'show', 'v0.2.0:src/convert.js')).toMatch(/export function csvToJson/);
    expect(git(d, 'show', 'v1.0.0:bin/csvjson.js')).toMatch(/run\(process\.argv/);
    for (const b of ['phase1/implementer', 'phase2/implementer', 'phase3/implementer', 'phase3/tester'])
      expect(git(d, 'rev-parse', '--verify', b).trim()).toMatch(/^[0-9a-f]{40}$/);
    // The final report is in the release, exactly as the ledger renders it afterwards.
    const report = readFileSync(join(d, 'FINAL_REPORT.md'), 'utf8');
    expect(git(d, 'show', 'v1.0.0:FINAL_REPORT.md')).toBe(report);
    expect(report).toMatch(/✅ Release approved by Human .* — Ship it\./);
    for (const [i, name] of CSVJSON_PHASES.entries()) expect(report).toContain(`| ${i + 1} | ${name} |`);
    expect(report).toMatch(
      /Conditions the human set:\n\n- Phase 2, Phase 2 test plan: Also cover an empty cell and a header-only file\./,
    );

    const p = await openProject(d);
    try {
      expect(p.read.project()).toMatchObject({ stage: 'released', phase: 3 });
      expect(p.read.project()?.roadmap.map((r) => `${r.number} ${r.name} ${r.status}`)).toEqual([
        '1 Parser promoted',
        '2 Type inference promoted',
        '3 CLI promoted',
      ]);
      // Phase 2's plan was written from what phase 1 taught.
      const plan2 = fake.requests.find((r) => JSON.stringify(r.body).includes('Plan phase 2 of the project'));
      expect(JSON.stringify(plan2?.body)).toMatch(/What the earlier phases taught/);
      expect(JSON.stringify(plan2?.body)).toMatch(/Phase 1, iteration 1: 5\/5 tests passed/);
      // The Tester's warning concern was worked by the Implementer, not left to the human: a follow-up task
      // that changed nothing (said as such), and the concern settled by the Implementer.
      const concern = p.read.concerns().find((c) => c.category === 'design_gap');
      expect(concern).toMatchObject({ from: 'Tester', to: 'Implementer', status: 'resolved', escalations: [] });
      const followUp = p.read.tasks().find((t) => t.links.includes(concern?.id ?? '-'));
      expect(followUp).toMatchObject({
        agent: 'Implementer',
        commentary: expect.stringMatching(/^No change: Intended/),
      });
      const turn = p.ledger
        .readTypes(['task.updated'])
        .find(
          (e) =>
            (e.payload as { task_id: string; commentary: string | null }).task_id === followUp?.id &&
            e.actor === 'Implementer' &&
            (e.payload as { commentary: string | null }).commentary?.startsWith('No change'),
        );
      expect(turn?.payload).toMatchObject({ status: 'No Change' });
      const resolved = p.ledger
        .readTypes(['concern.resolved'])
        .find((e) => (e.payload as { concern_id: string }).concern_id === concern?.id);
      expect(resolved?.actor).toBe('Implementer');
      // Tasks ids run on across phases; every phase had its implementation and its Tester test task, done.
      for (const phase of [1, 2, 3]) {
        const tasks = p.read.tasks().filter((t) => t.phase === phase);
        expect(
          tasks.some((t) => t.agent === 'Implementer' && t.title.startsWith('Implement') && t.status === 'Done'),
        ).toBe(true);
        expect(
          tasks.some((t) => t.agent === 'Tester' && t.title.startsWith('Write and run') && t.status === 'Done'),
        ).toBe(true);
      }
      expect(new Set(p.read.tasks().map((t) => t.id)).size).toBe(p.read.tasks().length);
      // The gates: the named e2e suite ran in every phase, so each phase was a promotion candidate.
      const lastGates = [1, 2, 3].map((ph) =>
        p.read
          .gates()
          .filter((g) => g.phase === ph)
          .at(-1),
      );
      expect(lastGates.map((g) => g?.outcome)).toEqual([
        'promotion_candidate',
        'promotion_candidate',
        'promotion_candidate',
      ]);
    } finally {
      p.close();
    }
    // The Tester ran the tests it wrote against the implementation in its workspace, and read the results.
    const runResults = fake.requests.flatMap((r) =>
      ((r.body as { messages?: Array<{ role: string; content?: unknown }> }).messages ?? [])
        .filter((m) => m.role === 'tool')
        .map((m) => JSON.stringify(m.content)),
    );
    expect(runResults.some((t) => /unit: 4 passed, 0 failed, 0 skipped of 4/.test(t))).toBe(true);
    expect(runResults.some((t) => /e2e: 2 passed, 0 failed, 0 skipped of 2/.test(t))).toBe(true);
    expect(team.asked).toContain('clarify');
  }, 1_800_000);

  it('replays each recorded run of the project identically, with the fake model server closed', async () => {
    await fake.close();
    const runs = readdirSync(join(dir(), '.governor', 'cassettes'))
      .map((f) => f.replace(/\.json$/, ''))
      .sort();
    // One recording per `governor run` of the story above.
    expect(runs.length).toBeGreaterThan(10);
    for (const id of runs) {
      const r = await cli(['run', '--replay', id, '--dir', dir()]);
      const said = stripVTControlCharacters(r.out);
      expect(r.code, `${id}:\n${said.slice(-3000)}`).toBe(0);
      expect(said).toMatch(/✓ ledger: \d+ events identical/);
      expect(said).toMatch(/✓ git: \d+ branches and tags at the same commits/);
    }
  }, 1_800_000);
});
