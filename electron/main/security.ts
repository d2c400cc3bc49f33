import { fileURLToPath, pathToFileURL } from 'node:url';
import { relative, isAbsolute } from 'node:path';
import type { WebPreferences } from 'electron';

/**
 * The Electron security checklist as plain values and pure predicates, so tests can hold them to account
 * without an Electron binary. `main.ts` only wires them in.
 */

/**
 * The renderer's policy. It matches the one the headless host sends and the meta tag in index.html: the
 * page may only run its own scripts and talk to nothing (IPC needs no network).
 */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "frame-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/**
 * The window's webPreferences. Every flag that matters is spelled out, even where Electron's default is
 * already safe, so a future default change (or a careless edit) shows up in review and in the tests.
 */
export function secureWebPreferences(preload: string, opts: { devTools: boolean }) {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
    devTools: opts.devTools,
  } as const satisfies WebPreferences;
}

/** `file:///…/dist/renderer/index.html` for the renderer folder, the only page allowed to call in. */
export function rendererIndexUrl(rendererDir: string): string {
  return pathToFileURL(`${rendererDir.replace(/[/\\]+$/, '')}/index.html`).href;
}

/**
 * May this frame talk to the engine? Only the window's main frame (never an iframe), showing our own
 * renderer's index.html from disk. Hash and query are the renderer's routing and are ignored; anything
 * else (another file, a remote page after a navigation slipped through, a `file://host/` share) is refused.
 */
export function isAllowedSender(url: string, frameIsMain: boolean, expectedIndexUrl: string): boolean {
  if (!frameIsMain) return false;
  let got: URL;
  let want: URL;
  try {
    got = new URL(url);
    want = new URL(expectedIndexUrl);
  } catch {
    return false;
  }
  return got.protocol === 'file:' && got.host === '' && want.protocol === 'file:' && got.pathname === want.pathname;
}

/**
 * Which requests the renderer's session may make: files inside the renderer folder (its scripts, styles,
 * fonts), inline data, blob workers, and DevTools when it is open. Everything else, in particular any
 * http(s), is cancelled; the engine's own model calls run in the main process and are not affected.
 */
export function isAllowedRequest(url: string, rendererDir: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol === 'data:' || u.protocol === 'blob:' || u.protocol === 'devtools:') return true;
  if (u.protocol !== 'file:' || u.host !== '') return false;
  const rel = relative(rendererDir, fileURLToPath(u));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/** A response's headers with our CSP set, replacing whatever the response carried (any case). */
export function withCsp(headers: Record<string, string[]> | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers ?? {})) if (k.toLowerCase() !== 'content-security-policy') out[k] = v;
  out['Content-Security-Policy'] = [CSP];
  return out;
}
