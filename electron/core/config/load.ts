/**
 * Loading of the two human-owned configuration files of a supervised project: `agents.yaml` and
 * `.project_policies.yaml`. Errors name the file, the line and the key, in plain words, because
 * the person reading them is editing YAML by hand (or in the UI's policy editor, which shows every
 * issue at its line through the validate* functions).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { AgentsFile, PoliciesFile, agentNames } from '../../../shared/config.ts';
import { ConfigError } from '../errors.ts';
import { explainIssues, formatPath } from './issues.ts';
import { lineOfPath, parseYaml } from './yaml-source.ts';

export const AGENTS_FILE = 'agents.yaml';
export const POLICIES_FILE = '.project_policies.yaml';

/** One problem in a configuration text; `line` is 1-based, `path` is '' for syntax errors. */
export interface ConfigIssue {
  line: number;
  path: string;
  message: string;
}

/**
 * A ConfigError for the first issue (by line) that also carries all of them, so a CLI can list
 * everything wrong in one go instead of one fix-and-rerun cycle per issue.
 */
export class ConfigValidationError extends ConfigError {
  constructor(
    file: string,
    first: ConfigIssue,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(file, first.line, issueDetail(first));
  }
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; issues: ConfigIssue[] };

/**
 * Validates a YAML text against a schema and returns every issue, sorted by line. Syntax errors
 * come alone: a document that does not parse has no tree to check the schema against.
 */
export function validateYaml<S extends z.ZodType>(schema: S, text: string): ValidationResult<z.output<S>> {
  const parsed = parseYaml(text);
  if (parsed.problems.length > 0) {
    return { ok: false, issues: parsed.problems.map((p) => ({ line: p.line, path: '', message: p.message })) };
  }
  // Interpreted, not compiled: a config file is checked once per open, where zod 4's compiled parser (built on
  // the first parse of each object schema) cost twice the parse it speeds up, at the start of every command.
  const result = schema.safeParse(parsed.data, { jitless: true });
  if (result.success) return { ok: true, value: result.data };
  // A cross-field check (superRefine) can fire on a value that already failed its own check
  // (`count: 0` is below the minimum *and* "not 1"); the second complaint only confuses.
  const plain = new Set(result.error.issues.filter((i) => i.code !== 'custom').map((i) => formatPath(i.path)));
  const zodIssues = result.error.issues.filter((i) => i.code !== 'custom' || !plain.has(formatPath(i.path)));
  const issues = explainIssues(schema, parsed.data, zodIssues).map((e) => ({
    line: lineOfPath(parsed, e.path),
    path: formatPath(e.path),
    message: e.message,
  }));
  // Stable sort: issues on one line keep zod's order, which follows the schema's key order.
  issues.sort((a, b) => a.line - b.line);
  return { ok: false, issues: dedupe(issues) };
}

export function validateAgentsYaml(text: string): ValidationResult<AgentsFile> {
  return validateYaml(AgentsFile, text);
}

export function validatePoliciesYaml(text: string): ValidationResult<PoliciesFile> {
  return validateYaml(PoliciesFile, text);
}

/** The one-line detail of an issue, as ConfigError carries it: `key.path: what is wrong`. */
export function issueDetail(issue: ConfigIssue): string {
  return issue.path ? `${issue.path}: ${issue.message}` : issue.message;
}

/** Parses and validates, throwing a ConfigError for the first issue in line order. */
export function parseConfigYaml<S extends z.ZodType>(schema: S, text: string, fileLabel: string): z.output<S> {
  const result = validateYaml(schema, text);
  if (result.ok) return result.value;
  const first = result.issues[0];
  // validateYaml never returns ok:false without an issue; the fallback only satisfies the types.
  if (!first) throw new ConfigError(fileLabel, 0, 'invalid configuration');
  throw new ConfigValidationError(fileLabel, first, result.issues);
}

export function parseAgentsYaml(text: string, fileLabel: string = AGENTS_FILE): AgentsFile {
  return parseConfigYaml(AgentsFile, text, fileLabel);
}

export function parsePoliciesYaml(text: string, fileLabel: string = POLICIES_FILE): PoliciesFile {
  return parseConfigYaml(PoliciesFile, text, fileLabel);
}

export async function loadAgentsFile(projectDir: string): Promise<AgentsFile> {
  const file = join(projectDir, AGENTS_FILE);
  return parseAgentsYaml(await readConfigText(file), file);
}

/**
 * With `agentsFile`, the policy is also checked against the team it governs: a budget for an agent that
 * does not exist (`Implementer-3` with two implementers) would silently never apply.
 */
export async function loadPoliciesFile(projectDir: string, agentsFile?: AgentsFile): Promise<PoliciesFile> {
  const file = join(projectDir, POLICIES_FILE);
  const text = await readConfigText(file);
  const policies = parsePoliciesYaml(text, file);
  if (agentsFile) {
    const issue = unknownBudgetAgent(text, policies, agentsFile);
    if (issue) throw new ConfigValidationError(file, issue, [issue]);
  }
  return policies;
}

/** The first `budgets.per_agent` key that names no agent of agents.yaml, as an issue at its line. */
export function unknownBudgetAgent(text: string, policies: PoliciesFile, agentsFile: AgentsFile): ConfigIssue | null {
  const names: string[] = agentNames(agentsFile);
  for (const agent of Object.keys(policies.budgets?.per_agent ?? {})) {
    if (names.includes(agent)) continue;
    const path = ['budgets', 'per_agent', agent];
    return {
      line: lineOfPath(parseYaml(text), path),
      path: formatPath(path),
      message: `no such agent "${agent}"; agents.yaml defines ${names.join(', ')}`,
    };
  }
  return null;
}

async function readConfigText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = err instanceof Error && 'code' in err ? err.code : undefined;
    if (code === 'ENOENT')
      throw new ConfigError(
        file,
        0,
        'file not found; run `governor init` to create it, or open the project directory that contains it',
      );
    throw new ConfigError(file, 0, `cannot read the file: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** A union branch explained twice (the same unknown key in two alternatives) is one issue. */
function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.line}\u0000${i.path}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
