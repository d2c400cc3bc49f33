import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError } from '../electron/core/errors.ts';
import { buildJsonSchemas, serializeJsonSchema } from '../electron/core/config/json-schema.ts';
import {
  ConfigValidationError,
  loadAgentsFile,
  loadPoliciesFile,
  parseAgentsYaml,
  parsePoliciesYaml,
  validateAgentsYaml,
  validatePoliciesYaml,
} from '../electron/core/config/load.ts';
import { renderTemplate, resourcesRoot, yamlScalar } from '../electron/core/config/templates.ts';
import { lineOfPath, parseYaml } from '../electron/core/config/yaml-source.ts';

const vars = { name: 'backtester', brief: 'Build a base backtester skeleton.' };

/** A valid agents.yaml with numbered lines that the tests below refer to. */
const AGENTS = [
  'project: demo', // 1
  'brief: a demo', // 2
  'agents:', // 3
  '  ProjectManager:', // 4
  '    runtime: scripted', // 5
  '    escalates_to: Human', // 6
  '  Designer:', // 7
  '    escalates_to: ProjectManager', // 8
  '  Implementer:', // 9
  '    count: 2', // 10
  '    escalates_to: Designer', // 11
  '  Tester:', // 12
  '    escalates_to: [Implementer, ProjectManager]', // 13
].join('\n');

