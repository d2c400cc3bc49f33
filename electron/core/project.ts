import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, GovernorError } from './errors.ts';
import { AGENTS_FILE, POLICIES_FILE } from './config/load.ts';
import { renderTemplate, schemaPath } from './config/templates.ts';
import { createGitService } from './git/service.ts';
import { resourcePath } from './resources.ts';

export const GITIGNORE = '# Governor keeps its ledger, workspaces and QA checkouts here; never commit it.\n.governor/\nnode_modules/\nreports/\n';

export interface InitOptions {
  name?: string;
  brief?: string;
  /** Start from the sample project ("build base backtester skeleton") instead of the blank templates. */
  sample?: boolean;
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
  if (existsSync(join(root, AGENTS_FILE))) throw new GovernorError('exists', `${root} is already a Governor project (it has ${AGENTS_FILE})`);
  const name = opts.name ?? basename(root);
  const brief = opts.brief ?? `Describe what ${name} should build.`;
  let agents: string;
  let policies: string;
  if (opts.sample) {
    agents = withSchemaLine(await readFile(resourcePath('sample', 'agents.yaml'), 'utf8'), schemaPath('agents.yaml'));
    policies = withSchemaLine(await readFile(resourcePath('sample', 'project_policies.yaml'), 'utf8'), schemaPath('project_policies.yaml'));
  } else {
    agents = renderTemplate('agents.yaml', { name, brief });
    policies = renderTemplate('project_policies.yaml', { name, brief });
  }
  const files: Record<string, string> = { [AGENTS_FILE]: agents, [POLICIES_FILE]: policies, '.gitignore': GITIGNORE };
  const entries = await readdir(root);
  const git = createGitService({ dir: root });
  if ((await git.isRepo()) && entries.some((e) => e !== '.git')) {
    // An existing repository: add our files beside the user's work and leave the rest alone.
    for (const [path, content] of Object.entries(files)) if (!existsSync(join(root, path))) await writeFile(join(root, path), content);
  }
  await git.ensureRepo({ initialFiles: files, message: 'chore(governor): initialise project governance', author: 'System', timestamp: Math.floor(Date.now() / 1000) });
  return { dir: root, created: Object.keys(files) };
}

/** Refuse early, in words, when a folder is not a project we can open. */
export async function assertProjectDir(dir: string): Promise<string> {
  const root = resolve(dir);
  if (!existsSync(root)) throw new GovernorError('not_found', `${root} does not exist; create a project with \`governor init <name>\``);
  if (!(await createGitService({ dir: root }).isRepo())) throw new GovernorError('not_a_repo', `${root} is not a git repository; run \`governor init\` there (or \`git init\` first)`);
  if (!existsSync(join(root, AGENTS_FILE))) throw new ConfigError(join(root, AGENTS_FILE), 0, 'file not found; run `governor init` to create it');
  return root;
}
