import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ProjectInfo, RecentProject } from '../../shared/index.ts';
import { hostFileOf } from './host-file.ts';
import type { LoopRunner } from './api.ts';
import { AGENTS_FILE } from './config/load.ts';
import { GovernorError, errorMessage } from './errors.ts';
import { createGitService } from './git/service.ts';
import type { OpenedProject } from './host.ts';
import { DriverBusyError, type DriverKind, acquireLoopLock, drivenElsewhere, processAlive } from './loop-lock.ts';
import { followOtherProcesses } from './api.ts';
import { initProject } from './project.ts';
import { readRecent, rememberProject } from './recent.ts';
import type { Progress } from './workflow/engine.ts';

export { hostFileOf };

/** A project wired to a front end: its engine, its loop, and how to unwire it (watchers, pushes). */
export interface ProjectSlot {
  p: OpenedProject;
  loop: LoopRunner;
  detach(): Promise<void> | void;
}

export interface SwitcherOptions<S extends ProjectSlot = ProjectSlot> {
  /** Open a folder the way this front end opens projects (its progress wiring, its key sources). */
  open(dir: string): Promise<OpenedProject>;
  /** Wire an opened project to the front end: make its loop runner, subscribe its events. */
  attach(p: OpenedProject): Promise<S> | S;
  /** After a switch, once the new project is current: tell every page. */
  onSwitched?(info: ProjectInfo): void;
  progress?(p: Progress): void;
  /** Folder of recent.json (tests); `governorHome()` by default. */
  home?: string;
  /** Put the first project on the recent list too (a human chose it; a test's host need not). */
  rememberFirst?: boolean;
  /** How this front end is named to a second driver it refuses (`governor serve`, the desktop app). */
  driver?: Extract<DriverKind, 'host' | 'desktop'>;
}

export interface ProjectSwitcher<S extends ProjectSlot = ProjectSlot> {
  current(): S;
  info(): ProjectInfo;
  recent(): Promise<RecentProject[]>;
  open(dir: string): Promise<ProjectInfo>;
  create(o: { dir: string; name: string; template: 'blank' | 'sample' }): Promise<ProjectInfo>;
  demo(dir: string): Promise<ProjectInfo>;
  /** Stop the loop, unwire and close the current project (the front end is going away). */
  close(): Promise<void>;
}

/**
 * A switcher that hands every call to the one `get` returns when it is called: the API handlers are made
 * before the switcher (the first project is attached while it is being created), so they hold this.
 */
export function switcherLater(get: () => ProjectSwitcher): ProjectSwitcher {
  return {
    current: () => get().current(),
    info: () => get().info(),
    recent: () => get().recent(),
    open: (d) => get().open(d),
    create: (x) => get().create(x),
    demo: (d) => get().demo(d),
    close: () => get().close(),
  };
}

const infoOf = (p: OpenedProject): ProjectInfo => ({
  dir: p.dir,
  name: p.read.project()?.name ?? p.agentsFile.project,
});

/**
 * Refuse, in words, a folder we cannot (or must not) open: not a folder, not a Governor project, or a
 * project another process is driving — a CLI loop holding its lock, or another host serving it. Two
 * engines on one ledger would interleave their steps.
 */
export async function checkOpenable(dir: string): Promise<string> {
  const root = resolve(dir);
  if (!existsSync(root)) throw new GovernorError('not_found', `${root} does not exist`);
  if (!statSync(root).isDirectory()) throw new GovernorError('not_a_folder', `${root} is not a folder`);
  if (!existsSync(join(root, AGENTS_FILE)))
    throw new GovernorError(
      'not_a_project',
      `${root} is not a Governor project (it has no ${AGENTS_FILE}); create one there from a template instead`,
    );
  if (!(await createGitService({ dir: root }).isRepo()))
    throw new GovernorError(
      'not_a_repo',
      `${root} has ${AGENTS_FILE} but is not a git repository; run \`git init\` there first`,
    );
  const driver = drivenElsewhere(root);
  if (driver) throw new DriverBusyError(root, driver);
  const hostPid = servedBy(root);
  if (hostPid !== null && hostPid !== process.pid)
    throw new GovernorError(
      'busy',
      `${root} is already served by another Governor host (pid ${hostPid}); open it there, or stop that host first`,
    );
  return root;
}

