/**
 * The renderer's half of Electron, for the stand-in: the real preload bundle (dist/electron/preload.cjs,
 * built by the same `bundlePreload` as `npm start`) run inside a real Chromium page, with `require('electron')`
 * answered by `contextBridge` and `ipcRenderer` stand-ins that cross to the main process's handlers
 * through a DevTools-protocol binding (electron-stand-in.ts). What the page ends up with is exactly what
 * the preload exposes.
 *
 * Electron runs a preload in an isolated world; here it runs in a closure before the page's own scripts,
 * and the binding it talks through is taken off `window` before the page can reach it, so the page sees
 * `window.governor` and nothing else of the bridge. Like Electron with nodeIntegrationInSubFrames off, the
 * preload runs in the main frame only, unless a test asks for subframes to see main refuse them.
 */

/** The names this page's bridge uses: random per stand-in, so nothing in the page can count on them. */
export interface BridgeNames {
  /** A CDP binding: takes one JSON text, { id, channel, args }; main answers through `receive`. */
  invoke: string;
  /**
   * Defined by the init script, called by main through CDP: ('reply', id, ok, text) settles an invoke with
   * the handler's answer as JSON text (or its error message); ('event', channel, text) hands each message
   * of a JSON array to the preload's listeners on that channel.
   */
  receive: string;
}

export function preloadInitScript(preloadCode: string, names: BridgeNames, opts: { subframes: boolean }): string {
  // Plain JavaScript, run in the page before any of its own scripts, in every frame (and again on reload).
  return `(() => {
  if (${JSON.stringify(!opts.subframes)} && window.top !== window) return;
  const binding = window[${JSON.stringify(names.invoke)}];
  delete window[${JSON.stringify(names.invoke)}];
  if (typeof binding !== 'function') throw new Error('the stand-in IPC binding is missing');
  const listeners = new Map();
  const pending = new Map();
  let next = 0;
  Object.defineProperty(window, ${JSON.stringify(names.receive)}, {
    value: (kind, a, b, c) => {
      if (kind === 'reply') {
        const p = pending.get(a);
        pending.delete(a);
        if (p) b ? p.resolve(JSON.parse(c)) : p.reject(new Error(c));
        return;
      }
      for (const message of JSON.parse(b)) for (const fn of listeners.get(a) || []) fn({ sender: null }, message);
    },
  });
  const electron = {
    ipcRenderer: {
      invoke: (channel, ...args) =>
        new Promise((resolve, reject) => {
          const id = ++next;
          pending.set(id, { resolve, reject });
          binding(JSON.stringify({ id, channel, args }));
        }),
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
        const value = Object.freeze({ ...api });
        Object.defineProperty(window, key, { value, enumerable: true, writable: false, configurable: false });
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
