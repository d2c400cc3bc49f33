import { z } from 'zod';
import { type AgentName, WorkerActivity } from '../../../../shared/index.ts';
import { GovernorError, errorMessage } from '../../errors.ts';
import type { AgentActions } from '../../mcp/actions.ts';
import type { PermissionGate } from '../../permissions/gate.ts';
import type { Redactor } from '../../secrets/redact.ts';
import { workspaceBase, workspaceChanges } from './git-workspace.ts';
import type { Worker, WorkerHooks, WorkerResult, WorkerTask } from './worker.ts';

/**
 * A coding agent's session as Governor saw it, through the worker interface: every call the worker made
 * on its hooks, in order, and what it handed back. This is what the engine acts on; the agent's own
 * protocol (Claude Code's messages, Codex's JSON-RPC, ACP) is below it and is not needed to replay.
 *
 * Calls that wait (a permission check, a Governor action through MCP, a test run) are two entries, when
 * they began and when they ended, because the agent goes on streaming meanwhile; `flush` marks where the
 * buffered activity was written to the ledger (the live writer flushes on a timer), so a replay writes it
 * at the same places and the ledger gets the same transactions, clock readings and sequence numbers.
 */
const Entry = z.discriminatedUnion('op', [
  z.object({ op: z.literal('activity'), a: WorkerActivity.omit({ agent: true, worker: true, task_id: true }) }),
  z.object({ op: z.literal('flush') }),
  z.object({ op: z.literal('session'), id: z.string(), resumed: z.boolean() }),
  z.object({
    op: z.literal('gate'),
    n: z.number().int(),
    tool: z.string(),
    input: z.record(z.string(), z.unknown()),
    session_id: z.string().nullable(),
  }),
  /** The agent cancelled that tool use while it waited (its request is withdrawn). */
  z.object({ op: z.literal('gate_abort'), n: z.number().int() }),
  z.object({
    op: z.literal('gate_done'),
    n: z.number().int(),
    behavior: z.enum(['allow', 'deny']).nullable(),
    /** The ask reached its timeout: a replay times it out at once, however long the run waited. */
    timed_out: z.boolean().default(false),
  }),
  z.object({ op: z.literal('mcp'), n: z.number().int(), name: z.string(), args: z.array(z.unknown()) }),
  z.object({ op: z.literal('mcp_done'), n: z.number().int(), ok: z.boolean() }),
  z.object({ op: z.literal('tests'), n: z.number().int() }),
  z.object({ op: z.literal('tests_done'), n: z.number().int() }),
]);
type Entry = z.infer<typeof Entry>;

/** A file the agent changed: its bytes, or null when it deleted it. What Governor then commits. */
const Change = z.object({ path: z.string(), base64: z.string().nullable() });

const Ending = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('result'),
    outcome: z.enum(['handed_off', 'finished', 'budget_exhausted', 'max_turns', 'timed_out', 'interrupted']),
    summary: z.string(),
    commit_subject: z.string(),
    tested: z.string().nullable(),
    changes: z.array(Change).nullable(),
    session_id: z.string().nullable(),
    usage: z.object({ input: z.number(), output: z.number(), costUsd: z.number(), model: z.string() }).nullable(),
    turns: z.number().int(),
  }),
  /** The worker failed (crashed, timed out, refused): the engine makes it a concern, as in the run. */
  z.object({ kind: z.literal('error'), code: z.string(), message: z.string() }),
]);

export const WorkerTape = z.object({
  agent: z.string(),
  kind: z.string(),
  task_id: z.string(),
  /** The workspace the agent worked in: paths in its stream and the gate's verdicts refer to it. */
  workspace: z.string(),
  resume: z.string().nullable(),
  entries: z.array(Entry),
  /** Null while the session runs (a killed run's tape ends there). */
  end: Ending.nullable(),
});
export type WorkerTape = z.infer<typeof WorkerTape>;

/** Functions of the agent's Governor actions, by name (raise_concern, handoff, …). */
type ActionFn = (...args: unknown[]) => unknown;
const actionNames = (mcp: AgentActions) =>
  Object.keys(mcp).filter((k) => typeof (mcp as unknown as Record<string, unknown>)[k] === 'function');
const actionOf = (mcp: AgentActions, name: string): ActionFn | null => {
  const f = (mcp as unknown as Record<string, unknown>)[name];
  return typeof f === 'function' ? (f as ActionFn).bind(mcp) : null;
};

/**
 * Wraps a coding agent's worker so its session goes on `tape` as it happens. Everything is redacted as the
 * rest of the cassette is, except the changed files' bytes: Governor commits those to git anyway.
 */
