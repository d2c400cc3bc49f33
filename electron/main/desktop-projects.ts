import { resolve } from 'node:path';
import { type ProjectInfo, type StatusSnapshot, contract } from '../../shared/index.ts';
import { createApi, createLoopRunner } from '../core/api.ts';
import { startDiscordBridge } from '../core/discord/bridge.ts';
import type { OpenedProject } from '../core/host.ts';
import type { Notification } from '../core/notify/notifications.ts';
import {
  type ProjectSlot,
  type ProjectSwitcher,
  checkOpenable,
  createProjectSwitcher,
  switcherLater,
} from '../core/projects.ts';
import type { Progress } from '../core/workflow/engine.ts';
import { type EventPump, type EventSink, createEventPump } from './events.ts';
import type { Api } from './ipc.ts';

/**
 * The desktop app's side of project switching: the same switcher as the headless host
 * (`core/projects.ts`), with each project wired to the window through its own event pump. No Electron
 * here — `desktop.ts` passes the window's sink and its way of opening a folder — so tests run it under Node.
 *
 * While a project is open here the app is its one driver: the switcher takes its loop lock as 'desktop', so
 * `governor run` and `governor serve` refuse it, naming the app, instead of running a second engine on the
 * same ledger. A decision or command typed in a terminal (`governor decide` with no host to go through) is
 * followed up by the switcher as for any driver (core/api.ts followOtherProcesses: exports, then this app's
 * loop); and the project's Discord link runs here as it does in the headless host.
 */

export interface DesktopSlot extends ProjectSlot {
  api: Api;
  pump: EventPump;
}

export interface DesktopProjectsOptions {
  /** Push one contract event to the window. */
  send: EventSink;
  /** Open a folder with the desktop's key sources; `progress` reaches the window. */
  open(dir: string, progress: (p: Progress) => void): Promise<OpenedProject>;
  /** Folder of recent.json: see `desktopHome`. */
  home: string;
  onStatus?: (s: StatusSnapshot) => void;
  onNotifications?: (batch: Notification[]) => void;
  /** Watch the ledger file for appends by other processes (the app does; tests may not). */
  watchFiles?: boolean;
  debounceMs?: number;
  onError?: (err: unknown) => void;
  /** After a switch has been announced to the window (remember it, rebuild the menu). */
  onSwitched?: (info: ProjectInfo) => void;
}

/**
 * Where the desktop app keeps its recent projects: `$GOVERNOR_HOME` when set (tests, or someone who wants
 * the app and `governor serve` to share one list), else the app's own userData folder.
 */
export function desktopHome(env: NodeJS.ProcessEnv, userData: string): string {
  const fromEnv = env.GOVERNOR_HOME?.trim();
  return fromEnv ? resolve(fromEnv) : userData;
}

/**
 * Open `firstDir` and return the switcher the window talks to. Throws (with nothing left open) when the
 * first folder does not open, so the caller can offer another. The first project goes on the recent list:
 * a human chose it.
 */
export async function startDesktopProjects(
  firstDir: string,
  o: DesktopProjectsOptions,
): Promise<ProjectSwitcher<DesktopSlot>> {
  // Progress while a folder opens comes before any pump exists; it is checked against the contract like the rest.
  const progress = (p: Progress) => {
    const parsed = contract.events.progress.safeParse(p);
    if (parsed.success) o.send('progress', parsed.data);
  };

  // Handlers reach the switcher through this, since the first project is attached before it exists.
  let switcher: ProjectSwitcher<DesktopSlot> | null = null;
  const need = (): ProjectSwitcher<DesktopSlot> => {
    if (!switcher) throw new Error('the desktop app is still opening its first project');
    return switcher;
  };
  const forward = switcherLater(need);

  const attach = async (p: OpenedProject): Promise<DesktopSlot> => {
    const pump = createEventPump({
      send: o.send,
      ...(o.onStatus ? { onStatus: o.onStatus } : {}),
      ...(o.onNotifications ? { onNotifications: o.onNotifications } : {}),
      ...(o.watchFiles ? { watchFiles: true } : {}),
      ...(o.debounceMs !== undefined ? { debounceMs: o.debounceMs } : {}),
      ...(o.onError ? { onError: o.onError } : {}),
    });
    const loop = createLoopRunner(p, () => pump.statusChanged());
    const api = createApi(p, loop, { user: 'Human', source: 'ui' }, forward);
    try {
      pump.attach(p, loop);
    } catch (err) {
      pump.close();
      throw err;
    }
    const discord = await startDiscordBridge(p, {
      ...(p.keyStore ? { extraKeys: p.keyStore } : {}),
      // A Discord decision is followed up (exports, then this loop) through the same dispatch as the window's.
      loop,
      log: (text) => progress({ kind: 'info', text }),
    }).catch((err: unknown) => ({ started: false as const, reason: err instanceof Error ? err.message : String(err) }));
    const said = discord.started
      ? `Discord link running (${discord.bridge.mode} mode)`
      : `Discord link not started: ${discord.reason}`;
    progress({ kind: 'info', text: said });
    // The switcher closes the ledger after this; the pump goes first so nothing of the old project reaches
    // the window once the new one is current, and the lock goes last, once the loop has stopped.
    return {
      p,
      loop,
      api,
      pump,
      async detach() {
        // The switcher gives the loop lock back once the ledger is closed (core/projects.ts retire).
        pump.close();
        if (discord.started) await discord.bridge.stop();
        await loop.stop();
      },
    };
  };

  // A folder another process drives is refused before anything of it is opened (the switcher checks later ones).
  await checkOpenable(firstDir);

  switcher = await createProjectSwitcher<DesktopSlot>(firstDir, {
    open: (dir) => o.open(dir, progress),
    attach,
    progress,
    home: o.home,
    rememberFirst: true,
    driver: 'desktop',
    onSwitched: (info) => {
      // The page drops what it holds for the old project first, then takes the new one's status.
      o.send('project.switched', info);
      need().current().pump.pushStatus();
      o.onSwitched?.(info);
    },
  });
  return switcher;
}
