import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Readable, Writable } from 'node:stream';
import * as acp from '@agentclientprotocol/sdk';
import type { AgentName } from '../../../../shared/index.ts';
import { GovernorError } from '../../errors.ts';
import { GOVERNOR_MCP_NAME } from '../../mcp/name.ts';
import { AGENT_ENV, checkAcp } from './acp-setup.ts';
import { watchForNonJsonRpc } from './acp-stream.ts';
import { SESSION_META, toolUseOf } from './acp-tools.ts';
import { superviseAgentProcess } from './agent-process.ts';
import { obj, str } from './loose-json.ts';
import { startLoopbackMcp } from './loopback-mcp.ts';
import { governorInstructions, lostSessionNote, resumePrompt, taskPrompt } from './prompt.ts';
import { cap, passedEnv, spawnTiedToUs } from './spawn-tied.ts';
import type { Worker, WorkerHooks, WorkerOutcome, WorkerResult, WorkerSetup, WorkerTask } from './worker.ts';

export interface AcpOptions extends WorkerSetup {
  label: string;
  agent: AgentName;
  /** The ACP agent to start (agents.yaml `command:` and `args:`), e.g. gemini [--experimental-acp]. */
  command: string;
  args: string[];
}

/**
 * Any agent that speaks the Agent Client Protocol as a worker, Governor being the ACP client: it starts
 * `command args` in the agent's clone, answers `session/request_permission` through the permission gate
 * (allow once or reject once: "always" stays Governor's to grant), serves `fs/*` requests inside the
 * workspace only (through the same gate), streams `session/update` into the ledger as activity, and
 * attaches Governor's MCP server through the session's `mcpServers` (HTTP on loopback, with a token).
 * ACP carries no reason with a rejection, so the human's message follows as the next prompt.
 */
