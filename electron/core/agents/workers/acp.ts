import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { Readable, Writable } from 'node:stream';
import * as acp from '@agentclientprotocol/sdk';
import type { AgentName } from '../../../../shared/index.ts';
import { GovernorError } from '../../errors.ts';
import { GOVERNOR_MCP_NAME } from '../../mcp/name.ts';
import type { ToolUse } from '../../permissions/rules.ts';
import { watchForNonJsonRpc } from './acp-stream.ts';
import { startLoopbackMcp } from './loopback-mcp.ts';
import { governorInstructions, lostSessionNote, resumePrompt, taskPrompt } from './prompt.ts';
import { cap, passedEnv, spawnTiedToUs, stderrTail } from './spawn-tied.ts';
import type { Worker, WorkerHooks, WorkerOutcome, WorkerResult, WorkerSetup, WorkerTask } from './worker.ts';
import { handOffFields } from './worker.ts';

export interface AcpOptions extends WorkerSetup {
  label: string;
  agent: AgentName;
  /** The ACP agent to start (agents.yaml `command:` and `args:`), e.g. gemini [--experimental-acp]. */
  command: string;
  args: string[];
}

/**
 * What an ACP agent's process is given: enough to run, plus the keys and settings the well-known ACP
 * agents read from their environment (Claude Code's adapter, Gemini CLI, OpenCode), and nothing else of
 * Governor's environment.
 */
const AGENT_ENV = [
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_BASE_URL',
  'ANTHROPIC_AUTH_TOKEN',
  'CLAUDE_CONFIG_DIR',
  'CLAUDE_CODE_EXECUTABLE',
  'CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC',
  'GEMINI_API_KEY',
  'GOOGLE_API_KEY',
  'GOOGLE_APPLICATION_CREDENTIALS',
  'GOOGLE_CLOUD_PROJECT',
  'OPENAI_API_KEY',
  'OPENCODE_CONFIG',
];

/** The agent's binary as the OS would find it, or null. */
export function findOnPath(command: string, cwd: string): string | null {
  if (command.includes('/')) {
    const p = isAbsolute(command) ? command : resolve(cwd, command);
    return existsSync(p) ? p : null;
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, command))) return join(dir, command);
  }
  return null;
}

