import type { AgentName, CallName, CallRequest, CallResponse, StatusSnapshot } from '../../shared/index.ts';
import { agentNames, contract } from '../../shared/index.ts';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './artifacts/atomic.ts';
import { gitDiff, gitLog, gitResolve } from './api-git.ts';
import { qaCases } from './api-qa.ts';
import { validateAgentsYaml, validatePoliciesYaml } from './config/load.ts';
import { GovernorError, InvalidInputError, NotFoundError } from './errors.ts';
import { gitStatusText } from './git/status.ts';
import { timelinePage } from './store/timeline.ts';
import type { OpenedProject } from './host.ts';
import { discordStatus, queueTestMessage, retryDead } from './discord/status.ts';
import { validateDiscordYaml } from './discord/config.ts';
import { resourcesRoot } from './config/templates.ts';
import { keyStatus } from './secrets/key-status.ts';
import { handleCommand } from './workflow/commands.ts';
import { decideReview } from './workflow/decisions.ts';
import { ackConcern, assignConcern, escalateConcern, findConcern, resolveConcern } from './workflow/human-actions.ts';
import { commitConfigEdits } from './workflow/config-commit.ts';
import { type LoopOutcome, runLoop, waitingOn } from './workflow/loop.ts';
import { usageSummary } from './workflow/usage.ts';
import type { ProjectSwitcher } from './projects.ts';
import { readRecent } from './recent.ts';
import { agentActivity, decidePermission } from './permissions/api.ts';
import { normalisePermissionId } from './permissions/requests.ts';

