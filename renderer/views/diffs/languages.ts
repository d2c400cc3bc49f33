import type { Monaco } from '../reviews/monaco.ts';

/**
 * Syntax colouring for the diffs view. Monaco is loaded without its 80 grammars (reviews/monaco.ts), so
 * each language used here is registered on first use from the bundle: its `register` module is a few
 * lines, and the grammar itself is one more lazy chunk Monaco loads when a model first uses it. Nothing
 * comes from a CDN.
 */

const BY_EXTENSION: Record<string, string> = {
  js: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  jsx: 'javascript',
  ts: 'typescript',
  tsx: 'typescript',
  mts: 'typescript',
  cts: 'typescript',
  json: 'json',
  md: 'markdown',
  markdown: 'markdown',
  yaml: 'yaml',
  yml: 'yaml',
  css: 'css',
  html: 'html',
  htm: 'html',
  py: 'python',
  sh: 'shell',
  bash: 'shell',
};

/**
 * Monaco's own JSON support is a language service that needs its own web worker, which the app does
 * not bundle (one editor worker serves everything). Colouring is all a read-only diff needs, so JSON
 * gets this small Monarch grammar instead.
 */
function registerJson(monaco: Monaco): void {
  if (monaco.languages.getLanguages().some((l) => l.id === 'json')) return;
  monaco.languages.register({ id: 'json', extensions: ['.json'], aliases: ['JSON', 'json'] });
  monaco.languages.setMonarchTokensProvider('json', {
    tokenizer: {
      root: [
        [/"(?:[^"\\]|\\.)*"(?=\s*:)/, 'string.key.json'],
        [/"(?:[^"\\]|\\.)*"/, 'string.value.json'],
        [/-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/, 'number.json'],
        [/\b(?:true|false|null)\b/, 'keyword.json'],
        [/\/\/.*$/, 'comment.json'],
        [/[{}[\]]/, 'delimiter.bracket.json'],
        [/[,:]/, 'delimiter.json'],
        [/\s+/, 'white'],
      ],
    },
  });
}

const REGISTER: Record<string, (monaco: Monaco) => Promise<unknown>> = {
  javascript: () => import('monaco-editor/languages/definitions/javascript/register'),
  typescript: () => import('monaco-editor/languages/definitions/typescript/register'),
  markdown: () => import('monaco-editor/languages/definitions/markdown/register'),
  yaml: () => import('monaco-editor/languages/definitions/yaml/register'),
  css: () => import('monaco-editor/languages/definitions/css/register'),
  html: () => import('monaco-editor/languages/definitions/html/register'),
  python: () => import('monaco-editor/languages/definitions/python/register'),
  shell: () => import('monaco-editor/languages/definitions/shell/register'),
  json: async (monaco) => registerJson(monaco),
};

/** The Monaco language id for a path; anything else is plain text. */
export function languageFor(path: string): string {
  const ext = /\.([^./]+)$/.exec(path)?.[1]?.toLowerCase() ?? '';
  return BY_EXTENSION[ext] ?? 'plaintext';
}

/** Make sure `id` is registered before a model is switched to it; plain text needs nothing. */
export async function ensureLanguage(monaco: Monaco, id: string): Promise<void> {
  await REGISTER[id]?.(monaco);
}
