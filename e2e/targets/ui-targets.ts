import { electronTarget } from './electron.ts';
import { ipcTarget } from './ipc.ts';
import { type UiTarget, uiTransports } from './target.ts';
import { webTarget } from './web.ts';

/** One target per transport the UI tests run on (see `uiTransports`). */
export function uiTargets(): UiTarget[] {
  return uiTransports().map((t) => (t === 'web' ? webTarget() : t === 'ipc' ? ipcTarget() : electronTarget()));
}