type Handlers = { [N in CallName]: (params: CallResponse<N> extends never ? never : Parsed<N>) => Promise<CallResponse<N>> };
type Parsed<N extends CallName> = ReturnType<(typeof contract.calls)[N]['request']['parse']>;

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
      running = runLoop(p, { signal: abort.signal })
        .then((o) => (last = o))
        .catch((err: unknown) => {
          p.progress({ kind: 'warn', text: `loop stopped: ${err instanceof Error ? err.message : String(err)}` });
          return (last = { steps: 0, state: 'blocked', waitingOn: [String(err)] });
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

export function statusSnapshot(p: Pick<OpenedProject, 'read'>, loop: { running: boolean; waiting: string[] }): StatusSnapshot {
  const project = p.read.project();
  if (!project) throw new GovernorError('not_initialised', 'the project has not been initialised');
  const c = p.read.counts();
  const lastCritical = p.read.concerns().filter((x) => x.severity === 'critical').at(-1)?.timestamp ?? null;
  return {
    name: project.name,
    phase: project.phase,
    phase_name: project.roadmap.find((r) => r.number === project.phase)?.name ?? `Phase ${project.phase}`,
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
 * The one implementation of the contract, over an opened project. Transports validate requests with the
 * contract before calling in, and responses on the way out; handlers only do the work.
 */
export function createApi(p: OpenedProject, loop: LoopRunner, who: { user: string; source: 'ui' | 'cli' | 'discord' }, projects?: ProjectSwitcher): Handlers {
  const agents = agentNames(p.agentsFile) as AgentName[];
  // Switching needs a front end that can re-wire itself to another project (the host, the desktop app).
  const switcher = (): ProjectSwitcher => {
    if (!projects) throw new GovernorError('unsupported', 'this front end cannot switch projects; serve another folder with `governor serve --dir <folder>`');
    return projects;
  };
  return {
    'project.status': async () => statusSnapshot(p, loop),
    'reviews.list': async ({ status }) => (status === 'pending' ? p.read.pendingReviews() : status === 'decided' ? p.read.reviews().filter((r) => r.status === 'decided') : p.read.reviews()),
    'reviews.get': async ({ id }) => {
      const r = p.read.review(id);
      if (!r) throw new NotFoundError('review', id);
      return r;
    },
    'reviews.decide': async ({ reviewId, decision, comment, inline }) => {
      const r = decideReview(p.ledger, p.read, { reviewId, decision, comment, inline, source: who.source, by: who.user });
      loop.start();
      return r;
    },
    'concerns.list': async ({ open }) => (open ? p.read.openConcerns() : p.read.concerns()),
    'concerns.act': async ({ concernId, action, note, to }) => {
      const id = p.ledger.transact((tx) => {
        const ts = new Date().toISOString();
        if (action === 'ack') return ackConcern(tx, p.read, concernId, 'Human', note, ts);
        if (action === 'resolve') return resolveConcern(tx, p.read, concernId, 'Human', note, ts);
        if (!to) throw new InvalidInputError(`"${action}" needs "to": the agent (or Human) to ${action} the concern to`);
        if (action === 'assign') {
          if (to === 'Human') throw new InvalidInputError('assign a concern to an agent');
          return assignConcern(tx, p.read, concernId, to, 'Human', note, ts);
        }
        return escalateConcern(tx, p.read, concernId, to, 'Human', note || 'escalated by the human', ts);
      });
      // The concern files and PROJECT_DETAIL show it at once, and a resolution may be what the build waits on.
      await p.exporter.sync();
      loop.start();
      return findConcern(p.read, id);
    },
    'commands.run': async ({ text }) => {
      const r = await handleCommand({ ledger: p.ledger, read: p.read, agents, gitStatus: () => gitStatusText(p) }, text, who);
      await p.exporter.sync();
      if (r.ok) loop.start();
      return r;
    },
    'agents.list': async () => p.read.agents(),
    'ledger.page': async (q) => timelinePage(p.ledger, q),
    'ledger.verify': async () => {
      // Paged, with progress: a million events take seconds, and the host keeps serving meanwhile.
      const n = (x: number) => x.toLocaleString('en');
      const v = await p.ledger.verifyPaged((checked, total) => p.progress({ kind: 'verify', text: `Verifying the chain: ${n(checked)} of ${n(total)} events` }));
      return { ok: v.ok, checked: v.checked, firstBad: v.firstBad, exports: v.ok ? await p.exporter.verify() : [] };
    },
    'loop.run': async () => loop.start(),
    'artifacts.revisions': async ({ path }) => p.read.artifacts().filter((a) => a.path === path),
    'artifacts.rendered': async ({ path }) => ({ path, content: p.exporter.expected().get(path) ?? null }),
    'git.refs': async () => {
      const refs = async (names: string[], prefix: string) => (await Promise.all(names.map(async (name) => ({ name, oid: (await p.git.resolveRef(`${prefix}${name}`)) ?? '' })))).filter((r) => r.oid);
      return { branches: await refs(await p.git.listBranches(), 'refs/heads/'), tags: await refs(await p.git.listTags(), 'refs/tags/') };
    },
    'git.diff': async (q) => gitDiff(p, q),
    'git.log': async (q) => gitLog(p, q),
    'git.resolve': async ({ rev }) => gitResolve(p, rev),
    'qa.gates': async () => p.read.gates(),
    'qa.trends': async () => p.read.trends(),
    'qa.cases': async (q) => qaCases(p, q),
    'qa.output': async ({ limit }) => {
      const rows = p.ledger.db.prepare<[number], { seq: number; payload: string }>("SELECT seq, payload FROM events WHERE type = 'qa.output_logged' ORDER BY seq DESC LIMIT ?").all(Math.ceil(limit / 10) + 1);
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
    'config.write': async ({ file, text }) => {
      const check = configCheck(file, text);
      // Nothing invalid is ever written; a valid file is replaced atomically. It takes effect on the next open.
      if (check.ok) await writeFileAtomic(join(p.dir, file), text, true);
      // The human's configuration is committed for them at once, so it never holds a promotion up.
      if (check.ok) await commitConfigEdits(p, 'when Settings saved it');
      return check;
    },
    'usage.summary': async () => usageSummary(p),
    'discord.status': async () => discordStatus(p),
    'discord.test': async () => ({ key: queueTestMessage(p) }),
    'discord.retry': async () => ({ requeued: retryDead(p) }),
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
    'permissions.decide': async ({ requestId, decision, digest, message, input }) => decidePermission(p, { requestId, decision, digest, message, ...(input ? { input } : {}), by: who.user, source: who.source }),
    'agents.activity': async ({ agent, limit }) => agentActivity(p, agent ?? null, limit),
  } as Handlers;
}

type ConfigFile = CallRequest<'config.read'>['file'];

function configCheck(file: ConfigFile, text: string): { ok: boolean; issues: Array<{ line: number; path: string; message: string }> } {
  const r = file === 'agents.yaml' ? validateAgentsYaml(text) : file === 'discord.yaml' ? validateDiscordYaml(text) : validatePoliciesYaml(text);
  return r.ok ? { ok: true, issues: [] } : { ok: false, issues: r.issues };
}

/** A project may have no discord.yaml yet: Settings then starts from the commented template. */
async function readConfig(dir: string, file: ConfigFile): Promise<{ file: ConfigFile; text: string; exists: boolean }> {
  try {
    return { file, text: await readFile(join(dir, file), 'utf8'), exists: true };
  } catch (err) {
    if (file !== 'discord.yaml' || (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return { file, text: await readFile(join(resourcesRoot(), 'resources', 'templates', 'discord.yaml'), 'utf8'), exists: false };
  }
}

function keyStoreOf(p: OpenedProject) {
  if (!p.keyStore) throw new GovernorError('unsupported', 'this front end has no key store; set the key in the environment (see Settings for the variable) or in an agents.yaml keys_file');
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
export async function dispatch<N extends CallName>(api: Handlers, name: N, params: unknown): Promise<CallResponse<N>> {
  const spec = contract.calls[name];
  const parsed = spec.request.safeParse(params ?? {});
  if (!parsed.success) throw new InvalidInputError(`${name}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ')}`);
  const handler = api[name] as unknown as (p: unknown) => Promise<unknown>;
  const result = await handler(parsed.data);
  return spec.response.parse(result) as CallResponse<N>;
}

export type { CallRequest };
