import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Review } from '../shared/index.ts';
import { agentNames } from '../shared/index.ts';
import { createApi, createLoopRunner, dispatch } from '../electron/core/api.ts';
import { type OpenedProject, openProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import { handleCommand } from '../electron/core/workflow/commands.ts';
import { decideReview } from '../electron/core/workflow/decisions.ts';
import { runLoop } from '../electron/core/workflow/loop.ts';
import { raiseConcern } from '../electron/core/workflow/records.ts';
import { mergeRoadmap, renumberTasks } from '../electron/core/workflow/stages/authored.ts';
import { workspaceDir } from '../electron/core/workflow/work-dirs.ts';
import { governor } from './support/cli.ts';
import { CSVJSON_BRIEF, csvjsonDecision } from './support/csvjson-human.ts';
import { type FakeLlm, startFakeLlm } from './support/fake-llm.ts';
import { fakeTeam } from './support/fake-team.ts';
import { git, tempDir } from './support/tmp.ts';

const command = (p: OpenedProject, text: string) =>
  handleCommand({ ledger: p.ledger, read: p.read, agents: agentNames(p.agentsFile), gitStatus: async () => '' }, text, {
    user: 'Human',
    source: 'cli',
  });

/** Commit a config edit as the user would. */
function commitConfig(dir: string, file: string, edit: (doc: ReturnType<typeof parseDocument>) => void): void {
  const doc = parseDocument(readFileSync(join(dir, file), 'utf8'));
  edit(doc);
  writeFileSync(join(dir, file), doc.toString());
  git(dir, '-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-qm', `chore: edit ${file}`, '--', file);
}

/** Run the loop and decide as the csvjson human does, until `until` holds or the loop needs something else. */
async function drive(p: OpenedProject, until: () => boolean): Promise<void> {
  const asked = new Map<string, number>();
  for (let i = 0; i < 40 && !until(); i++) {
    await runLoop(p);
    if (until()) return;
    const pending: Review[] = p.read.pendingReviews();
    if (pending.length === 0) return;
    for (const r of pending) {
      const key = `${r.phase}/${r.kind}`;
      asked.set(key, (asked.get(key) ?? 0) + 1);
      decideReview(p.ledger, p.read, { reviewId: r.id, ...csvjsonDecision(r, asked.get(key) ?? 1), source: 'cli' });
    }
  }
}

describe('a runtime that cannot run the team is caught before the first step', () => {
  it('the scripted runtime refuses another brief, once, with the ways on; fixing agents.yaml settles it', async () => {
    const dir = join(tempDir(), 'mine');
    await initProject(dir, { name: 'mine', brief: CSVJSON_BRIEF });
    let p = await openProject(dir);
    try {
      const out = await runLoop(p);
      expect(out).toMatchObject({ steps: 0, state: 'needs_setup' });
      expect(out.waitingOn[0]).toMatch(
        /^The scripted runtime only plays the sample project \("build base backtester skeleton"\)/,
      );
      expect(out.waitingOn[0]).toMatch(/Your brief is: "a CLI that converts CSV to JSON"/);
      expect(out.waitingOn[0]).toMatch(
        /anthropic:claude-sonnet-4-5[\s\S]*ollama:qwen2\.5-coder[\s\S]*openai-compatible:<model>[\s\S]*runtime: claude-code/,
      );
      expect((await runLoop(p)).state).toBe('needs_setup');
      const setup = p.read.openConcerns().filter((c) => c.category === 'runtime_setup');
      expect(setup).toHaveLength(1);
      expect(setup[0]).toMatchObject({ severity: 'critical', to: 'Human', from: 'System' });
      expect(p.read.artifacts()).toEqual([]);
    } finally {
      p.close();
    }
    const fake = await startFakeLlm({ respond: (r) => fakeTeam().respond(r) });
    try {
      commitConfig(dir, 'agents.yaml', (doc) => {
        for (const role of ['ProjectManager', 'Designer', 'Implementer', 'Tester']) {
          doc.setIn(['agents', role, 'runtime'], 'openai-compatible:fake-model');
          doc.setIn(['agents', role, 'base_url'], `${fake.url}/v1`);
        }
      });
      p = await openProject(dir);
      const out = await runLoop(p);
      expect(out.state).toBe('waiting_human');
      expect(p.read.concerns().find((c) => c.category === 'runtime_setup')).toMatchObject({
        status: 'resolved',
        resolution: 'the configured runtimes can now run the team',
      });
      expect(p.read.pendingReviews().map((r) => r.kind)).toEqual(['plan']);
    } finally {
      p.close();
      await fake.close();
    }
  });

  it('the sample played with the wrong team size is refused up front, not as a projection error', async () => {
    const dir = join(tempDir(), 'backtester');
    await initProject(dir, { sample: true });
    commitConfig(dir, 'agents.yaml', (doc) => doc.setIn(['agents', 'Implementer', 'count'], 1));
    const p = await openProject(dir);
    try {
      const out = await runLoop(p);
      expect(out.state).toBe('needs_setup');
      expect(out.waitingOn[0]).toMatch(/plays the sample with .*Implementer-2.*Set Implementer `count: 2`/);
    } finally {
      p.close();
    }
  });

  it('a model without its key is named before the first step', async () => {
    const dir = join(tempDir(), 'keyless');
    await initProject(dir, { name: 'keyless', brief: 'anything', runtime: 'anthropic:claude-sonnet-4-5' });
    const before = process.env.ANTHROPIC_API_KEY;
    delete process.env.ANTHROPIC_API_KEY;
    const p = await openProject(dir);
    try {
      const out = await runLoop(p);
      expect(out.state).toBe('needs_setup');
      expect(out.waitingOn[0]).toMatch(
        /^ProjectManager, Designer, Implementer, Tester: anthropic:claude-sonnet-4-5 needs an API key: set ANTHROPIC_API_KEY|needs an API key: set ANTHROPIC_API_KEY/,
      );
    } finally {
      p.close();
      if (before !== undefined) process.env.ANTHROPIC_API_KEY = before;
    }
  });
});

describe('the default init path, with no model', () => {
  it('gives the ways on, with no stack trace, at the CLI', () => {
    const root = tempDir();
    expect(governor(['init', 'mine', '--brief', CSVJSON_BRIEF], { cwd: root }).code).toBe(0);
    const run = governor(['run', '--dir', join(root, 'mine'), '--no-prompt']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /The configured runtimes cannot run this project yet:\n {2}The scripted runtime only plays the sample project/,
    );
    expect(run.stdout).toMatch(/Edit agents.yaml, check it with `governor doctor`, then `governor run` again\./);
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/\n\s+at |Error:|projection:/);
    const doctor = governor(['doctor', '--dir', join(root, 'mine')]);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/✗ scripted[\s\S]*call: The scripted runtime only plays the sample project/);
  });

  it('the scripted sample says where its script ends once phase 1 is promoted', async () => {
    const dir = join(tempDir(), 'backtester');
    await initProject(dir, { sample: true });
    const p = await openProject(dir);
    try {
      await runLoop(p);
      decideReview(p.ledger, p.read, { reviewId: 'review_0001', decision: 'approve', comment: '', source: 'cli' });
      await runLoop(p);
      // The end of phase 1 as the promotion records it (the whole sample run is full-loop.test.ts's story).
      p.ledger.append([
        {
          type: 'phase.promoted',
          actor: 'Human',
          payload: { phase: 1, tag: 'v0.1.0', commit: git(dir, 'rev-parse', 'main').trim(), next_phase: 2 },
        },
      ]);
      const out = await runLoop(p);
      expect(out.state).toBe('done');
      expect(out.waitingOn.at(-1)).toMatch(
        /^The scripted runtime's script ends with phase 1 of the sample project; it cannot plan phase 2\.\nTo go on, set `runtime:` in agents.yaml to one of:/,
      );
      expect(p.read.project()).toMatchObject({ phase: 1, stage: 'promoted' });
      expect(await command(p, '/phase')).toMatchObject({
        response: expect.stringMatching(/Next: phase 2 — Parameter optimizer/),
      });
    } finally {
      p.close();
    }
  });
});

