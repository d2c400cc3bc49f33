import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseDocument } from 'yaml';
import { RoleKind, RuntimeRef } from '../../shared/index.ts';
import { ConfigError, GovernorError, InvalidInputError } from './errors.ts';
import { AGENTS_FILE, POLICIES_FILE } from './config/load.ts';
import { renderTemplate, schemaPath } from './config/templates.ts';
import { createGitService } from './git/service.ts';
import { resourcePath } from './resources.ts';

export const GITIGNORE =
  '# Governor keeps its ledger, workspaces and QA checkouts here; never commit ' +
  'it.\n.governor/\nnode_modules/\nreports/\n';

export interface InitOptions {
  name?: string;
  brief?: string;
  /** Start from the sample project ("build base backtester skeleton") instead of the blank templates. */
  sample?: boolean;
  /** The runtime every role starts with (`ollama:qwen2.5-coder`, `anthropic:…`); `scripted` when absent. */
  runtime?: string;
  /** The server for an `ollama` or `openai-compatible` runtime. */
  baseUrl?: string;
}

/**
 * Where the template's test commands look, so they run (and report 0 tests, honestly) on a fresh project
 * before anyone has written a test; the READMEs say what goes there, for the agents and for people.
 */
const TEST_FOLDERS: Record<string, string> = {
  'tests/README.md':
    '# Unit tests\n\n`*.test.js` files here run with the `unit` command of `.project_policies.yaml` ' +
    "(Node's test runner).\n",
  'e2e/README.md':
    '# End-to-end tests\n\n`*.test.js` files here run with the `e2e` command of `.project_policies.yaml`, ' +
    'the suite promotion requires.\n',
};

/**
 * agents.yaml with every role on `runtime` (and `base_url` where it needs one), edited as a YAML document
 * so the template's comments stay. The reference is checked here, with the reason, before any file is written.
 */
export function withRuntime(agentsYaml: string, runtime: string, baseUrl?: string): string {
  const ref = RuntimeRef.safeParse(runtime);
  if (!ref.success)
    throw new InvalidInputError(`--runtime "${runtime}": ${ref.error.issues[0]?.message ?? 'not a runtime'}`);
  if (runtime.startsWith('openai-compatible:') && !baseUrl)
    throw new InvalidInputError(`--runtime ${runtime} needs --base-url: the server's OpenAI-compatible /v1 address`);
  if (baseUrl && !/^https?:\/\/\S+$/.test(baseUrl))
    throw new InvalidInputError(`--base-url "${baseUrl}" is not an http(s) URL`);
  const doc = parseDocument(agentsYaml);
  for (const role of RoleKind.options) {
    doc.setIn(['agents', role, 'runtime'], runtime);
    if (baseUrl && (runtime.startsWith('ollama:') || runtime.startsWith('openai-compatible:')))
      doc.setIn(['agents', role, 'base_url'], baseUrl);
  }
  return doc.toString();
}

/** Point the `$schema` comment of a copied config at this installation's JSON Schema. */
function withSchemaLine(text: string, schemaFile: string): string {
  const line = `# yaml-language-server: $schema=${pathToFileURL(schemaFile).href}`;
  return text.startsWith('# yaml-language-server:') ? text.replace(/^.*\n/, `${line}\n`) : `${line}\n${text}`;
}

/**
 * Create a Governor project: a git repo on `main` (plus `develop`) whose first commit holds
 * agents.yaml, .project_policies.yaml and a .gitignore that keeps `.governor/` out of history.
 */
export async function initProject(dir: string, opts: InitOptions = {}): Promise<{ dir: string; created: string[] }> {
  const root = resolve(dir);
  await mkdir(root, { recursive: true });
  if (existsSync(join(root, AGENTS_FILE)))
    throw new GovernorError('exists', `${root} is already a Governor project (it has ${AGENTS_FILE})`);
  const name = opts.name ?? basename(root);
  const brief = opts.brief ?? `Describe what ${name} should build.`;
  let agents: string;
  let policies: string;
  if (opts.sample) {
    agents = withSchemaLine(await readFile(resourcePath('sample', 'agents.yaml'), 'utf8'), schemaPath('agents.yaml'));
    policies = withSchemaLine(
      await readFile(resourcePath('sample', 'project_policies.yaml'), 'utf8'),
      schemaPath('project_policies.yaml'),
    );
  } else {
    agents = renderTemplate('agents.yaml', { name, brief });
    policies = renderTemplate('project_policies.yaml', { name, brief });
  }
  if (opts.runtime && opts.runtime !== 'scripted') agents = withRuntime(agents, opts.runtime, opts.baseUrl);
  const files: Record<string, string> = {
    [AGENTS_FILE]: agents,
    [POLICIES_FILE]: policies,
    '.gitignore': GITIGNORE,
    ...(opts.sample ? {} : TEST_FOLDERS),
  };
  const entries = await readdir(root);
  const git = createGitService({ dir: root });
  if ((await git.isRepo()) && entries.some((e) => e !== '.git')) {
    // An existing repository: add our files beside the user's work and leave the rest alone.
    for (const [path, content] of Object.entries(files))
      if (!existsSync(join(root, path))) await writeFile(join(root, path), content);
  }
  await git.ensureRepo({
    initialFiles: files,
    message: 'chore(governor): initialise project governance',
    author: 'System',
    timestamp: Math.floor(Date.now() / 1000),
  });
  return { dir: root, created: Object.keys(files) };
}

/** Refuse early, in words, when a folder is not a project we can open. */
export async function assertProjectDir(dir: string): Promise<string> {
  const root = resolve(dir);
  if (!existsSync(root))
    throw new GovernorError('not_found', `${root} does not exist; create a project with \`governor init <name>\``);
  if (!(await createGitService({ dir: root }).isRepo()))
    throw new GovernorError(
      'not_a_repo',
      `${root} is not a git repository; run \`governor init\` there (or \`git init\` first)`,
    );
  if (!existsSync(join(root, AGENTS_FILE)))
    throw new ConfigError(join(root, AGENTS_FILE), 0, 'file not found; run `governor init` to create it');
  return root;
}
