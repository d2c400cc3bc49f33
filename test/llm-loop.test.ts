import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import { decideReview } from '../electron/core/workflow/decisions.ts';
import { nextStep, runLoop } from '../electron/core/workflow/loop.ts';
import { governor, governorAsync } from './support/cli.ts';
import { type FakeLlm, type FakeReply, startFakeLlm } from './support/fake-llm.ts';
import { git, tempDir } from './support/tmp.ts';
import { ADDER_TASKS } from './support/adder-plan.ts';

const KEY = 'sk-test-loop-0123456789SECRETKEY';
const md = (title: string) => `# ${title}\n\n${'A concrete paragraph for the human reviewer. '.repeat(3)}\n`;
const PLAN = {
  requirements: md('Requirements'),
  agent_tasks: md('Agent tasks'),
  roadmap: [
    { number: 1, name: 'Adder', goal: 'add numbers', deliverables: ['src/add.js'] },
    { number: 2, name: 'Subtractor', goal: 'subtract', deliverables: [] },
  ],
  tasks: ADDER_TASKS,
  kpis: [{ name: 'coverage', target: '≥ 80%' }],
  risks: ['none'],
};
const TEST_JS =
  "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\n" +
  "import { add } from '../src/add.js';\ntest('adds', () => assert.equal(add(2, 3), 5));\n";

/** What the fake model answers for each step the loop is about to take. */
function repliesFor(describe: string): FakeReply[] {
  if (describe === 'plan the phase') return [{ json: PLAN, usage: { input: 900, output: 400 } }];
  if (describe === 'design the phase')
    return [{ json: { design_spec: md('Design spec'), architecture: md('Architecture') } }];
  if (describe === 'write the test plan') return [{ json: { test_plan: md('Test plan') } }];
  if (describe.startsWith('Implementer: T4'))
    return [
      {
        toolCalls: [
          { name: 'write_file', args: { path: 'package.json', content: '{ "type": "module" }\n' } },
          { name: 'write_file', args: { path: 'src/add.js', content: 'export const add = (a, b) => a + b;\n' } },
        ],
      },
      {
        toolCalls: [
          { name: 'handoff', args: { summary: 'add() written', commit_subject: 'feat(adder): add numbers' } },
        ],
      },
    ];
  if (describe.startsWith('Tester: T5'))
    return [
      { toolCalls: [{ name: 'write_file', args: { path: 'tests/add.test.js', content: TEST_JS } }] },
      {
        toolCalls: [
          { name: 'handoff', args: { summary: 'tests written', commit_subject: 'test(adder): cover add()' } },
        ],
      },
    ];
  return [];
}

async function modelProject(fake: FakeLlm, extraPolicy = ''): Promise<string> {
  const dir = join(tempDir(), 'adder');
  await initProject(dir, { name: 'adder', brief: 'A tiny adder, built by models.' });
  const agent = (esc: string) =>
    `    runtime: openai:gpt-4o-mini\n    base_url: ${fake.url}/v1\n    escalates_to: ${esc}\n`;
  writeFileSync(
    join(dir, 'agents.yaml'),
    `project: adder\nbrief: A tiny adder, built by models.\nagents:\n  ProjectManager:\n` +
      `${agent('Human')}  Designer:\n${agent('ProjectManager')}  Implementer:\n` +
      `${agent('Designer')}  Tester:\n${agent('ProjectManager')}`,
  );
  writeFileSync(
    join(dir, '.project_policies.yaml'),
    `merge_policy:\n  auto_merge_if:\n    - all_tests_passed: true\n  require_human_if:\n` +
      `    - gate_fail: true\n    - phase_promotion: true\npromotion_policy:\n` +
      `  e2e_tests_required: true\n  reproducibility_min: 95\n` +
      `  docs_required: [PROJECT_OVERVIEW.md]\ntests:\n  - name: unit\n` +
      `    command: mkdir -p reports && node --test --test-reporter=junit ` +
      `--test-reporter-destination=reports/junit.xml tests/*.test.js\n` +
      `    junit: reports/junit.xml\n    timeout_s: 60\n${extraPolicy}`,
  );
  git(dir, '-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-qam', 'chore: use models');
  return dir;
}

function governorAwait(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = governorAsync(args);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

/** Every byte under the folder, plus everything git history holds, as text to search. */
function everything(dir: string): string {
  const parts: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else parts.push(readFileSync(p, 'latin1'));
    }
  };
  walk(dir);
  parts.push(
    execFileSync('git', ['-C', dir, 'log', '--all', '-p', '--show-notes=audit'], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    }),
  );
  return parts.join('\n');
}

