import { GovernorError } from '../../errors.ts';
import { GOVERNOR_MCP_NAME } from '../../mcp/name.ts';
import type { GateAnswer } from '../../permissions/gate.ts';
import type { ToolUse } from '../../permissions/rules.ts';
import { superviseAgentProcess } from './agent-process.ts';
import { completedItemActivity, startedItemActivity } from './codex-activity.ts';
import { commandApprovalUse, fileChangeApprovalUses, mcpApprovalUse } from './codex-approvals.ts';
import { MIN_CODEX_VERSION, appServerLaunch, checkCodex } from './codex-setup.ts';
import { connectAppServer } from './codex-rpc.ts';
import { type Json, obj, str } from './loose-json.ts';
import { startLoopbackMcp } from './loopback-mcp.ts';
import { governorInstructions, resumePrompt, taskPrompt } from './prompt.ts';
import { cap, spawnTiedToUs } from './spawn-tied.ts';
import type { Worker, WorkerHooks, WorkerOutcome, WorkerResult, WorkerSetup, WorkerTask } from './worker.ts';

export interface CodexOptions extends WorkerSetup {
  /** `codex` or `codex:<model>`, as agents.yaml says. */
  label: string;
  model: string | null;
  /** An OpenAI API key; null means the user's own `codex login` (ChatGPT sign-in). */
  apiKey: string | null;
  /** A Responses API address instead of OpenAI's (agents.yaml `base_url`). */
  baseUrl?: string | undefined;
  /** A codex binary to use instead of the one npm installed (agents.yaml `command:`). */
  executable?: string | undefined;
  /** Dollars for this many tokens of this model (the price table); 0 when unpriced. */
  price(model: string, input: number, output: number): number;
}

/**
 * Codex as a worker, through `codex app-server` over stdio (JSON-RPC): one app-server per work step, in
 * the agent's own clone. Approval policy `untrusted` makes Codex ask before every file change and every
 * command it does not know to be read-only; each ask goes to Governor's permission gate as the Claude
 * Code tool it amounts to (`Bash`, `Write`, `Edit`), so the same rules, inbox, buttons and timeouts apply.
 * A denial is declined and its reason steered into the turn, so the agent reads why. The workspace-write
 * sandbox (bubblewrap on Linux) confines commands to the workspace; Governor's MCP server is attached
 * over loopback HTTP with a per-session token; the thread id is the session, resumed after a restart.
 */
