import { describe, expect, it } from 'vitest';
import { parseAgentsYaml, parsePoliciesYaml, validateAgentsYaml } from '../electron/core/config/load.ts';
import { renderTemplate } from '../electron/core/config/templates.ts';

const vars = { name: 'backtester', brief: 'Build a base backtester skeleton.' };

/** How many functions `work` compiles from source text (zod 4 compiles an object schema's parser that way). */
function functionsCompiledBy(work: () => void): number {
  const original = globalThis.Function;
  let compiled = 0;
  globalThis.Function = new Proxy(original, {
    construct(target, args, newTarget) {
      compiled++;
      return Reflect.construct(target, args, newTarget);
    },
  });
  try {
    work();
  } finally {
    globalThis.Function = original;
  }
  return compiled;
}

/**
 * Every `governor` command and every open reads agents.yaml and the policy once. zod 4 would compile a parser for
 * each object schema of their trees on that first parse, which costs more than the one parse it speeds up.
 */
describe('config files are checked without compiling parsers', () => {
  it('parses agents.yaml and the policy from the templates and compiles nothing', () => {
    const agentsText = renderTemplate('agents.yaml', vars);
    const policiesText = renderTemplate('project_policies.yaml', vars);
    let agents: ReturnType<typeof parseAgentsYaml> | undefined;
    let policies: ReturnType<typeof parsePoliciesYaml> | undefined;
    const compiled = functionsCompiledBy(() => {
      agents = parseAgentsYaml(agentsText);
      policies = parsePoliciesYaml(policiesText);
    });
    expect(compiled).toBe(0);
    // The same values as before: the interpreted parse applies every default and check.
    expect(agents?.project).toBe('backtester');
    expect(Object.keys(agents?.agents ?? {})).toContain('Implementer');
    expect(policies?.sandbox.mode).toBeDefined();
  });

  it('still reports a bad field at its line', () => {
    const text = renderTemplate('agents.yaml', vars).replace(/^project: .*$/m, 'project: 42');
    const line = text.split('\n').indexOf('project: 42') + 1;
    const compiled = functionsCompiledBy(() => {
      const result = validateAgentsYaml(text);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.issues[0]).toMatchObject({ line, path: 'project' });
    });
    expect(compiled).toBe(0);
  });
});