describe('after a promotion (model runtime, next_phase: on_command)', () => {
  let fake: FakeLlm;
  let dir: string;
  let p: OpenedProject;
  beforeAll(async () => {
    fake = await startFakeLlm({ respond: (r) => fakeTeam().respond(r) });
    dir = join(tempDir(), 'csvjson');
    await initProject(dir, {
      name: 'csvjson',
      brief: CSVJSON_BRIEF,
      runtime: 'openai-compatible:fake-model',
      baseUrl: `${fake.url}/v1`,
    });
    commitConfig(dir, '.project_policies.yaml', (doc) => doc.setIn(['promotion_policy', 'next_phase'], 'on_command'));
    p = await openProject(dir);
    await drive(p, () => p.read.project()?.stage === 'promoted');
  }, 600_000);
  afterAll(async () => {
    p?.close();
    await fake?.close();
  });

  it('waits for the human, saying which phase is next and how to start it', async () => {
    expect(p.read.project()).toMatchObject({ phase: 1, stage: 'promoted' });
    const out = await runLoop(p);
    expect(out.state).toBe('waiting_human');
    expect(out.waitingOn).toContain(
      'phase 2 — CLI is next: start it with `/phase next` (or Start phase 2 on the dashboard)',
    );
    const list = await command(p, '/phase');
    expect(list.response).toMatch(
      /▶ Phase 1 — Parser: promoted \(v0\.1\.0\)\n {4}Phase 2 — CLI: planned\n {4}Phase 3 — Type inference: planned\nNext: phase 2 — CLI \(`\/phase next` starts it\)\./,
    );
  });

  it("keeps agents' workspaces and QA checkouts out of the project, so `node --test` at its root sees each test once", () => {
    expect(existsSync(join(dir, '.governor', 'workspaces'))).toBe(false);
    expect(existsSync(join(dir, '.governor', 'qa'))).toBe(false);
    expect(existsSync(join(workspaceDir(dir, 'phase1/tester'), 'tests', 'csv.test.js'))).toBe(true);
    git(dir, 'checkout', '-q', 'main');
    const r = spawnSync(process.execPath, ['--test'], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^# tests 5$/m); // tests/csv.test.js (4) and e2e/parse-file.test.js (1): no copies
  });

  it("starts the next phase from the contract (phase.next, as the dashboard does), recorded as the human's command", async () => {
    const loop = createLoopRunner(p, () => {});
    const api = createApi(p, loop, { user: 'Human', source: 'ui' });
    const r = await dispatch(api, 'phase.next', {});
    expect(r).toMatchObject({ ok: true, response: "Phase 2 — CLI started: the PM plans it on the loop's next step." });
    await loop.idle();
    expect(p.read.project()).toMatchObject({ phase: 2 });
    expect(p.read.commands().at(-1)).toMatchObject({ cmd: '/phase', target: 'next', source: 'ui' });
    const again = await command(p, '/phase next');
    expect(again).toMatchObject({
      ok: false,
      response: expect.stringMatching(/^phase 2 is at plan review; the next phase starts once it is promoted/),
    });
    expect(p.read.pendingReviews().map((x) => `${x.kind} ${x.phase}`)).toEqual(['plan 2']);
    // The PM planned phase 2 from phase 1: the lessons went into the prompt, the task ids ran on.
    const prompt = JSON.stringify(
      fake.requests.filter((x) => JSON.stringify(x.body).includes('Plan phase 2 of the project')).at(-1)?.body,
    );
    expect(prompt).toMatch(/What the earlier phases taught/);
    expect(prompt).toMatch(/Phase 1 promoted as v0\.1\.0/);
    expect(
      p.read
        .tasks()
        .filter((t) => t.phase === 2)
        .map((t) => t.id),
    ).toEqual(['T6', 'T7', 'T8', 'T9', 'T10']);
  });

  it("a warning concern addressed to an agent is that agent's to work, in any stage, not the human's", async () => {
    const id = p.ledger.transact((tx) =>
      raiseConcern(
        tx,
        {
          phase: 2,
          from: 'Tester',
          to: 'Implementer',
          severity: 'warning',
          category: 'design_gap',
          summary: 'csvToJson drops cells beyond the header',
          details: 'Intended?',
        },
        new Date().toISOString(),
      ),
    );
    const out = await runLoop(p);
    expect(out.waitingOn.some((w) => w.includes(id))).toBe(false);
    expect(p.read.concern(id)).toMatchObject({
      status: 'acknowledged',
      to: 'Implementer',
      response: expect.stringMatching(/intended/),
    });
    expect(p.read.tasks().find((t) => t.links.includes(id))).toMatchObject({
      agent: 'Implementer',
      phase: 2,
      status: 'To Do',
      title: `Address ${id}: csvToJson drops cells beyond the header`,
    });
    expect(p.read.pendingReviews().map((x) => `${x.kind} ${x.phase}`)).toEqual(['plan 2']);
  });
});

describe('failures settle cleanly', () => {
  it('/resume settles the failure concern that paused the agent; /resolve takes several ids, all or none', async () => {
    const fake = await startFakeLlm({ replies: [{ error: { status: 401 } }] });
    const dir = join(tempDir(), 'failing');
    await initProject(dir, {
      name: 'failing',
      brief: 'anything',
      runtime: 'openai-compatible:fake-model',
      baseUrl: `${fake.url}/v1`,
    });
    const p = await openProject(dir);
    try {
      await runLoop(p);
      const failure = p.read.openConcerns().find((c) => c.category === 'runtime_failure');
      expect(failure).toMatchObject({ from: 'ProjectManager', severity: 'critical' });
      expect(p.read.agent('ProjectManager')?.status).toBe('paused');
      const res = await command(p, '/resume ProjectManager');
      expect(res).toMatchObject({ ok: true, response: `ProjectManager resumed. Settled ${failure?.id}.` });
      expect(p.read.concern(failure?.id ?? '')).toMatchObject({
        status: 'resolved',
        resolution: 'ProjectManager resumed by the human',
      });
      expect(p.read.agent('ProjectManager')?.status).toBe('idle');

      const ids = p.ledger.transact((tx) =>
        [1, 2, 3].map((n) =>
          raiseConcern(
            tx,
            {
              phase: 1,
              from: 'Tester',
              to: 'Human',
              severity: 'warning',
              category: 'test_failure',
              summary: `flaky ${n}`,
              details: '',
            },
            new Date().toISOString(),
          ),
        ),
      );
      const bad = await command(p, `/resolve ${ids[0]},concern_0099 done`);
      expect(bad).toMatchObject({ ok: false, response: expect.stringMatching(/concern_0099/) });
      expect(p.read.concern(ids[0] ?? '')?.status).toBe('open');
      const good = await command(
        p,
        `/resolve ${ids[0]?.replace('concern_', '')},${ids[1]} ${ids[2]} 2 retries fixed it`,
      );
      expect(good).toMatchObject({ ok: true, response: `Concerns ${ids.join(', ')} resolved.` });
      expect(ids.map((id) => p.read.concern(id)?.resolution)).toEqual([
        '2 retries fixed it',
        '2 retries fixed it',
        '2 retries fixed it',
      ]);
    } finally {
      p.close();
      await fake.close();
    }
  });
});

describe('plans across phases', () => {
  const task = (id: string, depends_on: string[] = []) => ({
    id,
    title: id,
    agent: 'Implementer',
    depends_on,
    commentary: '',
    links: [],
  });
  it("a later phase's T1… is renumbered after the ids in use, dependencies following; a revision maps the same way", () => {
    const taken = new Map([
      ['T1', 1],
      ['T2', 1],
      ['T5', 1],
    ]);
    const once = renumberTasks([task('T1'), task('T2', ['T1'])], taken, 2);
    expect(once.map((t) => `${t.id}<${t.depends_on.join(',')}`)).toEqual(['T6<', 'T7<T6']);
    expect(
      renumberTasks([task('T1'), task('T2', ['T1'])], new Map([...taken, ['T6', 2], ['T7', 2]]), 2).map((t) => t.id),
    ).toEqual(['T6', 'T7']);
    expect(renumberTasks([task('T1')], new Map(), 1).map((t) => t.id)).toEqual(['T1']);
  });

  it("the roadmap keeps promoted phases as they were and numbers the PM's phases on, in its order", () => {
    const current = [
      { number: 1, name: 'Parser', goal: 'g', deliverables: [], status: 'promoted' as const },
      { number: 2, name: 'CLI', goal: 'g', deliverables: [], status: 'planned' as const },
    ];
    const proposed = [
      { number: 1, name: 'Rewritten history', goal: 'no', deliverables: [] },
      { number: 3, name: 'CLI', goal: 'g', deliverables: [] },
      { number: 2, name: 'Type inference', goal: 'g', deliverables: [] },
    ];
    expect(mergeRoadmap(current, proposed, 2).map((r) => `${r.number} ${r.name} ${r.status}`)).toEqual([
      '1 Parser promoted',
      '2 Type inference active',
      '3 CLI planned',
    ]);
  });
});
