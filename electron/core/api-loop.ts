/**
 * The loop side of the API: what a front end's loop driver looks like (the host's or the desktop app's
 * runner, `governor run`, none), the status snapshot every surface shows, and how a human action recorded
 * here is followed up (the exports, the loop), here or by the process that drives the project.
 */
import type { StatusSnapshot } from '../../shared/index.ts';
import { type FSWatcher, watch } from 'node:fs';
import { join } from 'node:path';
import { GovernorError } from './errors.ts';
import { describeDriver, drivenElsewhere } from './loop-lock.ts';
import type { OpenedProject } from './host.ts';
import type { LoopOutcome } from './workflow/loop.ts';
import { waitingOn } from './workflow/waiting.ts';
import type { Engine } from './workflow/engine.ts';
import { nextRoadmapPhase } from './workflow/stages/next-phase.ts';

/**
 * What the API needs of a front end's loop: the host's or the desktop app's runner, an interactive
 * `governor run`, or none at all (the CLI when no host runs). A human action wakes it through `start`.
 */
export interface LoopDriver {
  readonly running: boolean;
  readonly waiting: string[];
  /**
   * Another process drives this project (named in words): it follows our changes up — the exports and the
   * loop — so this process only records them. Two processes writing the exports at once could interleave.
   */
  readonly elsewhere?: string | null;
  /** Wake the loop after a human action; when this front end drives none, say who acts on it instead. */
  start(): { started: boolean; reason: string };
}

/**
 * For a front end that drives no loop (the CLI when no host runs, a Discord link without a loop): a change
 * is recorded, and either the project's driver in another process follows it up, or, when none runs, the
 * exports are synced here and `idle` says what will act on it.
 */
export function noLoop(e: Engine, idle: string): LoopDriver {
  const elsewhere = () => {
    const h = drivenElsewhere(e.dir);
    return h ? describeDriver(e.dir, h) : null;
  };
  return {
    running: false,
    get waiting() {
      return waitingOn(e);
    },
    get elsewhere() {
      return elsewhere();
    },
    start: () => {
      const by = elsewhere();
      return { started: false, reason: by ? `${by} drives this project and acts on it` : idle };
    },
  };
}

/** The loop inside a host: one run at a time, started on request (and after a decision), never twice. */
export function createLoopRunner(p: OpenedProject, onChange: () => void) {
  let running: Promise<LoopOutcome> | null = null;
  let last: LoopOutcome | null = null;
  let abort: AbortController | null = null;
  return {
    get running() {
      return running !== null;
    },
    get waiting() {
      return last?.waitingOn ?? waitingOn(p);
    },
    start(): { started: boolean; reason: string } {
      if (running) return { started: false, reason: 'the loop is already running' };
      abort = new AbortController();
      const { signal } = abort;
      // The stages (and the QA gate's parsers) load with the first run: a command that only records and reads
      // (`governor status`, `decide`) never runs a loop, and should not pay for one.
      running = import('./workflow/loop.ts')
        .then(({ runLoop }) => runLoop(p, { signal }))
        .then((o) => (last = o))
        .catch((err: unknown) => {
          p.progress({ kind: 'warn', text: `loop stopped: ${err instanceof Error ? err.message : String(err)}` });
          last = { steps: 0, state: 'blocked', waitingOn: [String(err)] };
          return last;
        })
        .finally(() => {
          running = null;
          onChange();
        });
      onChange();
      return { started: true, reason: 'started' };
    },
    async idle(): Promise<void> {
      if (running) await running;
    },
    /** Stop after the current step (a step is never cut short: it ends in one ledger transaction), then wait. */
    async stop(): Promise<void> {
      abort?.abort();
      if (running) await running;
    },
  };
}
export type LoopRunner = ReturnType<typeof createLoopRunner>;

