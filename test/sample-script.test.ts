import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SampleScript } from '../electron/core/agents/scripted/script-schema.ts';
import { AgentsFile, agentNames, PoliciesFile } from '../shared/config.ts';

const SAMPLE = fileURLToPath(new URL('../resources/sample/', import.meta.url));
const FILES = path.join(SAMPLE, 'files');

const readYaml = async (name: string): Promise<unknown> => parse(await readFile(path.join(SAMPLE, name), 'utf8'));

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(path.join(dir, entry.name), rel)));
    else out.push(rel);
  }
  return out.sort();
}

let script: SampleScript;
let agents: AgentsFile;
let policies: PoliciesFile;

beforeAll(async () => {
  script = SampleScript.parse(await readYaml('script.yaml'));
  agents = AgentsFile.parse(await readYaml('agents.yaml'));
  policies = PoliciesFile.parse(await readYaml('project_policies.yaml'));
});

describe('sample project configuration', () => {
  it('agents.yaml defines the demo team on the scripted runtime with the seed escalation chain', () => {
    expect(agentNames(agents)).toEqual(['ProjectManager', 'Designer', 'Implementer', 'Implementer-2', 'Tester']);
    for (const role of ['ProjectManager', 'Designer', 'Implementer', 'Tester'] as const) {
      expect(agents.agents[role].runtime).toBe('scripted');
    }
    expect(agents.agents.Implementer.escalates_to).toBe('Designer');
    expect(agents.agents.Designer.escalates_to).toBe('ProjectManager');
    expect(agents.agents.Tester.escalates_to).toEqual(['Implementer', 'ProjectManager']);
    expect(agents.agents.ProjectManager.escalates_to).toBe('Human');
    expect(agents.project).toBe(script.project);
  });

  it('project_policies.yaml carries the seed merge and promotion policy and one unit test command', () => {
    expect(policies.merge_policy.auto_merge_if).toEqual([
      { all_tests_passed: true },
      { coverage_min: 80 },
      { drift_max_percent: 2 },
    ]);
    expect(policies.merge_policy.require_human_if).toEqual([
      { impact: 'high' },
      { gate_fail: true },
      { phase_promotion: true },
    ]);
    expect(policies.promotion_policy).toEqual({
      e2e_tests_required: true,
      e2e_suite: 'unit',
      reproducibility_min: 95,
      docs_required: ['PROJECT_OVERVIEW.md', 'TEST_RESULTS.md', 'QA_REPORT.md'],
      next_phase: 'auto',
    });
    expect(policies.tests.map((t) => t.name)).toEqual(['unit']);
    expect(policies.drift?.metrics).toEqual(['sharpe', 'max_drawdown']);
  });

  it('points editors at the generated JSON schemas', async () => {
    for (const [file, schema] of [
      ['agents.yaml', 'agents.schema.json'],
      ['project_policies.yaml', 'project_policies.schema.json'],
    ] as const) {
      const first = (await readFile(path.join(SAMPLE, file), 'utf8')).split('\n')[0];
      expect(first).toBe(`# yaml-language-server: $schema=../schemas/${schema}`);
    }
  });
});

