import type {
  AgentName,
  AgentPermissions,
  PermissionRequest,
  TestCommand,
  WorkerActivity,
} from '../../../shared/index.ts';
import type { Redactor } from '../secrets/redact.ts';
import type { Ledger } from '../store/ledger.ts';
import type { Reader } from '../store/read.ts';
import { type Verdict, compileRules, evaluate, suggestRule } from './policy.ts';
import { alwaysRules, inputDigest, recordRequest, sessionRules, timeOutRequest, withdrawRequest } from './requests.ts';
import type { ToolUse } from './rules.ts';
import { type WaitOutcome, waitForDecision } from './waiter.ts';

/** What the worker adapter tells its agent: run this input, or do not (and read why). */
export type GateAnswer =
  | { behavior: 'allow'; input: Record<string, unknown>; requestId: string | null }
  | { behavior: 'deny'; message: string; requestId: string | null; timedOut?: boolean };

export interface GateOptions {
  ledger: Ledger;
  read: Reader;
  agent: AgentName;
  worker: string;
  phase: number;
  taskId: string | null;
  /** The agent's workspace: the only place it may read and write. */
  root: string;
  permissions: AgentPermissions | undefined;
  tests: readonly Pick<TestCommand, 'command'>[];
  /** The name Governor's MCP server has in the agent's configuration. */
  mcpServer: string;
  redactor?: Redactor;
  clock?: () => Date;
  /** Each decision, for the agent's activity stream (the caller batches what it writes to the ledger). */
  onActivity?: (a: Omit<WorkerActivity, 'agent' | 'worker' | 'task_id'>) => void;
  /** A request is waiting on the human (the agent's state shows "waiting on you"). */
  onWaiting?: (r: PermissionRequest | null) => void;
  signal?: AbortSignal;
}

export interface PermissionGate {
  /**
   * `signal`: the agent cancelled this one tool use (its request is withdrawn). `replayed`: a replay of a
   * recorded session, where an ask times out at once if it did in the run, and otherwise waits for the
   * recorded decision no matter how long ago the run was.
   */
  check(
    use: ToolUse,
    sessionId: string | null,
    signal?: AbortSignal,
    replayed?: { timedOut: boolean },
  ): Promise<GateAnswer>;
  /** The policy alone, without asking anyone (for tests and the bench). */
  verdict(use: ToolUse, sessionId: string | null): Verdict;
}

const DEFAULT_TIMEOUT_S = 1800;

/**
 * The one permission gate every coding agent's tool use goes through. The policy decides allow and deny
 * at once, in memory; "ask" becomes a durable request in the human's inbox and the agent waits for the
 * first decision from any surface, or for the policy's timeout, which is recorded as `timed_out` and
 * told to the agent as such, never as a denial. A resumed session that asks again for the same input
 * waits on (or uses) the request it already made, so a restart never asks the human twice.
 */