export function checkAcp(o: Pick<AcpOptions, 'command' | 'label' | 'projectDir'>): string {
  const bin = o.command ? findOnPath(o.command, o.projectDir) : null;
  if (!bin) {
    throw new GovernorError(
      'worker_missing',
      `${o.label}: the ACP agent \`${o.command || '(none)'}\` (agents.yaml ` +
        'command:) was not found on PATH; install it (e.g. `npm install -g @google/gemini-cli` with args ' +
        '[--experimental-acp], or `npm install -g @agentclientprotocol/claude-agent-acp`), or give its full path',
    );
  }
  return bin;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

const CLAUDE_TOOLS = new Set([
  'Bash',
  'Write',
  'Edit',
  'MultiEdit',
  'NotebookEdit',
  'Read',
  'Grep',
  'Glob',
  'LS',
  'WebFetch',
  'WebSearch',
  'TodoWrite',
]);

/**
 * Options for the Claude Code ACP adapter (`_meta` is ACP's extension point: other agents ignore it), so it
 * is governed as Governor's own Claude Code worker is:
 * - every tool asked (a settings `ask` rule per tool): on its own Claude Code runs reads and read-only
 *   commands (`uname`, `cat .env`) without a permission request, which would skip Governor's gate;
 * - no settings files of the user's (their allow rules would skip the gate too);
 * - no "bypass permissions" mode: the session does not even offer it;
 * - prompt suggestions off: after each turn Claude Code would make one more model call to guess the user's
 *   next message, for a composer Governor does not have. That call is paid for and, racing the next prompt,
 *   can answer in its place.
 */
const SESSION_META = {
  claudeCode: {
    options: {
      promptSuggestions: false,
      allowDangerouslySkipPermissions: false,
      settingSources: [],
      settings: { permissions: { ask: [...CLAUDE_TOOLS].filter((t) => t !== 'TodoWrite') } },
    },
  },
};

/**
 * The tool an ACP permission request amounts to, in Claude Code's names so the same rules apply. The
 * Claude Code adapter says which tool it is; any other agent is read from the ACP tool kind.
 */
export function toolUseOf(call: acp.ToolCallUpdate, root: string): ToolUse {
  const raw = obj(call.rawInput);
  // Agents that name Claude Code's tools (its ACP adapter) are taken at their word; others by ACP tool kind.
  const named = str(call.name) || str(obj(obj(call._meta).claudeCode).toolName);
  if (CLAUDE_TOOLS.has(named) || named.startsWith('mcp__')) return { tool: named, input: raw };
  const path = str(raw.file_path) || str(raw.path) || str(call.locations?.[0]?.path);
  const file_path = path ? resolve(root, path) : '';
  switch (call.kind) {
    case 'execute':
      return { tool: 'Bash', input: { command: str(raw.command) || str(call.title) } };
    case 'edit':
    case 'delete':
    case 'move':
      return { tool: 'Edit', input: { ...raw, file_path } };
    case 'read':
    case 'search':
      return { tool: 'Read', input: { ...raw, file_path } };
    case 'fetch':
      return { tool: 'WebFetch', input: { url: str(raw.url) || str(call.title) } };
    default:
      return { tool: str(call.title) || 'Unknown', input: raw };
  }
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
      const stderr = stderrTail((s) => o.redactor.redact(s));
      child.stderr?.on('data', (d: Buffer) => stderr.push(d));
      let sessionId: string | null = t.resume;
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
      const act = (
        kind: 'message' | 'tool_use' | 'tool_result' | 'test_run' | 'result',
        tool: string | null,
        s: string,
      ) => h.activity({ session_id: sessionId, kind, tool, text: cap(o.redactor.redact(s)), gate: null });
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
        fail(
          new GovernorError(
            'worker_crashed',
            `${name} exited ${signal ? `on ${signal}` : `with code ${String(code)}`} during ${t.task.id}${sessionId ? `; its session ${sessionId} is kept and resumes with the agent (/resume ${t.agent})` : ''}${stderr.last(3) ? `: ${stderr.last(3)}` : ''}`,
          ),
        );
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
              `${name} wrote something that is not JSON-RPC to stdout (${cap(o.redactor.redact(line), 200)}); check that \`${[o.command, ...o.args].join(' ')}\` starts the agent in its ACP mode (e.g. \`gemini --experimental-acp\`, \`opencode acp\`) and logs to stderr only (\`governor doctor\`)`,
            ),
          ),
        ),
      );
      const stream = acp.ndJsonStream(Writable.toWeb(child.stdin as Writable) as WritableStream<Uint8Array>, stdout);
      const conn = app.connect(stream);
      const onAbort = () => {
        stop ??= 'interrupted';
        if (sessionId) void conn.agent.notify('session/cancel', { sessionId }).catch(() => undefined);
      };
      h.signal.addEventListener('abort', onAbort, { once: true });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        onAbort();
      }, t.limits.wallClockS * 1000);
      const protocol =
        (what: string) =>
        (err: unknown): never => {
          if (err instanceof GovernorError) throw err;
          const why = o.redactor.redact(err instanceof Error ? err.message : JSON.stringify(err));
          throw new GovernorError(
            'worker_protocol',
            `${name} failed ${what}: ${why}; check that \`${o.command} ${o.args.join(' ')}\` speaks the Agent Client Protocol (\`governor doctor\`)${stderr.last(3) ? ` (${stderr.last(3)})` : ''}`,
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
            `${name} speaks version ${init.protocolVersion} of the Agent Client Protocol; Governor speaks version ${acp.PROTOCOL_VERSION}: ${init.protocolVersion < acp.PROTOCOL_VERSION ? 'upgrade the agent' : `upgrade Governor, or use a release of the agent that still speaks version ${acp.PROTOCOL_VERSION}`}`,
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
              `${name} ${why}: a fresh session starts with the task given again; the workspace keeps what session ${id} did`,
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
            prompt = `Governor: ${told.splice(0).join('\n')}\nCarry on without it if you can, or raise a concern; hand off when done.`;
          }
        }
      } finally {
        clearTimeout(timer);
        h.signal.removeEventListener('abort', onAbort);
        closing = true;
        conn.close();
        child.stdin?.end();
        if (child.exitCode === null) child.kill('SIGTERM');
        await mcp.close();
      }
      if (timedOut)
        throw new GovernorError(
          'timeout',
          `${name} ran past agent_limits.wall_clock_s (${t.limits.wallClockS}s) on ${t.task.id}; its session ${sessionId ?? '(none yet)'} is kept and resumes with the agent`,
        );
      act(
        'result',
        null,
        `${stopReason}: ${turns} prompts, ${usage.input}+${usage.output} tokens, $${costUsd.toFixed(4)}`,
      );
      const hand = h.handedOff();
      const outcome: WorkerOutcome =
        stop === 'budget_exhausted' || stop === 'interrupted'
          ? stop
          : stopReason === 'max_turn_requests'
            ? 'max_turns'
            : hand
              ? 'handed_off'
              : 'finished';
      return {
        outcome,
        ...handOffFields(hand, lastText, o.redactor),
        sessionId,
        usage: { input: usage.input, output: usage.output, costUsd, model: o.label },
        turns,
      };
    },
  };
}