describe('sample script', () => {
  const turns = () => [
    ...Object.entries(script.implementation).flatMap(([agent, list]) => list.map((turn) => ({ agent, turn }))),
    { agent: 'Tester', turn: script.tests },
  ];

  it('plays only agents that agents.yaml defines, and answers clarifications for each of them', () => {
    const names = agentNames(agents);
    expect(Object.keys(script.implementation).sort()).toEqual(['Implementer', 'Implementer-2']);
    for (const task of script.plan.tasks) expect(names).toContain(task.agent);
    expect(Object.keys(script.clarifications).sort()).toEqual([...names].sort());
    for (const [agent, answers] of Object.entries(script.clarifications)) {
      expect(answers.at(-1)?.match, `${agent} ends with a fallback`).toBe('*');
    }
  });

  it('every turn refers to a planned task of the same agent, and task dependencies exist', () => {
    const tasks = new Map(script.plan.tasks.map((t) => [t.id, t]));
    expect(tasks.size).toBe(script.plan.tasks.length);
    for (const { agent, turn } of turns()) {
      expect(tasks.get(turn.task)?.agent, `${turn.task} belongs to ${agent}`).toBe(agent);
    }
    for (const task of script.plan.tasks) {
      for (const dep of task.depends_on) expect(tasks.has(dep), `${task.id} depends on ${dep}`).toBe(true);
    }
    expect(script.tests.message).toMatch(/^test\(/);
    expect(script.tests.files.every((f) => f.startsWith('tests/'))).toBe(true);
  });

  it('has a three-phase roadmap, a change-request revision of the design, and one concern and one high-impact variation', () => {
    expect(script.plan.roadmap.map((p) => p.number)).toEqual([1, 2, 3]);
    expect(script.plan.roadmap[0]?.name).toBe('Base backtester skeleton');
    expect(script.design.revisions[0]?.delta_summary).toBeUndefined();
    expect(script.design.revisions[1]?.delta_summary).toMatch(/adapter/i);

    const concerns = turns().filter(({ turn }) => turn.concern);
    expect(
      concerns.map(({ agent, turn }) => [agent, turn.concern?.to, turn.concern?.severity, turn.concern?.category]),
    ).toEqual([['Implementer', 'Designer', 'warning', 'design_gap']]);
    const variations = turns().filter(({ turn }) => turn.variation);
    expect(variations.map(({ agent, turn }) => [agent, turn.variation?.impact])).toEqual([['Implementer-2', 'high']]);
  });

  it('references every file under files/ exactly once, and each referenced file exists', async () => {
    const onDisk = await listFiles(FILES);
    const referenced = turns().flatMap(({ turn }) => turn.files);
    expect([...referenced].sort()).toEqual(onDisk);
    expect(new Set(referenced).size).toBe(referenced.length);
  });

  it('gives the two implementers disjoint files, so their branches merge cleanly', () => {
    const filesOf = (agent: string) => new Set((script.implementation[agent] ?? []).flatMap((t) => t.files));
    const first = filesOf('Implementer');
    const second = filesOf('Implementer-2');
    expect(first.size).toBeGreaterThan(0);
    expect(second.size).toBeGreaterThan(0);
    expect([...first].filter((f) => second.has(f))).toEqual([]);
  });
});

describe('sample code under the policy test command', () => {
  let work: string;
  let result: { code: number; stdout: string; stderr: string };

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'governor-sample-'));
    await cp(FILES, work, { recursive: true });
    const unit = policies.tests[0]!;
    // The gate runs the command through a shell, exactly as here.
    result = await promisify(execFile)('/bin/sh', ['-c', unit.command], {
      cwd: path.join(work, unit.cwd),
      timeout: unit.timeout_s * 1000,
    })
      .then(({ stdout, stderr }) => ({ code: 0, stdout, stderr }))
      .catch((error: { code?: number; stdout?: string; stderr?: string }) => ({
        code: typeof error.code === 'number' ? error.code : -1,
        stdout: error.stdout ?? '',
        stderr: error.stderr ?? '',
      }));
  });

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('exits 0', () => {
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toMatch(/ℹ fail 0/);
  });

  it('writes JUnit XML with test cases', async () => {
    const junit = await readFile(path.join(work, policies.tests[0]!.junit as string), 'utf8');
    expect(junit).toContain('<testcase');
    expect(junit).not.toContain('<failure');
  });

  it('writes lcov coverage covering every source module', async () => {
    const lcov = await readFile(path.join(work, policies.tests[0]!.coverage!), 'utf8');
    for (const mod of [
      'src/data/csv-adapter.js',
      'src/strategy/sma-crossover.js',
      'src/engine/backtest.js',
      'src/metrics/performance.js',
      'src/index.js',
    ]) {
      expect(lcov).toContain(`SF:${mod}`);
    }
  });

  it('writes reports/metrics.json with finite metrics', async () => {
    const file = path.join(work, policies.tests[0]!.metrics!);
    expect((await stat(file)).isFile()).toBe(true);
    const metrics = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    for (const key of ['sharpe', 'max_drawdown', 'total_return', 'trades']) {
      expect(Number.isFinite(metrics[key]), `${key}=${String(metrics[key])}`).toBe(true);
    }
    expect(metrics.trades).toBeGreaterThan(0);
  });
});