export function createPermissionGate(o: GateOptions): PermissionGate {
  const clock = o.clock ?? (() => new Date());
  const base = o.permissions;
  const timeoutS = base?.timeout_s ?? DEFAULT_TIMEOUT_S;
  const redact = (s: string) => (o.redactor ? o.redactor.redact(s) : s);
  const applied = new Set<string>();

  // The rules change only when a human grants one: compiled once per (latest decision, session). The
  // decision's own event says when (a request's row keeps the seq it was asked at), found by index.
  const latestDecision = o.ledger.db.prepare<[], { seq: number | null }>(
    "SELECT MAX(seq) AS seq FROM events WHERE type = 'permission.decided'",
  );
  let cached: { key: string; rules: ReturnType<typeof compileRules> } | null = null;
  const verdict = (use: ToolUse, sessionId: string | null): Verdict => {
    const key = `${latestDecision.get()?.seq ?? 0}:${sessionId ?? ''}`;
    if (cached?.key !== key)
      cached = {
        key,
        rules: compileRules(base, [...alwaysRules(o.read), ...sessionRules(o.read, o.agent, sessionId)]),
      };
    return evaluate(use, { root: o.root, rules: cached.rules, tests: o.tests, ownMcpServer: o.mcpServer });
  };

  function answerFrom(r: PermissionRequest, use: ToolUse): GateAnswer {
    const d = r.decision;
    if (r.status === 'timed_out') {
      const mins = Math.round(timeoutS / 60);
      return {
        behavior: 'deny',
        requestId: r.id,
        timedOut: true,
        message:
          `Governor asked the human about this (${r.id}); nobody decided within ${mins} ` +
          `minute${mins === 1 ? '' : 's'}, so the request timed out. It was not denied: the tool did ` +
          `not run. Carry on without it if you can, or raise a concern ` +
          `(mcp__${o.mcpServer}__raise_concern) saying what you need.`,
      };
    }
    if (r.status === 'denied' || !d)
      return {
        behavior: 'deny',
        requestId: r.id,
        message: `The human denied this (${r.id}): ${d?.message || 'no reason given'}`,
      };
    if (d.decision === 'allow_edited' && typeof d.edited_input === 'object' && d.edited_input !== null)
      return { behavior: 'allow', input: d.edited_input as Record<string, unknown>, requestId: r.id };
    return { behavior: 'allow', input: use.input, requestId: r.id };
  }

  return {
    verdict,
    async check(use, sessionId, callSignal, replayed) {
      const digest = inputDigest(use.tool, use.input);
      const v = verdict(use, sessionId);
      const activity = (behavior: 'allow' | 'deny' | 'ask', text: string, rule: string | null) =>
        o.onActivity?.({
          session_id: sessionId,
          kind: 'permission',
          tool: use.tool,
          text: redact(text),
          gate: { behavior, rule, digest },
        });
      if (v.behavior === 'allow') {
        activity('allow', `${use.tool} allowed: ${v.reason}`, v.rule);
        return { behavior: 'allow', input: use.input, requestId: null };
      }
      if (v.behavior === 'deny') {
        activity('deny', `${use.tool} denied: ${v.reason}`, v.rule);
        return {
          behavior: 'deny',
          requestId: null,
          message:
            `Governor's policy denies this: ${v.reason}. Do not try to get around it; if you need ` +
            `it, raise a concern (mcp__${o.mcpServer}__raise_concern).`,
        };
      }
      // Asked before (a resumed session asks again): wait on that request, or use its decision once.
      const earlier = o.read.permissionByDigest(o.agent, digest);
      let request: PermissionRequest;
      if (
        earlier &&
        (earlier.status === 'pending' ||
          (earlier.status !== 'timed_out' && !applied.has(earlier.id) && !o.read.permissionUsed(earlier.id)))
      )
        request = earlier;
      else {
        const ts = clock().toISOString();
        request = o.ledger.transact((tx) =>
          recordRequest(
            tx,
            {
              phase: o.phase,
              agent: o.agent,
              worker: o.worker,
              session_id: sessionId,
              task_id: o.taskId,
              tool: use.tool,
              input: JSON.parse(redact(JSON.stringify(use.input))) as unknown,
              input_digest: digest,
              summary: redact(summarise(use)),
              reason: v.reason,
              suggested_rule: suggestRule(use, o.root),
              timeout_at: new Date(Date.parse(ts) + timeoutS * 1000).toISOString(),
            },
            ts,
          ),
        );
      }
      if (request.status === 'pending') {
        o.onWaiting?.(request);
        let outcome: WaitOutcome;
        const signals = [o.signal, callSignal].filter((x): x is AbortSignal => x !== undefined);
        try {
          outcome = await waitForDecision(
            o.ledger,
            o.read,
            request.id,
            replayed ? new Date(Date.now() + (replayed.timedOut ? 0 : timeoutS * 1000)) : new Date(request.timeout_at),
            signals.length ? AbortSignal.any(signals) : undefined,
          );
        } finally {
          o.onWaiting?.(null);
        }
        if (outcome.kind === 'aborted' && callSignal?.aborted && !o.signal?.aborted) {
          withdrawRequest(o.ledger, o.read, request.id, 'the agent cancelled the tool use before anyone decided');
          return {
            behavior: 'deny',
            requestId: request.id,
            message: `${request.id} was withdrawn: the tool use was cancelled.`,
          };
        }
        if (outcome.kind === 'aborted')
          return {
            behavior: 'deny',
            requestId: request.id,
            message: `Governor stopped while ${request.id} was waiting on the human; it stays in the inbox.`,
          };
        request =
          outcome.kind === 'decided'
            ? outcome.request
            : (timeOutRequest(o.ledger, o.read, request.id, clock()) ?? request);
      }
      applied.add(request.id);
      const answer = answerFrom(request, use);
      // Written at once (not batched): a decision used is what a resumed session must not use twice.
      o.ledger.transact((tx) =>
        tx.append({
          type: 'worker.activity',
          actor: o.agent,
          payload: {
            agent: o.agent,
            worker: o.worker,
            session_id: sessionId,
            task_id: o.taskId,
            kind: 'permission',
            tool: use.tool,
            text: redact(
              `${request.id} ${request.status}` +
                (request.decision
                  ? ` (${request.decision.decision} by ${request.decision.by} via ${request.decision.source})`
                  : ''),
            ),
            gate: { behavior: answer.behavior, rule: request.decision?.rule ?? null, digest },
          },
        }),
      );
      return answer;
    },
  };
}

/** One line for the inbox: the command, the file, the URL. */
export function summarise(use: ToolUse): string {
  const i = use.input;
  const s = (v: unknown) => (typeof v === 'string' ? v : '');
  const text =
    s(i.command) || s(i.file_path) || s(i.notebook_path) || s(i.url) || s(i.pattern) || s(i.path) || JSON.stringify(i);
  return `${use.tool}: ${text}`.slice(0, 300);
}
