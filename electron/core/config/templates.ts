/**
 * The files `governor init <name>` writes into a new project, rendered from the commented
 * templates in resources/templates. The comments are the user's documentation, which is why the
 * templates are text with placeholders rather than objects serialised by the yaml library.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { stringify } from 'yaml';

export type TemplateName = 'agents.yaml' | 'project_policies.yaml';

/** The file each template becomes in the project, and the JSON Schema that describes it. */
export const TEMPLATE_TARGETS: Record<TemplateName, { file: string; schema: string }> = {
  'agents.yaml': { file: 'agents.yaml', schema: 'agents.schema.json' },
  'project_policies.yaml': { file: '.project_policies.yaml', schema: 'project_policies.schema.json' },
};

export interface TemplateVars {
  name: string;
  brief: string;
  /**
   * What the `# yaml-language-server: $schema=` line points at. Defaults to a file URL of the
   * schema shipped with this Governor installation, which works in the user's editor at once.
   */
  schema?: string;
}

let cachedRoot: string | undefined;

/**
 * The directory holding `resources/`. Found by walking up from this module rather than by a fixed
 * `../../..`, so the lookup survives a bundler moving the module to a different depth.
 */
export function resourcesRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'resources', 'templates', 'agents.yaml'))) {
      cachedRoot = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`resources/templates not found above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

export function templatePath(name: TemplateName): string {
  return join(resourcesRoot(), 'resources', 'templates', name);
}

export function schemaPath(name: TemplateName): string {
  return join(resourcesRoot(), 'resources', 'schemas', TEMPLATE_TARGETS[name].schema);
}

/** Renders a template: `{{name}}` and `{{brief}}` become safely quoted YAML scalars. */
export function renderTemplate(name: TemplateName, vars: TemplateVars): string {
  const text = readFileSync(templatePath(name), 'utf8');
  const values: Record<string, string> = {
    name: yamlScalar(vars.name),
    brief: yamlScalar(vars.brief),
    // The modeline is a comment, read verbatim up to the end of the line: no quoting, no newlines.
    schema: (vars.schema ?? pathToFileURL(schemaPath(name)).href).replace(/[\r\n]/g, ''),
  };
  // One pass over the template, so a value that itself contains `{{brief}}` is not expanded again.
  return text.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`template ${name}: unknown placeholder ${whole}`);
    return value;
  });
}

/**
 * A string as a one-line YAML scalar: plain when that reads back as the same string (`my-app`),
 * otherwise double-quoted with escapes (`"123"`, `"a: b # c"`, `"two\nlines"`). Never a block
 * scalar: the placeholder sits after `key: ` and inside comments, where only one line fits.
 */
export function yamlScalar(value: string): string {
  const plain = stringify(value, { lineWidth: 0 }).replace(/\n$/, '');
  if (!plain.includes('\n')) return plain;
  return stringify(value, { lineWidth: 0, defaultStringType: 'QUOTE_DOUBLE' }).replace(/\n$/, '');
}
