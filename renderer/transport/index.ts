import type { Connection } from './connection.ts';
import { createIpcTransport } from './ipc.ts';
import { createWsTransport, wsUrlFromLocation } from './ws.ts';

export { CallError, type Connection, type ConnectionState } from './connection.ts';

/** Inside the desktop app the preload bridge is there; in a browser the page talks to the host it came from. */
export function createTransport(win: Window = window): Connection {
  if (win.governor) return createIpcTransport(win.governor);
  return createWsTransport({ url: wsUrlFromLocation(win.location) });
}
