import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  CSP,
  isAllowedRequest,
  isAllowedSender,
  rendererIndexUrl,
  secureWebPreferences,
  withCsp,
} from '../electron/main/security.ts';

const repo = resolve(import.meta.dirname, '..');
const rendererDir = '/opt/Governor/resources/app.asar/dist/renderer';
const index = rendererIndexUrl(rendererDir);

describe('webPreferences', () => {
  it('isolates, sandboxes and keeps Node out of the page', () => {
    const prefs = secureWebPreferences('/app/dist/electron/preload.cjs', { devTools: false });
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      devTools: false,
    });
    expect(prefs.preload).toBe('/app/dist/electron/preload.cjs');
    expect(secureWebPreferences('/p', { devTools: true }).devTools).toBe(true);
  });

  // That the shell's window uses exactly these preferences is asserted on the real window, through the
  // Electron stand-in, in e2e-desktop.test.ts.
});

describe('isAllowedSender', () => {
  it('accepts our index.html in the main frame, with any hash route', () => {
    expect(index).toBe('file:///opt/Governor/resources/app.asar/dist/renderer/index.html');
    expect(isAllowedSender(index, true, index)).toBe(true);
    expect(isAllowedSender(`${index}#/reviews/review_0003`, true, index)).toBe(true);
    expect(isAllowedSender(`${index}?x=1#/`, true, index)).toBe(true);
  });

  it('refuses subframes, other files, other schemes and remote hosts', () => {
    expect(isAllowedSender(index, false, index)).toBe(false);
    expect(isAllowedSender('file:///opt/Governor/resources/app.asar/dist/renderer/other.html', true, index)).toBe(
      false,
    );
    expect(isAllowedSender('file:///tmp/evil/index.html', true, index)).toBe(false);
    expect(
      isAllowedSender('file://attacker.example/opt/Governor/resources/app.asar/dist/renderer/index.html', true, index),
    ).toBe(false);
    expect(isAllowedSender('https://evil.example/index.html', true, index)).toBe(false);
    expect(isAllowedSender('http://127.0.0.1:5173/', true, index)).toBe(false);
    expect(isAllowedSender('about:blank', true, index)).toBe(false);
    expect(isAllowedSender('', true, index)).toBe(false);
    expect(isAllowedSender('not a url', true, index)).toBe(false);
  });

  it('compares decoded paths, so an encoded traversal is a different file', () => {
    expect(
      isAllowedSender('file:///opt/Governor/resources/app.asar/dist/renderer/x/..%2Findex.html', true, index),
    ).toBe(false);
  });
});

describe('renderer session requests', () => {
  it('allows the renderer folder, inline data and blob workers; cancels the network and other files', () => {
    expect(isAllowedRequest(pathToFileURL(join(rendererDir, 'assets', 'index.js')).href, rendererDir)).toBe(true);
    expect(isAllowedRequest('data:image/png;base64,AAAA', rendererDir)).toBe(true);
    expect(isAllowedRequest('blob:file:///4f1c', rendererDir)).toBe(true);
    expect(isAllowedRequest('https://api.anthropic.com/v1/messages', rendererDir)).toBe(false);
    expect(isAllowedRequest('http://127.0.0.1:8080/', rendererDir)).toBe(false);
    expect(isAllowedRequest('file:///etc/passwd', rendererDir)).toBe(false);
    expect(isAllowedRequest(pathToFileURL(join(rendererDir, '..', 'electron', 'main.mjs')).href, rendererDir)).toBe(
      false,
    );
    expect(isAllowedRequest(pathToFileURL(`${rendererDir}-evil/index.js`).href, rendererDir)).toBe(false);
    expect(isAllowedRequest('ws://127.0.0.1:1/ws', rendererDir)).toBe(false);
  });
});

describe('Content-Security-Policy', () => {
  it('allows only our own scripts, no eval, no plugins, no framing, no network beyond self', () => {
    const directives = Object.fromEntries(
      CSP.split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([k = '', ...v]) => [k, v]),
    );
    expect(directives['default-src']).toEqual(["'self'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(directives['base-uri']).toEqual(["'none'"]);
    expect(directives['connect-src']).toEqual(["'self'"]);
    expect(CSP).not.toMatch(/unsafe-eval|\*/);
  });

  it('replaces any policy a response carried, whatever its case', () => {
    expect(withCsp({ 'content-security-policy': ['default-src *'], 'X-Other': ['1'] })).toEqual({
      'X-Other': ['1'],
      'Content-Security-Policy': [CSP],
    });
    expect(withCsp(undefined)).toEqual({ 'Content-Security-Policy': [CSP] });
  });

  it('the renderer page carries a policy as strict for scripts (Electron loads it without headers)', () => {
    const html = join(repo, 'renderer', 'index.html');
    if (!existsSync(html)) return;
    const meta = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(readFileSync(html, 'utf8'))?.[1] ?? '';
    expect(meta).toMatch(/script-src 'self'(;|$)/);
    expect(meta).not.toMatch(/unsafe-eval/);
  });
});