export function recordingWorker(
  inner: Worker,
  o: { redactor: Redactor; start(tape: WorkerTape): void; changed(): void },
): Worker {
  const clean = <T>(v: T): T => JSON.parse(o.redactor.redact(JSON.stringify(v))) as T;
  return {
    kind: inner.kind,
    label: inner.label,
    usesGit: inner.usesGit,
    async work(t: WorkerTask, h: WorkerHooks): Promise<WorkerResult> {
      const tape: WorkerTape = {
        agent: t.agent,
        kind: inner.kind,
        task_id: t.task.id,
        workspace: t.workspace,
        resume: t.resume,
        entries: [],
        end: null,
      };
      o.start(tape);
      const note = (e: Entry) => {
        tape.entries.push(clean(e));
        o.changed();
      };
      let n = 0;
      h.onActivityFlush?.(() => {
        if (tape.end === null) note({ op: 'flush' });
      });
      const gate: PermissionGate = {
        verdict: (use, sid) => h.gate.verdict(use, sid),
        async check(use, sid, signal) {
          const k = n++;
          note({ op: 'gate', n: k, tool: use.tool, input: use.input, session_id: sid });
          const onAbort = () => note({ op: 'gate_abort', n: k });
          if (signal?.aborted) onAbort();
          else signal?.addEventListener('abort', onAbort, { once: true });
          try {
            const a = await h.gate.check(use, sid, signal);
            note({
              op: 'gate_done',
              n: k,
              behavior: a.behavior,
              timed_out: a.behavior === 'deny' && a.timedOut === true,
            });
            return a;
          } catch (err) {
            note({ op: 'gate_done', n: k, behavior: null, timed_out: false });
            throw err;
          } finally {
            signal?.removeEventListener('abort', onAbort);
          }
        },
      };
      const mcp = Object.create(h.mcp) as AgentActions;
      for (const name of actionNames(h.mcp)) {
        const f = actionOf(h.mcp, name);
        if (!f) continue;
        Object.defineProperty(mcp, name, {
          enumerable: true,
          value: (...args: unknown[]) => {
            const k = n++;
            note({ op: 'mcp', n: k, name, args });
            const done = (ok: boolean) => note({ op: 'mcp_done', n: k, ok });
            let out: unknown;
            try {
              out = f(...args);
            } catch (err) {
              done(false);
              throw err;
            }
            if (!(out instanceof Promise)) {
              done(true);
              return out;
            }
            return out.then(
              (v) => {
                done(true);
                return v;
              },
              (err: unknown) => {
                done(false);
                throw err;
              },
            );
          },
        });
      }
      const hooks: WorkerHooks = {
        ...h,
        gate,
        mcp,
        activity: (a) => {
          note({ op: 'activity', a });
          h.activity(a);
        },
        session: (id, resumed) => {
          note({ op: 'session', id, resumed });
          h.session(id, resumed);
        },
        runTests: async () => {
          const k = n++;
          note({ op: 'tests', n: k });
          try {
            return await h.runTests();
          } finally {
            note({ op: 'tests_done', n: k });
          }
        },
      };
      try {
        const r = await inner.work(t, hooks);
        // The files the agent changed, read as the engine reads them: a replay hands these back.
        const changes: Map<string, string | Uint8Array | null> =
          r.changes ?? (await workspaceChanges(t.workspace, await workspaceBase(t.workspace, 'HEAD')));
        tape.end = {
          kind: 'result',
          outcome: r.outcome,
          summary: o.redactor.redact(r.summary),
          commit_subject: o.redactor.redact(r.commitSubject),
          tested: r.tested === null ? null : o.redactor.redact(r.tested),
          changes: [...changes].map(([path, v]) => ({
            path,
            base64: v === null ? null : Buffer.from(typeof v === 'string' ? Buffer.from(v) : v).toString('base64'),
          })),
          session_id: r.sessionId,
          usage: r.usage,
          turns: r.turns,
        };
        return { ...r, changes };
      } catch (err) {
        tape.end = {
          kind: 'error',
          code: err instanceof GovernorError ? err.code : 'internal',
          message: o.redactor.redact(errorMessage(err)),
        };
        throw err;
      } finally {
        o.changed();
      }
    },
  };
}

/** Whether an action succeeded, sync or async, without letting a failure go unhandled. */
function called(f: ActionFn, args: unknown[]): Promise<boolean> {
  try {
    const out = f(...args);
    return out instanceof Promise
      ? out.then(
          () => true,
          () => false,
        )
      : Promise.resolve(true);
  } catch {
    return Promise.resolve(false);
  }
}

/**
 * Plays recorded sessions back through the worker interface: no binary, no network, no workspace. Each
 * hook call is made again in the recorded order (a wait begun and awaited where the run did), so the
 * engine appends the same events; the gate and Governor's actions decide again, and an answer other than
 * the recorded one stops the replay, naming the tool.
 */
