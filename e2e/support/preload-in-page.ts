/**
 * The renderer's half of Electron, for the stand-in: the real preload bundle (dist/electron/preload.cjs,
 * built by the same `bundlePreload` as `npm start`) run inside a real Chromium page, with `require('electron')`
 * answered by `contextBridge` and `ipcRenderer` stand-ins that cross to the main process's handlers
 * through a Playwright binding. What the page ends up with is exactly what the preload exposes.
 *
 * Electron runs a preload in an isolated world; here it runs in a closure before the page's own scripts,
 * and the binding it talks through is taken off `window` before the page can reach it, so the page sees
 * `window.governor` and nothing else of the bridge. Like Electron with nodeIntegrationInSubFrames off, the
 * preload runs in the main frame only, unless a test asks for subframes to see main refuse them.
 */

/** The names this page's bridge uses: random per stand-in, so nothing in the page can count on them. */
export interface BridgeNames {
  /** A Playwright binding: (channel, args) → the main process's reply. */
  invoke: string;
  /** Defined by the init script: (channel, messages) → each message to the preload's listeners. */
  receive: string;
}

export function preloadInitScript(preloadCode: string, names: BridgeNames, opts: { subframes: boolean }): string {
  // Plain JavaScript, run in the page before any of its own scripts, in every frame (and again on reload).
  return `(() => {
  if (${JSON.stringify(!opts.subframes)} && window.top !== window) return;
  const invoke = window[${JSON.stringify(names.invoke)}];
  delete window[${JSON.stringify(names.invoke)}];
  if (typeof invoke !== 'function') throw new Error('the stand-in IPC binding is missing');
  const listeners = new Map();
  Object.defineProperty(window, ${JSON.stringify(names.receive)}, {
    value: (channel, messages) => {
      for (const message of messages) for (const fn of listeners.get(channel) || []) fn({ sender: null }, message);
    },
  });
  const electron = {
    ipcRenderer: {
      invoke: (channel, ...args) => invoke(channel, args),
      on(channel, fn) {
        const set = listeners.get(channel) || new Set();
        listeners.set(channel, set);
        set.add(fn);
        return electron.ipcRenderer;
      },
    },
    contextBridge: {
      exposeInMainWorld(key, api) {
        // contextBridge hands the page a frozen copy it cannot replace.
        Object.defineProperty(window, key, { value: Object.freeze({ ...api }), enumerable: true, writable: false, configurable: false });
      },
    },
  };
  const require = (name) => {
    if (name === 'electron') return electron;
    throw new Error('a sandboxed preload cannot require ' + name);
  };
  const module = { exports: {} };
  (function (require, module, exports) {
${preloadCode}
  })(require, module, module.exports);
})();`;
}