describe('the governed loop with model runtimes (AI SDK → local fake provider)', () => {
  let fake: FakeLlm;
  const envBefore = process.env.OPENAI_API_KEY;
  beforeAll(async () => {
    fake = await startFakeLlm();
    process.env.OPENAI_API_KEY = KEY;
  });
  afterAll(async () => {
    await fake?.close();
    if (envBefore === undefined) delete process.env.OPENAI_API_KEY;
    else process.env.OPENAI_API_KEY = envBefore;
  });

  it('runs plan → promotion end to end, costs are counted, and the key is nowhere in the project', async () => {
    const dir = await modelProject(fake);
    const p = await openProject(dir);
    try {
      for (let i = 0; i < 80 && p.read.project()?.stage !== 'promoted'; i++) {
        const step = nextStep(p);
        if (!step) {
          for (const r of p.read.pendingReviews())
            decideReview(p.ledger, p.read, { reviewId: r.id, decision: 'approve', comment: 'ok', source: 'cli' });
          continue;
        }
        fake.push(...repliesFor(step.describe));
        await runLoop(p, { maxSteps: 1 });
      }
      expect(p.read.project()?.stage).toBe('promoted');
      expect(fake.pending).toBe(0);
      expect(git(dir, 'show', 'v0.1.0:src/add.js')).toBe('export const add = (a, b) => a + b;\n');
      expect(p.read.gates().at(-1)).toMatchObject({ green: true, totals: { passed: 1, failed: 0 } });
      expect(readFileSync(join(dir, 'REQUIREMENTS.md'), 'utf8')).toMatch(
        /r1 by ProjectManager \(openai:gpt-4o-mini\)|r1 by ProjectManager/,
      );
      expect(readFileSync(join(dir, 'REQUIREMENTS.md'), 'utf8')).not.toMatch(/scripted/);
      const pm = p.read.agent('ProjectManager');
      expect(pm?.tokens_in).toBeGreaterThanOrEqual(900);
      expect(pm?.cost_usd).toBeGreaterThan(0);
      const status = governor(['status', '--dir', dir]).stdout;
      expect(status).toMatch(/Spend: \$0\.\d\d/);
    } finally {
      p.close();
    }
    expect(everything(dir)).not.toContain(KEY);
  });

  it('a budget breach raises a concern to the human and pauses the agent', async () => {
    const dir = await modelProject(fake, 'budgets:\n  per_agent:\n    ProjectManager: { usd: 0.0001 }\n');
    const p = await openProject(dir);
    try {
      fake.push(...repliesFor('plan the phase'));
      await runLoop(p, { maxSteps: 1 });
      const concern = p.read.openConcerns().find((c) => c.category === 'budget');
      expect(concern).toMatchObject({
        severity: 'critical',
        to: 'Human',
        summary: expect.stringMatching(/ProjectManager spent \$0\.\d+ of its \$0\.0001 budget/),
      });
      expect(p.read.agent('ProjectManager')?.status).toBe('paused');
    } finally {
      p.close();
    }
  });

  it('a model failure becomes a concern and pauses the agent instead of crashing the loop', async () => {
    const dir = await modelProject(fake);
    const p = await openProject(dir);
    try {
      fake.push({ error: { status: 401 } });
      const out = await runLoop(p);
      expect(out.state).not.toBe('aborted');
      const concern = p.read.openConcerns().find((c) => c.category === 'runtime_failure');
      expect(concern?.summary).toMatch(/rejected the API key \(401\)/);
      expect(concern?.details).toMatch(/\/resume ProjectManager/);
      expect(p.read.agent('ProjectManager')?.status).toBe('paused');
    } finally {
      p.close();
    }
  });

  it('records a run to a cassette without the key, and replays it with no network to the same ledger and files', async () => {
    const dir = await modelProject(fake);
    fake.push(...repliesFor('plan the phase'));
    // Asynchronous: the fake provider lives in this process and must keep answering while the CLI runs.
    const run = await governorAwait(['run', '--dir', dir, '--no-prompt']);
    expect(run.code, run.stdout + run.stderr).toBe(2);
    const runId = /recording this run as (run_\S+)/.exec(run.stdout)?.[1] ?? '';
    expect(runId).toMatch(/^run_/);
    const cassette = readFileSync(join(dir, '.governor', 'cassettes', `${runId}.json`), 'utf8');
    expect(cassette).not.toContain(KEY);
    expect(JSON.parse(cassette).calls).toHaveLength(1);
    const served = fake.requests.length;
    const replay = await governorAwait(['run', '--dir', dir, '--replay', runId]);
    expect(replay.code, replay.stdout + replay.stderr).toBe(0);
    expect(replay.stdout).toMatch(/events identical to the recorded run/);
    expect(replay.stdout).toMatch(/files byte-identical/);
    expect(fake.requests.length).toBe(served);
  });
});
