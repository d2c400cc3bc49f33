import type { AgentName, CallName, CallRequest, CallResponse, CommandSource } from '../../shared/index.ts';
import { agentNames, contract } from '../../shared/index.ts';
import { join } from 'node:path';
import { writeFileAtomic } from './artifacts/atomic.ts';
import { concernCommand, configCheck, keyStoreOf, keysOverview, readConfig } from './api-config.ts';
import { gitDiff, gitLog, gitResolve } from './api-git.ts';
import { followUp, type LoopDriver, statusSnapshot } from './api-loop.ts';
import { qaCases } from './api-qa.ts';
import { GovernorError, InvalidInputError, NotFoundError } from './errors.ts';
import { gitStatusText } from './git/status.ts';
import { timelinePage } from './store/timeline.ts';
import type { OpenedProject } from './host.ts';
import { handleCommand } from './workflow/commands.ts';
import { decideReview } from './workflow/decisions.ts';
import { findConcern } from './workflow/human-actions.ts';
import { commitConfigEdits } from './workflow/config-commit.ts';
import { usageSummary } from './workflow/usage.ts';
import type { ProjectSwitcher } from './projects.ts';
import { readRecent } from './recent.ts';
import { agentActivity, decidePermission } from './permissions/api.ts';
import { normalisePermissionId } from './permissions/requests.ts';

// The loop side lives in api-loop.ts; importers keep importing it from here, the API's one front door.
export {
  type LoopDriver,
  type LoopRunner,
  createLoopRunner,
  followOtherProcesses,
  followUp,
  noLoop,
  statusSnapshot,
} from './api-loop.ts';

type Handlers = {
  [N in CallName]: (params: CallResponse<N> extends never ? never : Parsed<N>) => Promise<CallResponse<N>>;
};
type Parsed<N extends CallName> = ReturnType<(typeof contract.calls)[N]['request']['parse']>;

/** Who is acting, as the ledger records it: the user's name and where they typed it. */
export interface Caller {
  user: string;
  source: CommandSource;
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
