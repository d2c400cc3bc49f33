import { type Monaco, loadMonaco } from '../reviews/monaco.ts';

let loading: Promise<Monaco> | null = null;

/** Monaco from the Reviews loader, plus the YAML grammar (its own small chunk). */
export function loadMonacoYaml(): Promise<Monaco> {
  if (!loading) {
    loading = Promise.all([loadMonaco(), import('monaco-editor/languages/definitions/yaml/register')]).then(([m]) => m);
    loading.catch(() => {
      loading = null;
    });
  }
  return loading;
}