export function replayWorker(
  live: Worker,
  agent: AgentName,
  next: () => WorkerTape | null,
  onMismatch: (what: string) => void,
): Worker {
  // The engine turns a worker's failure into a concern and goes on; the replay is told as well, so it says
  // where the run went differently rather than only that a concern appeared.
  const mismatch = (tape: WorkerTape, what: string) => {
    const e = new GovernorError(
      'replay_mismatch',
      `replaying ${tape.agent}'s ${tape.kind} session on ${tape.task_id}: ${what}; the run went differently`,
    );
    onMismatch(e.message);
    return e;
  };
  let current: WorkerTape | null = null;
  const take = (taskId: string): WorkerTape => {
    current ??= next();
    const tape = current;
    if (!tape) {
      const what =
        `replay: ${agent} works on ${taskId} with ${live.label}, and the cassette holds no more recorded ` +
        'sessions of it (a run recorded before coding-agent sessions were kept cannot be replayed without the agent)';
      onMismatch(what);
      throw new GovernorError('replay_exhausted', what);
    }
    if (tape.task_id !== taskId) throw mismatch(tape, `the replay asked for a session on ${taskId}`);
    return tape;
  };
  return {
    kind: live.kind,
    label: live.label,
    usesGit: live.usesGit,
    replay: { workspace: (taskId) => take(taskId).workspace },
    async work(t: WorkerTask, h: WorkerHooks): Promise<WorkerResult> {
      const tape = take(t.task.id);
      current = null;
      if (tape.resume !== t.resume)
        throw mismatch(tape, `the run resumed ${tape.resume ?? 'no session'}, the replay ${t.resume ?? 'none'}`);
      const waits = new Map<number, { done: Promise<unknown>; abort: AbortController; tool: string }>();
      const settle = async (k: number) => {
        const w = waits.get(k);
        waits.delete(k);
        if (!w) throw mismatch(tape, `call #${k} ends before it began`);
        return w.done;
      };
      for (const e of tape.entries) {
        switch (e.op) {
          case 'activity':
            h.activity(e.a);
            break;
          case 'flush':
            h.flushActivity?.();
            break;
          case 'session':
            h.session(e.id, e.resumed);
            break;
          case 'gate': {
            const abort = new AbortController();
            const timedOut = tape.entries.some((d) => d.op === 'gate_done' && d.n === e.n && d.timed_out);
            const use = { tool: e.tool, input: e.input };
            const done = h.gate.check(use, e.session_id, abort.signal, { timedOut }).then(
              (a) => a.behavior,
              () => null,
            );
            waits.set(e.n, { done, abort, tool: e.tool });
            break;
          }
          case 'gate_abort':
            waits.get(e.n)?.abort.abort();
            break;
          case 'gate_done': {
            const tool = waits.get(e.n)?.tool ?? '?';
            const behavior = await settle(e.n);
            if (behavior !== e.behavior)
              throw mismatch(tape, `the gate answered ${behavior} for ${tool}, the run's ${e.behavior}`);
            break;
          }
          case 'mcp': {
            const f = actionOf(h.mcp, e.name);
            if (!f) throw mismatch(tape, `Governor has no action ${e.name}`);
            // Called at once, as in the run: a synchronous action appends before the next entry.
            waits.set(e.n, { done: called(f, e.args), abort: new AbortController(), tool: e.name });
            break;
          }
          case 'mcp_done': {
            const name = waits.get(e.n)?.tool ?? '?';
            const ok = await settle(e.n);
            if (ok !== e.ok)
              throw mismatch(
                tape,
                `${name} ${ok ? 'succeeded' : 'failed'}, in the run it ${e.ok ? 'succeeded' : 'failed'}`,
              );
            break;
          }
          case 'tests':
            waits.set(e.n, { done: h.runTests(), abort: new AbortController(), tool: 'run_tests' });
            break;
          case 'tests_done':
            await settle(e.n);
            break;
        }
      }
      const end = tape.end;
      if (!end) throw mismatch(tape, 'the recording ends mid-session (the run was killed)');
      if (end.kind === 'error') throw new GovernorError(end.code, end.message);
      return {
        outcome: end.outcome,
        summary: end.summary,
        commitSubject: end.commit_subject,
        tested: end.tested,
        concerns: [],
        variations: [],
        changes: end.changes
          ? new Map(end.changes.map((c) => [c.path, c.base64 === null ? null : Buffer.from(c.base64, 'base64')]))
          : null,
        sessionId: end.session_id,
        usage: end.usage,
        turns: end.turns,
      };
    },
  };
}
