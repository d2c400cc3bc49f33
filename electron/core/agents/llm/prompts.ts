import { readFileSync } from 'node:fs';
import { resourcePath } from '../../resources.ts';

export type PromptName =
  | 'common'
  | 'pm-plan'
  | 'designer-design'
  | 'tester-test-plan'
  | 'tester-tests'
  | 'implementer'
  | 'clarify'
  | 'concern'
  | 'revision';

const cache = new Map<PromptName, string>();

/**
 * Prompts are readable Markdown files in resources/prompts with `{{name}}` placeholders, so they can be
 * reviewed and tuned without touching code. A placeholder with no value is an error, not an empty string.
 */
export function renderPrompt(name: PromptName, vars: Record<string, string>): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(resourcePath('prompts', `${name}.md`), 'utf8');
    cache.set(name, text);
  }
  return text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const v = vars[key];
    if (v === undefined) throw new Error(`prompt ${name}: no value for {{${key}}}`);
    return v;
  });
}

/** Documents as fenced sections, trimmed to a budget so the prompt fits the model's context. */
export function contextBlock(docs: Record<string, string>, maxChars = 60_000): string {
  const entries = Object.entries(docs);
  if (entries.length === 0) return '(none yet)';
  const per = Math.max(2_000, Math.floor(maxChars / entries.length));
  return entries
    .map(([path, text]) => {
      const trimmed = `${text.slice(0, per)}\n\n[… ${text.length - per} more characters trimmed]`;
      return `### ${path}\n\n${text.length > per ? trimmed : text}`;
    })
    .join('\n\n');
}
