import EditorWorker from 'monaco-editor/editor/editor.worker?worker';

/** The editor API, without the 80 language grammars and their services `monaco-editor`'s index pulls in. */
export type Monaco = typeof import('monaco-editor/editor');

declare global {
  interface Window {
    MonacoEnvironment?: { getWorker(workerId: string, label: string): Worker };
  }
}

let loading: Promise<Monaco> | null = null;

/**
 * Loads Monaco on first use, in its own chunk, so the first paint of the app never waits for it. The one
 * worker it needs is bundled by Vite (`?worker`); nothing is fetched from a CDN.
 */
export function loadMonaco(): Promise<Monaco> {
  if (!loading) {
    window.MonacoEnvironment = { getWorker: () => new EditorWorker() };
    loading = Promise.all([
      import('monaco-editor/editor'),
      import('monaco-editor/languages/definitions/markdown/register'),
      // The editor core leaves these out: the icon font (the diff's +/- and the fold arrows), hovers (an
      // inline comment's text on its glyph), find (Ctrl+F in a long spec) and the diff editor's actions.
      import('monaco-editor/features/codicon/register'),
      import('monaco-editor/features/hover/register'),
      import('monaco-editor/features/find/register'),
      import('monaco-editor/features/diffEditor/register'),
    ]).then(([m]) => {
      followOsTheme(m);
      return m;
    });
    loading.catch(() => {
      loading = null;
    });
  }
  return loading;
}

/**
 * Load Monaco in the background once the page has painted and gone idle, so the first review, diff or
 * settings editor does not wait ~1 s for it. A failure here is silent: the view's own load reports it.
 */
export function prefetchMonacoWhenIdle(): void {
  const start = () => void loadMonaco().catch(() => {});
  // A moment for the first frames to paint, then the next idle period (Safari has no requestIdleCallback).
  setTimeout(
    () => ('requestIdleCallback' in window ? window.requestIdleCallback(start, { timeout: 4000 }) : start()),
    500,
  );
}

/** Monaco's theme is global: switch every open editor when the OS switches between light and dark. */
function followOsTheme(m: Monaco): void {
  window
    .matchMedia?.('(prefers-color-scheme: dark)')
    .addEventListener('change', () => m.editor.setTheme(monacoTheme()));
}

export function monacoTheme(): string {
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'vs-dark' : 'vs';
}