export function createCodexWorker(o: CodexOptions): Worker {
  return {
    kind: 'codex',
    label: o.label,
    usesGit: true,
    async work(t: WorkerTask, h: WorkerHooks): Promise<WorkerResult> {
      const bin = await checkCodex(o);
      const mcp = await startLoopbackMcp(h.mcp, { redactor: o.redactor });
      const { args, env } = appServerLaunch(o, bin, mcp.token);
      const abort = new AbortController();
      const child = spawnTiedToUs(bin, args, { cwd: t.workspace, env });
      let threadId: string | null = t.resume;
      const run = superviseAgentProcess({
        who: o.label,
        noun: 'thread',
        task: t,
        hooks: h,
        redactor: o.redactor,
        child,
        mcp,
        sessionId: () => threadId,
      });
      const act = run.act;
      let turnId: string | null = null;
      let lastText = '';
      let modelTurns = 0;
      let usage = { input: 0, output: 0 };
      let model = o.model ?? 'codex';
      let stop: WorkerOutcome | null = null;
      let failure: GovernorError | null = null;
      const items = new Map<string, Json>();
      const costOf = () => o.price(model, usage.input, usage.output);
      let settle: () => void = () => undefined;
      const turnDone = new Promise<void>((r) => (settle = r));
      const fail = (e: GovernorError) => {
        failure ??= e;
        settle();
      };

      /** Ask the gate about each thing the approval covers; all must be allowed. */
      const decide = async (uses: ToolUse[]): Promise<GateAnswer> => {
        let last: GateAnswer = { behavior: 'allow', input: {}, requestId: null };
        for (const use of uses) {
          last = await h.gate.check(use, threadId, abort.signal);
          if (last.behavior === 'deny') return last;
          // Codex cannot run an input the human edited: decline, and tell the agent what was allowed instead.
          if (JSON.stringify(last.input) !== JSON.stringify(use.input)) {
            return {
              behavior: 'deny',
              requestId: last.requestId,
              message:
                `The human allowed an edited version instead (${last.requestId ?? ''}): ` +
                `${JSON.stringify(last.input)}. Do that instead.`,
            };
          }
        }
        return last;
      };
      const answer = async (a: GateAnswer): Promise<{ decision: 'accept' | 'decline' }> => {
        if (a.behavior === 'allow') return { decision: 'accept' };
        // The decline alone tells the model only "rejected by user": the reason is steered into the turn.
        if (threadId && turnId) {
          const text = `Governor: ${a.message}`;
          void rpc
            .request('turn/steer', {
              threadId,
              expectedTurnId: turnId,
              input: [{ type: 'text', text, text_elements: [] }],
            })
            .catch(() => undefined);
        }
        return { decision: 'decline' };
      };

      const rpc = connectAppServer(child, {
        onBadLine: (line) =>
          fail(
            new GovernorError(
              'worker_protocol',
              `${o.label}: codex app-server wrote something that is not JSON-RPC ` +
                `(${cap(o.redactor.redact(line), 200)}); check the codex version with \`governor doctor\` ` +
                `(Governor speaks the app-server protocol of codex ${MIN_CODEX_VERSION} and later)`,
            ),
          ),
        async onRequest(method, p) {
          const started = items.get(str(p.itemId));
          if (method === 'item/commandExecution/requestApproval') {
            return answer(await decide([commandApprovalUse(p, started, t.workspace)]));
          }
          if (method === 'item/fileChange/requestApproval') {
            const uses = fileChangeApprovalUses(p, started, t.workspace);
            if (!uses.length) return { decision: 'decline' };
            return answer(await decide(uses));
          }
          if (method === 'mcpServer/elicitation/request') {
            const use = mcpApprovalUse(p);
            if (!use) return { action: 'decline', content: null, _meta: null };
            const a = await decide([use]);
            if (a.behavior === 'allow') return { action: 'accept', content: null, _meta: null };
            await answer(a);
            return { action: 'decline', content: null, _meta: null };
          }
          if (method === 'item/tool/requestUserInput') return { answers: {} };
          throw new Error(`Governor does not answer ${method}`);
        },
        onNotification(method, p) {
          const item = obj(p.item);
          if (method === 'item/started') {
            items.set(str(item.id), item);
            const a = startedItemActivity(item);
            if (a) act(a.kind, a.tool, a.text);
          } else if (method === 'item/completed') {
            items.delete(str(item.id));
            const a = completedItemActivity(item, o.testCommands);
            if (a?.kind === 'message') lastText = a.text;
            if (a) act(a.kind, a.tool, a.text);
          } else if (method === 'turn/started') turnId = str(obj(p.turn).id) || turnId;
          else if (method === 'thread/tokenUsage/updated') {
            const total = obj(obj(p.tokenUsage).total);
            usage = {
              input: Number(total.inputTokens ?? 0),
              output: Number(total.outputTokens ?? 0) + Number(total.reasoningOutputTokens ?? 0),
            };
            modelTurns++;
            // Codex has no turn or dollar cap of its own: Governor interrupts the turn at either limit.
            if (!stop && modelTurns > t.limits.maxTurns && !h.handedOff()) stop = 'max_turns';
            if (!stop && t.budgetUsd !== null && costOf() >= t.budgetUsd) stop = 'budget_exhausted';
            if (stop && threadId && turnId)
              void rpc.request('turn/interrupt', { threadId, turnId }).catch(() => undefined);
          } else if (method === 'turn/completed') {
            const turn = obj(p.turn);
            const err = obj(turn.error);
            if (str(turn.status) === 'failed' && !stop) {
              const why = o.redactor.redact(str(err.message) || 'no reason given');
              fail(
                new GovernorError(
                  /401|unauthori[sz]ed|api key/i.test(why) ? 'auth' : 'worker_crashed',
                  `${o.label} failed on ${t.task.id}: ${why}`,
                ),
              );
            }
            settle();
          } else if (method === 'error' && p.willRetry === false) {
            act('result', null, `error: ${str(obj(p.error).message)}`);
          }
        },
      });

      run.startClock(() => {
        stop ??= 'interrupted';
        // A permission check still waiting on the human is withdrawn: the turn it belongs to is ending.
        abort.abort();
        if (threadId && turnId) void rpc.request('turn/interrupt', { threadId, turnId }).catch(() => undefined);
        setTimeout(settle, 2000).unref();
      });
      child.on('error', (err) =>
        fail(new GovernorError('worker_missing', `${o.label}: could not start ${bin}: ${err.message}`)),
      );
      child.on('exit', (code, signal) => {
        rpc.failAll(new Error(`codex app-server exited (${signal ?? code ?? '?'})`));
        if (stop === 'interrupted' || run.timedOut) return settle();
        fail(run.crashed(code, signal, `${o.label} (codex app-server)`));
      });

      try {
        const protocol = (what: string) => (err: unknown) => {
          if (failure) throw failure;
          const why = o.redactor.redact(err instanceof Error ? err.message : String(err));
          const tail = run.stderr.last(3);
          throw new GovernorError(
            'worker_protocol',
            `${o.label}: codex app-server refused ${what}: ${why}; ` +
              `check the codex version and setup with \`governor doctor\`${tail ? ` (${tail})` : ''}`,
          );
        };
        await Promise.race([
          rpc.request('initialize', {
            clientInfo: { name: 'governor', title: 'Governor', version: '0.1.0' },
            capabilities: null,
          }),
          turnDone.then(() => {
            throw failure ?? new Error('ended');
          }),
        ]).catch(protocol('initialize'));
        rpc.notify('initialized');
        const threadParams: Json = {
          cwd: t.workspace,
          ...(o.model ? { model: o.model } : {}),
          approvalPolicy: 'untrusted',
          approvalsReviewer: 'user',
          sandbox: o.sandbox.enabled ? 'workspace-write' : 'danger-full-access',
          developerInstructions: governorInstructions(t, o.testCommands),
          config: {
            [`mcp_servers.${GOVERNOR_MCP_NAME}.url`]: mcp.url,
            [`mcp_servers.${GOVERNOR_MCP_NAME}.bearer_token_env_var`]: 'GOVERNOR_MCP_TOKEN',
          },
        };
        const started = t.resume
          ? await rpc
              .request('thread/resume', { ...threadParams, threadId: t.resume })
              .catch(protocol(`to resume thread ${t.resume}`))
          : await rpc.request('thread/start', threadParams).catch(protocol('to start a thread'));
        threadId = str(obj(started.thread).id) || threadId;
        model = str(started.model) || model;
        if (!threadId)
          throw new GovernorError('worker_protocol', `${o.label}: codex app-server started a thread without an id`);
        h.session(threadId, t.resume !== null && threadId === t.resume);
        const sandboxPolicy = o.sandbox.enabled
          ? {
              type: 'workspaceWrite',
              writableRoots: [t.workspace],
              networkAccess: false,
              excludeTmpdirEnvVar: false,
              excludeSlashTmp: true,
            }
          : { type: 'dangerFullAccess' };
        const prompt = t.resume ? resumePrompt(t) : taskPrompt(t);
        const turn = await rpc
          .request('turn/start', {
            threadId,
            input: [{ type: 'text', text: prompt, text_elements: [] }],
            sandboxPolicy,
          })
          .catch(protocol('to start a turn'));
        turnId = str(obj(turn.turn).id) || turnId;
        await turnDone;
      } finally {
        abort.abort();
        await run.close();
      }
      run.throwIfTimedOut();
      if (failure) throw failure;
      return run.finish({
        ended: stop ?? 'completed',
        turns: modelTurns,
        unit: 'model turns',
        usage,
        costUsd: costOf(),
        model,
        lastText,
        outcome: (hand) => stop ?? (hand ? 'handed_off' : 'finished'),
      });
    },
  };
}