function servedBy(root: string): number | null {
  try {
    const { pid } = JSON.parse(readFileSync(hostFileOf(root), 'utf8')) as { pid?: unknown };
    return typeof pid === 'number' && processAlive(pid) ? pid : null;
  } catch {
    return null;
  }
}

/**
 * One project served at a time, and the way to serve another: the next project is opened *before* the
 * current one is closed, so a folder that fails to open leaves the current project exactly as it was.
 * Then the current loop stops after its step, its watchers are unwired, its ledger is closed, and the
 * front end is told. Switches run one at a time. The host and the desktop app share this logic.
 */
export async function createProjectSwitcher<S extends ProjectSlot>(
  firstDir: string,
  o: SwitcherOptions<S>,
): Promise<ProjectSwitcher<S>> {
  const progress = (text: string) => o.progress?.({ kind: 'project', text });
  const remember = async (info: ProjectInfo) => {
    // A recent list that cannot be written is a lost convenience; the project is open either way.
    await rememberProject(info, o.home ? { home: o.home } : {}).catch((err: unknown) =>
      o.progress?.({ kind: 'warn', text: `could not update the recent projects list: ${errorMessage(err)}` }),
    );
  };

  // Each project served is this front end's to drive: its loop lock is taken before it opens (so a second
  // driver is refused before it touches the ledger or the refs) and given back once it is closed.
  const held = new WeakMap<S, { unfollow: () => void; release: () => void }>();
  async function openDriven(dir: string): Promise<S> {
    const root = await checkOpenable(dir);
    const release = acquireLoopLock(root, o.driver ?? 'host');
    try {
      const p = await o.open(root);
      try {
        const attached = await o.attach(p);
        // A decision recorded by another process (a CLI, a Discord link) is followed up here, as the driver.
        held.set(attached, { unfollow: followOtherProcesses(p, attached.loop), release });
        return attached;
      } catch (err) {
        p.close();
        throw err;
      }
    } catch (err) {
      release();
      throw err;
    }
  }
  /** Stop following, unwire, stop the loop after its step, close the ledger, and give the project back. */
  async function retire(s: S): Promise<void> {
    const h = held.get(s);
    try {
      h?.unfollow();
      await s.detach();
      await s.loop.stop();
    } finally {
      try {
        s.p.close();
      } finally {
        h?.release();
      }
    }
  }

  let slot = await openDriven(firstDir);
  if (o.rememberFirst) await remember(infoOf(slot.p));
  let busy: string | null = null;

  async function exclusive<T>(what: string, work: () => Promise<T>): Promise<T> {
    if (busy) throw new GovernorError('busy', `already ${busy}; wait for it to finish`);
    busy = what;
    try {
      return await work();
    } finally {
      busy = null;
    }
  }

  async function switchTo(dir: string): Promise<ProjectInfo> {
    const root = await checkOpenable(dir);
    if (root === slot.p.dir) {
      await remember(infoOf(slot.p));
      return infoOf(slot.p);
    }
    progress(`Opening ${root}…`);
    const nextSlot = await openDriven(root);
    const next = nextSlot.p;
    const prev = slot;
    const prevInfo = infoOf(prev.p);
    slot = nextSlot;
    progress(`Closing ${prev.p.dir}…`);
    await retire(prev);
    const info = infoOf(next);
    await remember(prevInfo);
    await remember(info);
    progress(`Opened ${info.name} (${info.dir}).`);
    o.onSwitched?.(info);
    return info;
  }

  return {
    current: () => slot,
    info: () => infoOf(slot.p),
    recent: () => readRecent(o.home),
    open: (dir) => exclusive(`opening ${resolve(dir)}`, () => switchTo(dir)),
    create: ({ dir, name, template }) =>
      exclusive(`creating ${resolve(dir)}`, async () => {
        progress(`Creating ${template === 'sample' ? 'the sample project' : name} in ${resolve(dir)}…`);
        // The sample keeps its own name and brief: the scripted team's script is written for them.
        await initProject(dir, template === 'sample' ? { sample: true } : { name });
        return switchTo(dir);
      }),
    demo: (dir) =>
      exclusive(`creating the demo in ${resolve(dir)}`, async () => {
        progress(`Creating the demo project in ${resolve(dir)} (a git repo with the sample team's configuration)…`);
        await initProject(dir, { sample: true });
        return switchTo(dir);
      }),
    async close() {
      await retire(slot);
    },
  };
}
