import type {
  AgentName,
  CallName,
  CallRequest,
  CallResponse,
  CommandSource,
  StatusSnapshot,
} from '../../shared/index.ts';
import { agentNames, contract } from '../../shared/index.ts';
import { type FSWatcher, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './artifacts/atomic.ts';
import { gitDiff, gitLog, gitResolve } from './api-git.ts';
import { qaCases } from './api-qa.ts';
import { validateAgentsYaml, validatePoliciesYaml } from './config/load.ts';
import { GovernorError, InvalidInputError, NotFoundError } from './errors.ts';
import { describeDriver, drivenElsewhere } from './loop-lock.ts';
import { gitStatusText } from './git/status.ts';
import { timelinePage } from './store/timeline.ts';
import type { OpenedProject } from './host.ts';
import { validateDiscordYaml } from './discord/config.ts';
import { resourcesRoot } from './config/templates.ts';
import { keyStatus } from './secrets/key-status.ts';
import { handleCommand } from './workflow/commands.ts';
import { decideReview } from './workflow/decisions.ts';
import { findConcern } from './workflow/human-actions.ts';
import { commitConfigEdits } from './workflow/config-commit.ts';
import type { LoopOutcome } from './workflow/loop.ts';
import { waitingOn } from './workflow/waiting.ts';
import type { Engine } from './workflow/engine.ts';
import { nextRoadmapPhase } from './workflow/stages/next-phase.ts';
import { usageSummary } from './workflow/usage.ts';
import type { ProjectSwitcher } from './projects.ts';
import { readRecent } from './recent.ts';
import { agentActivity, decidePermission } from './permissions/api.ts';
import { normalisePermissionId } from './permissions/requests.ts';

type Handlers = {
  [N in CallName]: (params: CallResponse<N> extends never ? never : Parsed<N>) => Promise<CallResponse<N>>;
};
type Parsed<N extends CallName> = ReturnType<(typeof contract.calls)[N]['request']['parse']>;

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

/** Who is acting, as the ledger records it: the user's name and where they typed it. */
export interface Caller {
  user: string;
  source: CommandSource;
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

/**
 * The one implementation of the contract, over an opened project. Transports validate requests with the
 * contract before calling in, and responses on the way out; handlers only do the work. Every surface comes
 * in here through `dispatch(createApi(…), …)`: the host's WebSocket, the desktop IPC, the CLI (through a
 * running host, or in process when there is none), the Discord bridge and the interactive `governor run`.
 */
export function createApi(p: OpenedProject, loop: LoopDriver, who: Caller, projects?: ProjectSwitcher) {
  const agents = agentNames(p.agentsFile) as AgentName[];
  const clock = p.clock;
  /** A human action: recorded, then `followUp` (exports, and the loop when `wakes` says the action took). */
  const acts =
    <A, R>(work: (a: A) => Promise<R>, wakes: (r: R) => boolean = () => true) =>
    async (a: A): Promise<R> => {
      const since = p.ledger.count();
      let result: { r: R } | null = null;
      try {
        result = { r: await work(a) };
        return result.r;
      } finally {
        await followUp(p, loop, { since, wake: result !== null && wakes(result.r) });
      }
    };
  const command = (text: string) =>
    handleCommand({ ledger: p.ledger, read: p.read, agents, gitStatus: () => gitStatusText(p), clock }, text, who);
  // Switching needs a front end that can re-wire itself to another project (the host, the desktop app).
  const switcher = (): ProjectSwitcher => {
    if (!projects)
      throw new GovernorError(
        'unsupported',
        'this front end cannot switch projects; serve another folder with `governor serve --dir <folder>`',
      );
    return projects;
  };
  return {
    'project.status': async () => statusSnapshot(p, loop),
    'reviews.list': async ({ open, path, limit, after }) => ({
      ...p.read.reviewPage({ openOnly: open === true, path, limit, after }),
      totals: p.read.reviewTotals(path),
    }),
    'reviews.get': async ({ id }) => {
      const r = p.read.review(id);
      if (!r) throw new NotFoundError('review', id);
      return r;
    },
    'reviews.decide': acts(async ({ reviewId, decision, comment, inline }: Parsed<'reviews.decide'>) =>
      decideReview(p.ledger, p.read, { reviewId, decision, comment, inline, source: who.source, by: who.user }, clock),
    ),
    'concerns.list': async ({ open, limit, after }) => {
      const t = p.read.concernTotals();
      const sum = (side: Record<string, number>) => Object.values(side).reduce((a, b) => a + b, 0);
      return {
        ...p.read.concernPage({ openOnly: open === true, limit, after }),
        totals: { open: sum(t.open), resolved: sum(t.resolved) },
      };
    },
    'concerns.get': async ({ id }) => findConcern(p.read, id),
    // A concern acted on in the UI is the command the console would take, so it is logged like one
    // (commands.jsonl, "Recent Human Interactions") and a refusal says why in the same words.
    'concerns.act': acts(async ({ concernId, action, note, to }: Parsed<'concerns.act'>) => {
      const r = await command(concernCommand(action, concernId, note, to));
      if (!r.ok) throw new InvalidInputError(r.response);
      return findConcern(p.read, concernId);
    }),
    'commands.run': acts(
      async ({ text }: Parsed<'commands.run'>) => command(text),
      (r) => r.ok,
    ),
    'agents.list': async () => p.read.agents(),
    'ledger.page': async (q) => timelinePage(p.ledger, q),
    'ledger.verify': async () => {
      // Paged, with progress: a million events take seconds, and the host keeps serving meanwhile.
      const n = (x: number) => x.toLocaleString('en');
      const v = await p.ledger.verifyPaged((checked, total) =>
        p.progress({ kind: 'verify', text: `Verifying the chain: ${n(checked)} of ${n(total)} events` }),
      );
      return { ok: v.ok, checked: v.checked, firstBad: v.firstBad, exports: v.ok ? await p.exporter.verify() : [] };
    },
    'loop.run': async () => loop.start(),
    // The same command as `/phase next` from the console, the CLI or Discord: one handler, one record.
    'phase.next': acts(
      async () => command('/phase next'),
      (r) => r.ok,
    ),
    'artifacts.revisions': async ({ path }) => p.read.artifacts().filter((a) => a.path === path),
    'artifacts.rendered': async ({ path }) => ({ path, content: p.exporter.rendered(path) }),
    'git.refs': async () => {
      const refs = async (names: string[], prefix: string) =>
        (
          await Promise.all(
            names.map(async (name) => ({ name, oid: (await p.git.resolveRef(`${prefix}${name}`)) ?? '' })),
          )
        ).filter((r) => r.oid);
      return {
        branches: await refs(await p.git.listBranches(), 'refs/heads/'),
        tags: await refs(await p.git.listTags(), 'refs/tags/'),
      };
    },
    'git.diff': async (q) => gitDiff(p, q),
    'git.log': async (q) => gitLog(p, q),
    'git.resolve': async ({ rev }) => gitResolve(p, rev),
    'qa.gates': async () => p.read.gates(),
    'qa.trends': async () => p.read.trends(),
    'qa.cases': async (q) => qaCases(p, q),
    'qa.output': async ({ limit }) => {
      const rows = p.ledger.db
        .prepare<[number], { seq: number; payload: string }>(
          "SELECT seq, payload FROM events WHERE type = 'qa.output_logged' ORDER BY seq DESC LIMIT ?",
        )
        .all(Math.ceil(limit / 10) + 1);
      const lines = rows.reverse().flatMap((r) => {
        const o = JSON.parse(r.payload) as { test: string; attempt: number; lines: string[] };
        return o.lines.map((line) => ({ seq: r.seq, test: o.test, attempt: o.attempt, line }));
      });
      return lines.slice(-limit);
    },
    'config.read': async ({ file }) => readConfig(p.dir, file),
    'keys.list': async () => keysOverview(p),
    'keys.set': async ({ name, key }) => {
      const store = keyStoreOf(p);
      await store.set(name, key);
      await p.reloadKeys();
      return keysOverview(p);
    },
    'keys.remove': async ({ name }) => {
      await keyStoreOf(p).remove(name);
      await p.reloadKeys();
      return keysOverview(p);
    },
    'config.validate': async ({ file, text }) => configCheck(file, text),
    // Followed up like any human action (the configuration commit is recorded and exported); it wakes nothing,
    // since the file takes effect on the next open.
    'config.write': acts(
      async ({ file, text }: Parsed<'config.write'>) => {
        const check = configCheck(file, text);
        // Nothing invalid is ever written; a valid file is replaced atomically. It takes effect on the next open.
        if (check.ok) await writeFileAtomic(join(p.dir, file), text, true);
        // The human's configuration is committed for them at once, so it never holds a promotion up.
        if (check.ok) await commitConfigEdits(p, 'when Settings saved it');
        return check;
      },
      () => false,
    ),
    'usage.summary': async () => usageSummary(p),
    // Loaded on first use: the Discord renderer brings discord.js, about a second of every host's start.
    'discord.status': async () => (await import('./discord/status.ts')).discordStatus(p),
    'discord.test': async () => ({ key: (await import('./discord/status.ts')).queueTestMessage(p) }),
    'discord.retry': async () => ({ requeued: (await import('./discord/status.ts')).retryDead(p) }),
    'projects.current': async () => ({ dir: p.dir, name: p.read.project()?.name ?? p.agentsFile.project }),
    'projects.recent': async () => (projects ? projects.recent() : readRecent()),
    'projects.open': async ({ dir }) => switcher().open(dir),
    'projects.create': async ({ dir, name, template }) => switcher().create({ dir, name, template }),
    'projects.demo': async ({ dir }) => switcher().demo(dir),
    'permissions.list': async ({ status }) => p.read.permissionRequests(status),
    'permissions.get': async ({ id }) => {
      const r = p.read.permissionRequest(normalisePermissionId(id));
      if (!r) throw new NotFoundError('permission request', id);
      return r;
    },
    // A human decision like a review's: recorded, exported, and the loop woken (the worker waits on it).
    'permissions.decide': acts(async ({ requestId, decision, digest, message, input }: Parsed<'permissions.decide'>) =>
      decidePermission(p, {
        requestId,
        decision,
        digest,
        message,
        ...(input ? { input } : {}),
        by: who.user,
        source: who.source,
      }),
    ),
    'agents.activity': async ({ agent, limit }) => agentActivity(p, agent ?? null, limit),
  } satisfies Handlers;
}

/** The console text for a concern action taken in the UI (`to` is checked against the contract already). */
function concernCommand(
  action: CallRequest<'concerns.act'>['action'],
  concernId: string,
  note: string,
  to: string | undefined,
): string {
  const tail = note.trim() ? ` ${note.trim()}` : '';
  if (action === 'ack' || action === 'resolve') return `/${action} ${concernId}${tail}`;
  if (!to) throw new InvalidInputError(`"${action}" needs "to": the agent (or Human) to ${action} the concern to`);
  if (action === 'assign') {
    if (to === 'Human') throw new InvalidInputError('assign a concern to an agent');
    return `/assign ${to} ${concernId}${tail}`;
  }
  return `/escalate ${concernId} ${to}${tail}`;
}

type ConfigFile = CallRequest<'config.read'>['file'];

function configCheck(
  file: ConfigFile,
  text: string,
): { ok: boolean; issues: Array<{ line: number; path: string; message: string }> } {
  const r =
    file === 'agents.yaml'
      ? validateAgentsYaml(text)
      : file === 'discord.yaml'
        ? validateDiscordYaml(text)
        : validatePoliciesYaml(text);
  return r.ok ? { ok: true, issues: [] } : { ok: false, issues: r.issues };
}

/** A project may have no discord.yaml yet: Settings then starts from the commented template. */
async function readConfig(dir: string, file: ConfigFile): Promise<{ file: ConfigFile; text: string; exists: boolean }> {
  try {
    return { file, text: await readFile(join(dir, file), 'utf8'), exists: true };
  } catch (err) {
    if (file !== 'discord.yaml' || (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return {
      file,
      text: await readFile(join(resourcesRoot(), 'resources', 'templates', 'discord.yaml'), 'utf8'),
      exists: false,
    };
  }
}

function keyStoreOf(p: OpenedProject) {
  if (!p.keyStore)
    throw new GovernorError(
      'unsupported',
      'this front end has no key store; set the key in the environment (see Settings for the variable) or in an agents.yaml keys_file',
    );
  return p.keyStore;
}

async function keysOverview(p: OpenedProject) {
  return {
    store: p.keyStore?.label ?? null,
    keys: await keyStatus({ dir: p.dir, agentsFile: p.agentsFile, discord: p.discord ?? null, store: p.keyStore }),
    // A store that cannot be read is already reported per key (its problem); the list still shows.
    stored: p.keyStore ? await p.keyStore.providers().catch(() => []) : [],
  };
}

/** Validate, dispatch, validate: the boundary every transport goes through. */
export async function dispatch<N extends CallName>(api: Api, name: N, params: unknown): Promise<CallResponse<N>> {
  const spec = contract.calls[name];
  const parsed = spec.request.safeParse(params ?? {});
  if (!parsed.success)
    throw new InvalidInputError(
      `${name}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ')}`,
    );
  const handler = api[name] as unknown as (p: unknown) => Promise<unknown>;
  const result = await handler(parsed.data);
  return spec.response.parse(result) as CallResponse<N>;
}

export type Api = ReturnType<typeof createApi>;
export type { CallRequest };