export function statusSnapshot(
  p: Pick<OpenedProject, 'read'>,
  loop: Pick<LoopDriver, 'running' | 'waiting'>,
): StatusSnapshot {
  const project = p.read.project();
  if (!project) throw new GovernorError('not_initialised', 'the project has not been initialised');
  const c = p.read.counts();
  // One indexed row: the newest critical concern (not every concern parsed to find it).
  const lastCritical = p.read.lastCritical()?.timestamp ?? null;
  return {
    name: project.name,
    phase: project.phase,
    phase_name: project.roadmap.find((r) => r.number === project.phase)?.name ?? `Phase ${project.phase}`,
    next_phase: ((n) => (n ? { number: n.number, name: n.name } : null))(nextRoadmapPhase(p.read)),
    stage: project.stage,
    iteration: project.iteration,
    tasks: { done: c.tasksDone, total: c.tasksTotal },
    open_concerns: c.openConcerns,
    critical_concerns: c.criticalOpen,
    pending_reviews: c.pendingReviews,
    last_critical_at: lastCritical,
    spend_usd: p.read.agents().reduce((s, a) => s + a.cost_usd, 0),
    last_seq: project.last_seq,
    last_update: project.last_ts,
    loop: { running: loop.running, waiting_on: loop.waiting },
  };
}

/**
 * What every call that may change the ledger does after its work, whichever surface it came from (the UI,
 * the CLI in process or through a host, Discord, an interactive run): whatever it appended shows in the
 * exports before the call answers — on failure too, since a refused command is still recorded — and a human
 * action that went through wakes the loop, which acts on it. Handlers never sync or wake by themselves.
 */
export async function followUp(p: Engine, loop: LoopDriver, o: { since: number; wake: boolean }): Promise<void> {
  // Never throws: the change is in the ledger either way, and the next sync (any command, the loop) catches up.
  const warn = (what: string, err: unknown) =>
    p.progress({ kind: 'warn', text: `${what}: ${err instanceof Error ? err.message : String(err)}` });
  if (p.ledger.count() !== o.since && !loop.elsewhere)
    await p.exporter.sync().catch((err: unknown) => warn('exports not updated', err));
  if (!o.wake) return;
  try {
    loop.start();
  } catch (err) {
    warn('the loop did not start', err);
  }
}

/**
 * The driver's half of "record anywhere, act in one place": when another process appends to this project's
 * ledger (a `governor decide` with no host to go through, a Discord link without a loop), the driver follows
 * it up as if the call had come in here — exports, then the loop. Every SQLite commit touches the database
 * files, which is what is watched; appends of this process are followed up where they are made.
 */
export function followOtherProcesses(p: Engine, loop: LoopDriver): () => void {
  let seen = p.ledger.count();
  const offAppend = p.ledger.onAppend((events) => {
    seen = Math.max(seen, events.at(-1)?.seq ?? seen);
  });
  let running = false;
  let again = false;
  const check = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        const now = p.ledger.count();
        if (now <= seen) continue;
        seen = now;
        await followUp(p, loop, { since: -1, wake: true });
      } while (again);
    } catch (err) {
      // The project may be closing under us; the next open syncs what this missed.
      p.progress({
        kind: 'warn',
        text: `following another process's change: ${err instanceof Error ? err.message : String(err)}`,
      });
    } finally {
      running = false;
    }
  };
  // The watch says the WAL file moved, but the commit only becomes visible with the WAL index in the -shm
  // file, which is written through a memory map and raises no file event: look again a moment later. A slow
  // poll covers what a watch cannot see at all (network file systems, a missed event).
  let soon: NodeJS.Timeout | null = null;
  const lookSoon = () => {
    soon ??= setTimeout(() => {
      soon = null;
      void check();
    }, 50);
  };
  const poll = setInterval(() => void check(), 1000);
  poll.unref();
  let watcher: FSWatcher | null = null;
  try {
    watcher = watch(join(p.dir, '.governor'), (_e, name) => {
      if (name && String(name).startsWith('governor.db')) lookSoon();
    });
    // A watch that fails later (the folder removed) leaves the poll to do the work.
    watcher.on('error', () => watcher?.close());
  } catch (err) {
    p.progress({
      kind: 'warn',
      text: `cannot watch the ledger for other processes' changes: ${err instanceof Error ? err.message : String(err)}`,
    });
  }
  return () => {
    offAppend();
    watcher?.close();
    clearInterval(poll);
    if (soon) clearTimeout(soon);
  };
}