export function createAcpWorker(o: AcpOptions): Worker {
  return {
    kind: 'acp',
    label: o.label,
    usesGit: true,
    async work(t: WorkerTask, h: WorkerHooks): Promise<WorkerResult> {
      const bin = checkAcp(o);
      const name = `${o.label} (${o.command})`;
      const mcp = await startLoopbackMcp(h.mcp, { redactor: o.redactor });
      const child = spawnTiedToUs(bin, o.args, { cwd: t.workspace, env: passedEnv(AGENT_ENV), group: true });
      let sessionId: string | null = t.resume;
      const run = superviseAgentProcess({
        who: name,
        noun: 'session',
        task: t,
        hooks: h,
        redactor: o.redactor,
        child,
        mcp,
        sessionId: () => sessionId,
      });
      const act = run.act;
      let loading = false;
      let closing = false;
      let stop: WorkerOutcome | null = null;
      let costUsd = 0;
      let turns = 0;
      let lastText = '';
      let text = '';
      const usage = { input: 0, output: 0 };
      const told: string[] = [];
      const tools = new Map<string, string>();
      const flushText = () => {
        if (text.trim()) {
          lastText = text;
          act('message', null, text);
        }
        text = '';
      };
      // Whatever ends the session from outside a request (the process, or what it writes): the first wins.
      let fail: (err: GovernorError) => void = () => undefined;
      let fatalError: GovernorError | null = null;
      const fatal = new Promise<never>((_, reject) => {
        fail = (err) => {
          fatalError ??= err;
          reject(err);
        };
      });
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      fatal.catch(() => undefined);
      child.on('error', (err) => fail(new GovernorError('worker_missing', `${name} could not start: ${err.message}`)));
      child.on('exit', (code, signal) => {
        if (stop || closing) return;
        fail(run.crashed(code, signal));
      });

      /** A file request: the gate decides (inside the workspace only, never a secret), then Governor serves it. */
      const fileGate = async (tool: 'Read' | 'Write', path: string, input: Record<string, unknown>) => {
        const a = await h.gate.check({ tool, input: { ...input, file_path: resolve(t.workspace, path) } }, sessionId);
        if (a.behavior === 'deny') throw acp.RequestError.invalidParams({ path }, a.message);
        return resolve(t.workspace, path);
      };
      const app = acp
        .client()
        .onRequest('session/request_permission', async ({ params, signal }) => {
          const a = await h.gate.check(toolUseOf(params.toolCall, t.workspace), sessionId, signal);
          const pick = (kind: acp.PermissionOptionKind) => params.options.find((x) => x.kind === kind)?.optionId;
          const allow = pick('allow_once') ?? pick('allow_always');
          const reject = pick('reject_once') ?? pick('reject_always');
          if (a.behavior === 'allow' && allow) return { outcome: { outcome: 'selected', optionId: allow } };
          if (a.behavior === 'deny') told.push(a.message);
          return reject
            ? { outcome: { outcome: 'selected', optionId: reject } }
            : { outcome: { outcome: 'cancelled' } };
        })
        .onRequest('fs/read_text_file', async ({ params }) => {
          const path = await fileGate('Read', params.path, {});
          const lines = (await readFile(path, 'utf8')).split('\n');
          const from = Math.max(0, (params.line ?? 1) - 1);
          return { content: lines.slice(from, params.limit ? from + params.limit : undefined).join('\n') };
        })
        .onRequest('fs/write_text_file', async ({ params }) => {
          const path = await fileGate('Write', params.path, { content: params.content });
          await mkdir(dirname(path), { recursive: true });
          await writeFile(path, params.content);
          return {};
        })
        .onNotification('session/update', ({ params }) => {
          if (loading) return;
          const u = params.update;
          if (u.sessionUpdate === 'agent_message_chunk') {
            if (u.content.type === 'text') text += u.content.text;
            return;
          }
          if (u.sessionUpdate === 'usage_update') {
            const c = obj(u).cost;
            if (typeof obj(c).amount === 'number') costUsd = Number(obj(c).amount);
            if (!stop && t.budgetUsd !== null && costUsd >= t.budgetUsd && sessionId) {
              stop = 'budget_exhausted';
              void conn.agent.notify('session/cancel', { sessionId });
            }
            return;
          }
          flushText();
          if (u.sessionUpdate === 'tool_call') {
            tools.set(u.toolCallId, u.title);
            act('tool_use', str(obj(obj(u._meta).claudeCode).toolName) || u.kind || null, u.title);
          } else if (u.sessionUpdate === 'tool_call_update' && (u.status === 'completed' || u.status === 'failed')) {
            const title = u.title ?? tools.get(u.toolCallId) ?? '';
            const out = typeof u.rawOutput === 'string' ? u.rawOutput : JSON.stringify(u.rawOutput ?? u.content ?? '');
            const isTest = o.testCommands.some((c) => title.trim().startsWith(c));
            act(isTest ? 'test_run' : 'tool_result', null, `${u.status}: ${title}\n${out}`);
          }
        });
      const stdout = (Readable.toWeb(child.stdout as Readable) as ReadableStream<Uint8Array>).pipeThrough(
        watchForNonJsonRpc((line) =>
          fail(
            new GovernorError(
              'worker_protocol',
              `${name} wrote something that is not JSON-RPC to stdout (${cap(o.redactor.redact(line), 200)}); ` +
                `check that \`${[o.command, ...o.args].join(' ')}\` starts the agent in its ACP mode ` +
                '(e.g. `gemini --experimental-acp`, `opencode acp`) and logs to stderr only (`governor doctor`)',
            ),
          ),
        ),
      );
      const stream = acp.ndJsonStream(Writable.toWeb(child.stdin as Writable) as WritableStream<Uint8Array>, stdout);
      const conn = app.connect(stream);
      run.startClock(() => {
        stop ??= 'interrupted';
        if (sessionId) void conn.agent.notify('session/cancel', { sessionId }).catch(() => undefined);
      });
      const protocol =
        (what: string) =>
        (err: unknown): never => {
          if (err instanceof GovernorError) throw err;
          const why = o.redactor.redact(err instanceof Error ? err.message : JSON.stringify(err));
          const tail = run.stderr.last(3);
          throw new GovernorError(
            'worker_protocol',
            `${name} failed ${what}: ${why}; check that \`${o.command} ${o.args.join(' ')}\` ` +
              `speaks the Agent Client Protocol (\`governor doctor\`)${tail ? ` (${tail})` : ''}`,
          );
        };
      const call = <T>(p: Promise<T>, what: string) =>
        Promise.race([p, fatal]).catch(async (err: unknown) => {
          // A dying agent's pipe closes a moment before its exit is known, and its exit says more than
          // "connection closed": wait for it, briefly.
          if (!(err instanceof GovernorError) && child.exitCode === null && child.signalCode === null)
            await Promise.race([exited, new Promise((r) => setTimeout(r, 2000).unref())]);
          return protocol(what)(fatalError ?? err);
        });
      let stopReason = '';
      try {
        const init = await call(
          conn.agent.request('initialize', {
            protocolVersion: acp.PROTOCOL_VERSION,
            clientCapabilities: { fs: { readTextFile: true, writeTextFile: true }, terminal: false },
            clientInfo: { name: 'governor', title: 'Governor', version: '0.1.0' },
          }),
          'to initialize',
        );
        if (init.protocolVersion !== acp.PROTOCOL_VERSION) {
          throw new GovernorError(
            'worker_version',
            `${name} speaks version ${init.protocolVersion} of the Agent Client Protocol; ` +
              `Governor speaks version ${acp.PROTOCOL_VERSION}: ` +
              (init.protocolVersion < acp.PROTOCOL_VERSION
                ? 'upgrade the agent'
                : `upgrade Governor, or use a release of the agent that still speaks version ${acp.PROTOCOL_VERSION}`),
          );
        }
        const caps = init.agentCapabilities;
        const mcpServers: acp.McpServer[] = caps?.mcpCapabilities?.http
          ? [
              {
                type: 'http',
                name: GOVERNOR_MCP_NAME,
                url: mcp.url,
                headers: [{ name: 'Authorization', value: `Bearer ${mcp.token}` }],
              },
            ]
          : [];
        if (!mcpServers.length)
          act(
            'result',
            null,
            `${name} cannot reach MCP over HTTP: Governor's tools (concerns, handoff) are not available to it`,
          );
        /**
         * The session the last run left, reopened: `session/resume` where the agent offers it (nothing is
         * replayed), else `session/load` (the history it replays is not activity again). An agent that can do
         * neither, or no longer knows the session, gets a fresh one with the task given again: that is recorded,
         * and the workspace keeps what the lost session did.
         */
        const reopen = async (
          id: string,
          setup: acp.NewSessionRequest,
        ): Promise<{ modes?: acp.SessionModeState | null } | null> => {
          const how = caps?.sessionCapabilities?.resume ? 'resume' : caps?.loadSession ? 'load' : null;
          const fresh = (why: string) => {
            sessionId = null;
            act(
              'result',
              null,
              `${name} ${why}: a fresh session starts with the task given again; ` +
                `the workspace keeps what session ${id} did`,
            );
            return null;
          };
          if (!how) return fresh('can neither resume nor load a session (its initialize response offers neither)');
          loading = how === 'load';
          try {
            const request =
              how === 'resume'
                ? conn.agent.request('session/resume', { sessionId: id, ...setup })
                : conn.agent.request('session/load', { sessionId: id, ...setup });
            return (await Promise.race([request, fatal])) ?? {};
          } catch (err) {
            // The agent refused (it no longer has the session): start afresh. Anything else ends the work.
            if (!(err instanceof acp.RequestError)) return protocol(`to ${how} session ${id}`)(err);
            return fresh(`could not ${how} session ${id} (${o.redactor.redact(err.message)})`);
          } finally {
            loading = false;
          }
        };
        const setup: acp.NewSessionRequest = { cwd: t.workspace, mcpServers, _meta: SESSION_META };
        const opened = t.resume ? await reopen(t.resume, setup) : null;
        const resumed = opened !== null;
        const session =
          opened ??
          (await call(conn.agent.request('session/new', setup), 'to start a session').then((s) => {
            sessionId = s.sessionId;
            return s;
          }));
        // The agent's own "ask nothing" modes would skip Governor's gate: its asking mode is chosen (a resumed
        // session comes back in the mode it was left in, so it is checked too).
        const modes = session?.modes;
        const ask = modes?.availableModes.find((m) => m.id === 'default');
        if (sessionId && ask && modes?.currentModeId !== ask.id)
          await call(conn.agent.request('session/set_mode', { sessionId, modeId: ask.id }), 'to set its asking mode');
        if (!sessionId) throw new GovernorError('worker_protocol', `${name} started a session without an id`);
        h.session(sessionId, resumed);
        const first = resumed
          ? resumePrompt(t)
          : t.resume
            ? `${lostSessionNote(t)}\n\n${taskPrompt(t)}`
            : taskPrompt(t);
        let prompt = `${governorInstructions(t, o.testCommands)}\n\n${first}`;
        // ACP has no reason field on a rejection: what the human said follows as the next prompt.
        for (let round = 0; round < 1 + t.limits.maxTurns && prompt; round++) {
          const r = await call(
            conn.agent.request('session/prompt', { sessionId, prompt: [{ type: 'text', text: prompt }] }),
            'during a prompt',
          );
          turns++;
          flushText();
          stopReason = r.stopReason;
          // Token usage is an unstable field of the prompt response: read when an agent sends it.
          const used = obj(obj(r).usage);
          usage.input += Number(used.inputTokens ?? 0);
          usage.output += Number(used.outputTokens ?? 0);
          prompt = '';
          if (told.length && !stop && !h.handedOff() && r.stopReason === 'end_turn') {
            prompt =
              `Governor: ${told.splice(0).join('\n')}\n` +
              'Carry on without it if you can, or raise a concern; hand off when done.';
          }
        }
      } finally {
        closing = true;
        conn.close();
        await run.close();
      }
      run.throwIfTimedOut();
      return run.finish({
        ended: stopReason,
        turns,
        unit: 'prompts',
        usage,
        costUsd,
        model: o.label,
        lastText,
        outcome: (hand) =>
          stop === 'budget_exhausted' || stop === 'interrupted'
            ? stop
            : stopReason === 'max_turn_requests'
              ? 'max_turns'
              : hand
                ? 'handed_off'
                : 'finished',
      });
    },
  };
}