/** Replaces 1-based line `n` of a text. */
function withLine(text: string, n: number, line: string): string {
  const lines = text.split('\n');
  lines[n - 1] = line;
  return lines.join('\n');
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

async function rejectsConfig(p: Promise<unknown>): Promise<ConfigError> {
  const err: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (err instanceof ConfigError) return err;
  throw new Error(`expected a ConfigError, got ${String(err)}`);
}

describe('templates', () => {
  it('render to files that load, with defaults applied', () => {
    const agents = parseAgentsYaml(renderTemplate('agents.yaml', vars));
    expect(agents.project).toBe('backtester');
    expect(agents.brief).toBe(vars.brief);
    expect(Object.values(agents.agents).map((a) => a.runtime)).toEqual([
      'scripted',
      'scripted',
      'scripted',
      'scripted',
    ]);
    expect(agents.agents.Implementer).toMatchObject({ count: 1, escalates_to: 'Designer' });
    expect(agents.agents.Designer.escalates_to).toBe('ProjectManager');
    expect(agents.agents.Tester.escalates_to).toEqual(['Implementer', 'ProjectManager']);
    expect(agents.agents.ProjectManager.escalates_to).toBe('Human');

    const policies = parsePoliciesYaml(renderTemplate('project_policies.yaml', vars));
    expect(policies.merge_policy).toEqual({
      auto_merge_if: [{ all_tests_passed: true }, { coverage_min: 80 }, { drift_max_percent: 2 }],
      require_human_if: [{ impact: 'high' }, { gate_fail: true }, { phase_promotion: true }],
    });
    expect(policies.promotion_policy).toEqual({
      e2e_tests_required: true,
      e2e_suite: 'e2e',
      reproducibility_min: 95,
      docs_required: ['PROJECT_OVERVIEW.md', 'TEST_RESULTS.md', 'QA_REPORT.md'],
      next_phase: 'auto',
    });
    // Node's own test runner on tests/ and e2e/: it needs no package.json, so it works on a fresh project.
    expect(policies.tests.map((t) => t.name)).toEqual(['unit', 'e2e']);
    expect(policies.tests[0]).toMatchObject({
      name: 'unit',
      command: expect.stringMatching(/^node --test .* tests\/$/),
      junit: 'reports/junit.xml',
      coverage: 'reports/lcov.info',
      timeout_s: 600,
      env: {},
    });
    expect(policies.tests[1]).toMatchObject({
      name: 'e2e',
      command: expect.stringMatching(/^node --test .* e2e\/$/),
      junit: 'reports/e2e-junit.xml',
    });
  });

  it('start with a schema modeline pointing at the shipped schema', async () => {
    for (const [name, schema] of [
      ['agents.yaml', 'agents.schema.json'],
      ['project_policies.yaml', 'project_policies.schema.json'],
    ] as const) {
      const text = renderTemplate(name, vars);
      const first = text.split('\n')[0] ?? '';
      expect(first).toMatch(/^# yaml-language-server: \$schema=file:\/\/.*\/resources\/schemas\//);
      expect(first.endsWith(schema)).toBe(true);
      expect(renderTemplate(name, { ...vars, schema: './x.json' }).split('\n')[0]).toBe(
        '# yaml-language-server: $schema=./x.json',
      );
      expect(text).not.toMatch(/\{\{/);
    }
  });

  it('quote awkward names and briefs so they read back verbatim', () => {
    const awkward = [
      '123',
      'yes',
      'a: b # c',
      'multi\nline "quoted" brief',
      '{{brief}}',
      ' leading space',
      "it's",
      '- dash',
      '[x]',
    ];
    for (const value of awkward) {
      expect(parse(`k: ${yamlScalar(value)}`)).toEqual({ k: value });
      const agents = parseAgentsYaml(renderTemplate('agents.yaml', { name: value.trim() || 'x', brief: value }));
      expect(agents.brief).toBe(value);
      expect(() =>
        parsePoliciesYaml(renderTemplate('project_policies.yaml', { name: value, brief: value })),
      ).not.toThrow();
    }
    expect(yamlScalar('my-app')).toBe('my-app');
  });
});

describe('YAML syntax errors', () => {
  it('points at an over-indented key, not the line yaml blames', () => {
    const text = withLine(AGENTS, 6, '     escalates_to: Human');
    const err = configError(() => parseAgentsYaml(text));
    expect(err.line).toBe(6);
    expect(err.message).toMatch(/^agents\.yaml:6: bad indentation/);
  });

  it('points at an under-indented key', () => {
    const err = configError(() => parseAgentsYaml(withLine(AGENTS, 6, '   escalates_to: Human')));
    expect(err.line).toBe(6);
    expect(err.detail).toMatch(/bad indentation/);
  });

  it('names tabs and duplicate keys', () => {
    expect(configError(() => parseAgentsYaml(withLine(AGENTS, 6, '\tescalates_to: Human'))).line).toBe(6);
    const dup = configError(() => parseAgentsYaml(withLine(AGENTS, 5, '    escalates_to: Designer')));
    expect(dup.message).toBe('agents.yaml:6: duplicate key "escalates_to"');
  });

  it('validate returns syntax problems with their lines', () => {
    const result = validateAgentsYaml(withLine(AGENTS, 6, '     escalates_to: Human'));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues[0]).toMatchObject({ line: 6, path: '' });
  });
});

describe('schema errors', () => {
  it('an unknown escalation target names file:line and the allowed values', () => {
    const err = configError(() =>
      parseAgentsYaml(withLine(AGENTS, 11, '    escalates_to: Designr'), 'proj/agents.yaml'),
    );
    expect(err.message).toBe(
      'proj/agents.yaml:11: agents.Implementer.escalates_to: "Designr" is not a role; expected one ' +
        'of ProjectManager, Designer, Implementer, Tester, Human (or a list of them)',
    );
  });

  it('a bad entry in an escalation list points at that entry', () => {
    const text = withLine(AGENTS, 13, '    escalates_to:\n      - Implementer\n      - Bob');
    const err = configError(() => parseAgentsYaml(text));
    expect(err.line).toBe(15);
    expect(err.detail).toBe(
      'agents.Tester.escalates_to[1]: "Bob" is not a role; expected one of ProjectManager, Designer, Implementer, Tester, Human',
    );
  });

  it('an unknown key is reported at the key', () => {
    const err = configError(() =>
      parseAgentsYaml(withLine(AGENTS, 8, '    escalates_to: ProjectManager\n    modle: gpt')),
    );
    expect(err.line).toBe(9);
    expect(err.detail).toMatch(
      /^agents\.Designer\.modle: unknown key "modle"; allowed keys here: runtime, base_url, api_key_env, count/,
    );
  });

  it('a missing key is reported at its parent', () => {
    const root = configError(() => parseAgentsYaml(AGENTS.replace('brief: a demo\n', '')));
    expect(root.message).toBe('agents.yaml:1: brief: missing required key "brief"');
    const nested = configError(() => parseAgentsYaml(withLine(AGENTS, 8, '    runtime: scripted')));
    expect(nested.line).toBe(7);
    expect(nested.detail).toBe('agents.Designer.escalates_to: missing required key "escalates_to"');
  });

  it('only Implementer may have count > 1', () => {
    const err = configError(() =>
      parseAgentsYaml(withLine(AGENTS, 8, '    escalates_to: ProjectManager\n    count: 3')),
    );
    expect(err.line).toBe(9);
    expect(err.detail).toBe('agents.Designer.count: only Implementer may have count > 1; Designer has 3');
  });

  it('a bad runtime says what a runtime looks like', () => {
    const err = configError(() => parseAgentsYaml(withLine(AGENTS, 5, '    runtime: gpt-5')));
    expect(err.line).toBe(5);
    expect(err.detail).toMatch(
      /^agents\.ProjectManager\.runtime: "gpt-5" is not valid here; expected scripted, external, claude-code\[:model\], codex\[:model\], acp, or provider:model/,
    );
  });

  it('a wrong type in policies is reported at its line', () => {
    const text = renderTemplate('project_policies.yaml', vars).replace('coverage_min: 80', 'coverage_min: "eighty"');
    const line = text.split('\n').findIndex((l) => l.includes('"eighty"')) + 1;
    const err = configError(() => parsePoliciesYaml(text));
    expect(err.message).toBe(
      `.project_policies.yaml:${line}: merge_policy.auto_merge_if[1].coverage_min: expected a number, got "eighty"`,
    );
  });

  it('policy conditions: unknown condition, bad enum, numbers out of range', () => {
    const text = [
      'merge_policy:', // 1
      '  auto_merge_if:', // 2
      '    - all_tests_passed: true', // 3
      '    - coverage_maximum: 80', // 4
      '  require_human_if:', // 5
      '    - impact: huge', // 6
      'promotion_policy:', // 7
      '  reproducibility_min: 150', // 8
      'tests:', // 9
      '  - name: unit', // 10
      '    timeout_s: -1', // 11
    ].join('\n');
    const result = validatePoliciesYaml(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual([
      {
        line: 4,
        path: 'merge_policy.auto_merge_if[1].coverage_maximum',
        message: expect.stringMatching(
          /^unknown key "coverage_maximum"; expected one of all_tests_passed, coverage_min/,
        ),
      },
      {
        line: 6,
        path: 'merge_policy.require_human_if[0].impact',
        message: '"huge" is not an impact level; expected one of low, medium, high',
      },
      { line: 8, path: 'promotion_policy.reproducibility_min', message: 'must be at most 100, got 150' },
      { line: 10, path: 'tests[0].command', message: 'missing required key "command"' },
      { line: 11, path: 'tests[0].timeout_s', message: 'must be more than 0, got -1' },
    ]);
  });

  it('validate returns every issue sorted by line, and the thrown error carries them too', () => {
    let text = withLine(AGENTS, 11, '    escalates_to: Designr');
    text = withLine(text, 5, '    runtim: scripted');
    text = text.replace('project: demo', 'project: 42');
    const result = validateAgentsYaml(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => [i.line, i.path])).toEqual([
      [1, 'project'],
      [5, 'agents.ProjectManager.runtim'],
      [11, 'agents.Implementer.escalates_to'],
    ]);
    expect(result.issues[0]?.message).toBe('expected text, got 42');
    const err = configError(() => parseAgentsYaml(text));
    expect(err).toBeInstanceOf(ConfigValidationError);
    expect(err.line).toBe(1);
    if (err instanceof ConfigValidationError) expect(err.issues).toHaveLength(3);
  });

  it('ambiguous or list-shaped mistakes get specific words', () => {
    const emptyList = validateAgentsYaml(withLine(AGENTS, 13, '    escalates_to: []'));
    expect(emptyList).toMatchObject({ ok: false, issues: [{ line: 13, message: 'must list at least one item' }] });
    // count: 0 breaks the minimum and the "only Implementer" rule; one complaint is enough.
    const zero = validateAgentsYaml(withLine(AGENTS, 8, '    escalates_to: ProjectManager\n    count: 0'));
    expect(zero).toMatchObject({
      ok: false,
      issues: [{ line: 9, path: 'agents.Designer.count', message: 'must be at least 1, got 0' }],
    });
    expect(zero.ok || zero.issues.length).toBe(1);
    const conditions = validatePoliciesYaml(
      'merge_policy:\n  auto_merge_if:\n    - {}\n    - all_tests_passed\n' +
        '    - {all_tests_passed: true, coverage_min: 80}\npromotion_policy: {}\n',
    );
    expect(conditions.ok).toBe(false);
    if (conditions.ok) return;
    expect(conditions.issues).toEqual([
      {
        line: 3,
        path: 'merge_policy.auto_merge_if[0]',
        message: expect.stringMatching(/^expected one of the keys all_tests_passed, coverage_min/),
      },
      {
        line: 4,
        path: 'merge_policy.auto_merge_if[1]',
        message: expect.stringMatching(/^expected a map with one of the keys .*, got "all_tests_passed"$/),
      },
      {
        line: 5,
        path: 'merge_policy.auto_merge_if[2]',
        message: 'put one condition per list item; this item has all_tests_passed, coverage_min',
      },
    ]);
  });

  it('an empty file says so', () => {
    const err = configError(() => parseAgentsYaml('# nothing yet\n'));
    expect(err.detail).toBe('the file is empty; expected a map with the keys project, brief, keys_file, human, agents');
  });

  it('validate returns the value with defaults applied', () => {
    const result = validatePoliciesYaml('merge_policy: {}\npromotion_policy: {}\n');
    expect(result).toMatchObject({
      ok: true,
      value: { merge_policy: { auto_merge_if: [{ all_tests_passed: true }] }, reproducibility_runs: 1 },
    });
  });
});

describe('lineOfPath', () => {
  it('finds keys, sequence items, and falls back to the parent', () => {
    const parsed = parseYaml(AGENTS);
    expect(lineOfPath(parsed, [])).toBe(1);
    expect(lineOfPath(parsed, ['agents', 'Designer'])).toBe(7);
    expect(lineOfPath(parsed, ['agents', 'Tester', 'escalates_to', 1])).toBe(13);
    expect(lineOfPath(parsed, ['agents', 'Designer', 'count'])).toBe(7);
    expect(lineOfPath(parsed, ['agents', 'Nobody', 'x'])).toBe(3);
  });
});

describe('load from a project directory', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'governor-config-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads both files', async () => {
    await writeFile(join(dir, 'agents.yaml'), renderTemplate('agents.yaml', vars));
    await writeFile(join(dir, '.project_policies.yaml'), renderTemplate('project_policies.yaml', vars));
    expect((await loadAgentsFile(dir)).project).toBe('backtester');
    expect((await loadPoliciesFile(dir)).promotion_policy.reproducibility_min).toBe(95);
  });

  it('names the file and line of an invalid one', async () => {
    await writeFile(join(dir, 'agents.yaml'), withLine(AGENTS, 11, '    escalates_to: Designr'));
    const err = await rejectsConfig(loadAgentsFile(dir));
    expect(err.file).toBe(join(dir, 'agents.yaml'));
    expect(
      err.message.startsWith(
        `${join(dir, 'agents.yaml')}:11: agents.Implementer.escalates_to: "Designr" is not a role`,
      ),
    ).toBe(true);
  });

  it('a missing file says how to create one', async () => {
    const err = await rejectsConfig(loadPoliciesFile(dir));
    expect(err.line).toBe(0);
    expect(err.message).toMatch(/\.project_policies\.yaml: file not found; run `governor init`/);
  });
});

describe('JSON Schemas', () => {
  it('checked-in files equal a fresh generation (run `npm run schemas` after changing shared/config.ts)', async () => {
    for (const { file, schema } of buildJsonSchemas()) {
      const onDisk = await readFile(join(resourcesRoot(), 'resources', 'schemas', file), 'utf8');
      expect(onDisk, file).toBe(serializeJsonSchema(schema));
    }
  });

  it('describe the input shape: defaulted keys are optional, count is capped for single roles', () => {
    const [agents] = buildJsonSchemas();
    expect(agents?.schema).toMatchObject({
      $id: 'urn:governor:schema:agents',
      required: ['project', 'brief', 'agents'],
      properties: {
        agents: {
          properties: {
            Designer: { required: ['escalates_to'], properties: { count: { maximum: 1 } } },
            Implementer: { properties: { count: { maximum: 8 } } },
          },
        },
      },
    });
  });
});

describe('the human identity in agents.yaml', () => {
  it('is optional, and a name or email git could not use is refused at its line', () => {
    expect(parseAgentsYaml(AGENTS).human).toBeUndefined();
    const ok = parseAgentsYaml(`${AGENTS}\nhuman: { name: Ada Lovelace, email: ada@example.com }\n`);
    expect(ok.human).toEqual({ name: 'Ada Lovelace', email: 'ada@example.com' });
    const bad = configError(() => parseAgentsYaml(`${AGENTS}\nhuman:\n  name: Ada\n  email: ada at example\n`));
    expect(bad.message).toMatch(/^agents\.yaml:16: .*human\.email.*an email address/);
    const angle = configError(() =>
      parseAgentsYaml(`${AGENTS}\nhuman:\n  name: Ada <ada>\n  email: ada@example.com\n`),
    );
    expect(angle.line).toBe(15);
  });
});
