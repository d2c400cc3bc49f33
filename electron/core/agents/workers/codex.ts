import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { GovernorError } from '../../errors.ts';
import type { GateAnswer } from '../../permissions/gate.ts';
import type { ToolUse } from '../../permissions/rules.ts';
import { GOVERNOR_MCP_NAME } from '../../mcp/name.ts';
import { startLoopbackMcp } from './loopback-mcp.ts';
import { governorInstructions, resumePrompt, taskPrompt } from './prompt.ts';
import { cap, passedEnv, spawnTiedToUs, stderrTail } from './spawn-tied.ts';
import type { Worker, WorkerHooks, WorkerOutcome, WorkerResult, WorkerSetup, WorkerTask } from './worker.ts';
import { handOffFields } from './worker.ts';

/** The oldest `codex app-server` whose protocol this adapter was written and tested against. */
export const MIN_CODEX_VERSION = '0.171.0';

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

/** The native binary npm's platform package ships (spawned directly: the npm wrapper would outlive a kill). */
export function bundledCodexBinary(): string | null {
  const require = createRequire(import.meta.url);
  try {
    const pkg = require.resolve(`@openai/codex-${process.platform}-${process.arch}/package.json`);
    const vendor = join(dirname(pkg), 'vendor');
    for (const triple of readdirSync(vendor)) {
      const bin = join(vendor, triple, 'bin', process.platform === 'win32' ? 'codex.exe' : 'codex');
      if (existsSync(bin)) return bin;
    }
  } catch {
    // The optional platform package did not install; the error below names the fix.
  }
  return null;
}

const versions = new Map<string, string>();
const run = promisify(execFile);

/** `codex --version` → `0.171.0`, once per binary. */
export async function codexVersion(bin: string): Promise<string> {
  const hit = versions.get(bin);
  if (hit) return hit;
  const { stdout } = await run(bin, ['--version'], { timeout: 15_000 });
  const v = /(\d+\.\d+\.\d+)/.exec(stdout)?.[1];
  if (!v) throw new Error(`unexpected output: ${stdout.slice(0, 200)}`);
  versions.set(bin, v);
  return v;
}

export const olderThan = (a: string, b: string) => {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number));
  for (let i = 0; i < 3; i++) if ((x?.[i] ?? 0) !== (y?.[i] ?? 0)) return (x?.[i] ?? 0) < (y?.[i] ?? 0);
  return false;
};

/** Where Codex keeps a ChatGPT sign-in (`codex login`). */
const userCodexHome = () => process.env.CODEX_HOME ?? join(homedir(), '.codex');

/**
 * Checks made before a thread starts, each failing with the fix named: a missing binary, one older than
 * the protocol this adapter speaks, and neither an API key nor a `codex login`.
 */
export async function checkCodex(
  o: Pick<CodexOptions, 'apiKey' | 'executable' | 'label' | 'baseUrl'>,
): Promise<string> {
  const bin = o.executable ?? bundledCodexBinary();
  if (!bin || !existsSync(bin)) {
    throw new GovernorError(
      'worker_missing',
      o.executable
        ? `${o.label}: the codex binary ${o.executable} (agents.yaml command:) does not exist; fix the path, or remove ` +
            'command: to use the one npm installs'
        : `${o.label}: the codex binary was not found; run \`npm install\` in Governor's folder (@openai/codex ships it ` +
            `for ${process.platform}-${process.arch}), or set command: in agents.yaml to a codex binary`,
    );
  }
  let version: string;
  try {
    version = await codexVersion(bin);
  } catch (err) {
    throw new GovernorError(
      'worker_missing',
      `${o.label}: \`${bin} --version\` failed (${String(err).slice(0, 200)}); ` +
        'reinstall Codex (`npm install @openai/codex`) or fix agents.yaml command:',
    );
  }
  if (olderThan(version, MIN_CODEX_VERSION)) {
    throw new GovernorError(
      'worker_version',
      `${o.label}: codex ${version} is older than ${MIN_CODEX_VERSION}, the first ` +
        `version whose app-server protocol Governor speaks; upgrade it (\`npm install @openai/codex@latest\`)`,
    );
  }
  if (!o.apiKey && !o.baseUrl && !existsSync(join(userCodexHome(), 'auth.json'))) {
    throw new GovernorError(
      'api_key_missing',
      `${o.label} needs an OpenAI API key or a ChatGPT sign-in: set ` +
        'OPENAI_API_KEY (or store the "openai" key in Settings), or run `codex login` once',
    );
  }
  return bin;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * `codex app-server` wraps each command as `/bin/bash -lc '<script>'`: the gate judges the script, as the
 * human would read it. Hand-written: one POSIX single-quote form, which is all Codex produces.
 */
export function unwrapShell(command: string): string {
  const m = /^(?:\S*\/)?(?:ba|z)?sh\s+-l?c\s+([\s\S]+)$/.exec(command.trim());
  const arg = m?.[1];
  if (!arg) return command;
  if (arg.startsWith("'") && arg.endsWith("'")) return arg.slice(1, -1).replaceAll("'\\''", "'");
  if (arg.startsWith('"') && arg.endsWith('"')) return arg.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
  return arg;
}

/**
 * A newline-delimited JSON-RPC connection to `codex app-server` (its messages omit the "jsonrpc" field,
 * which is why no generic JSON-RPC library is used). Requests the server makes of us go to `onRequest`.
 */
function connect(
  child: ReturnType<typeof spawnTiedToUs>,
  h: {
    onRequest(method: string, params: Json): Promise<unknown>;
    onNotification(method: string, params: Json): void;
    onBadLine(line: string): void;
  },
) {
  let next = 0;
  const waiting = new Map<number, { resolve(v: Json): void; reject(e: Error): void; method: string }>();
  const write = (m: Json) => {
    if (child.stdin?.writable) child.stdin.write(`${JSON.stringify(m)}\n`);
  };
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    if (!line.trim()) return;
    let m: Json;
    try {
      m = obj(JSON.parse(line));
    } catch {
      return h.onBadLine(line);
    }
    const method = str(m.method);
    if (!method && typeof m.id === 'number') {
      const w = waiting.get(m.id);
      waiting.delete(m.id);
      if (!w) return;
      if (m.error) w.reject(new Error(`${w.method}: ${str(obj(m.error).message) || JSON.stringify(m.error)}`));
      else w.resolve(obj(m.result));
    } else if (method && m.id !== undefined) {
      const id = m.id;
      h.onRequest(method, obj(m.params)).then(
        (result) => write({ id, result }),
        (err: unknown) =>
          write({ id, error: { code: -32603, message: err instanceof Error ? err.message : String(err) } }),
      );
    } else if (method) h.onNotification(method, obj(m.params));
    else h.onBadLine(line);
  });
  return {
    request(method: string, params: Json): Promise<Json> {
      const id = ++next;
      return new Promise((res, rej) => {
        waiting.set(id, { resolve: res, reject: rej, method });
        write({ id, method, params });
      });
    },
    notify: (method: string, params?: Json) => write(params ? { method, params } : { method }),
    failAll(err: Error) {
      for (const w of waiting.values()) w.reject(err);
      waiting.clear();
    },
  };
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
      const useOwnHome = o.apiKey !== null || o.baseUrl !== undefined;
      // With a key, a private home under .governor/ (its sessions are the resumable threads); with a
      // ChatGPT sign-in, the user's own. Its TMPDIR is private too: Codex will not set up its sandbox
      // helpers under the system temp folder, and commands get a temp folder of their own.
      const home = useOwnHome ? join(o.projectDir, '.governor', 'codex-home') : userCodexHome();
      const tmp = join(o.projectDir, '.governor', 'codex-tmp');
      mkdirSync(home, { recursive: true });
      mkdirSync(tmp, { recursive: true });
      const mcp = await startLoopbackMcp(h.mcp, { redactor: o.redactor });
      const env: Record<string, string> = {
        ...passedEnv([]),
        CODEX_HOME: home,
        TMPDIR: tmp,
        GOVERNOR_MCP_TOKEN: mcp.token,
      };
      const npmPath = join(dirname(dirname(bin)), 'codex-path');
      if (existsSync(npmPath)) env.PATH = `${npmPath}:${env.PATH ?? ''}`;
      if (o.apiKey) env.OPENAI_API_KEY = o.apiKey;
      const config: string[] = ['check_for_update_on_startup=false', 'analytics.enabled=false'];
      if (useOwnHome) {
        for (const [k, v] of Object.entries({
          name: 'Governor (OpenAI Responses)',
          base_url: o.baseUrl ?? 'https://api.openai.com/v1',
          wire_api: 'responses',
          env_key: 'OPENAI_API_KEY',
        })) {
          config.push(`model_providers.governor.${k}=${JSON.stringify(v)}`);
        }
        config.push('model_provider="governor"');
      }
      const abort = new AbortController();
      const child = spawnTiedToUs(bin, ['app-server', ...config.flatMap((c) => ['-c', c])], { cwd: t.workspace, env });
      const stderr = stderrTail((s) => o.redactor.redact(s));
      child.stderr?.on('data', (d: Buffer) => stderr.push(d));

      let threadId: string | null = t.resume;
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
      const act = (
        kind: 'message' | 'tool_use' | 'tool_result' | 'test_run' | 'result',
        tool: string | null,
        text: string,
      ) => h.activity({ session_id: threadId, kind, tool, text: cap(o.redactor.redact(text)), gate: null });
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
              message: `The human allowed an edited version instead (${last.requestId ?? ''}): ${JSON.stringify(last.input)}. Do that instead.`,
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

      const rpc = connect(child, {
        onBadLine: (line) =>
          fail(
            new GovernorError(
              'worker_protocol',
              `${o.label}: codex app-server wrote something that is not JSON-RPC (${cap(o.redactor.redact(line), 200)}); check the codex version with \`governor doctor\` (Governor speaks the app-server protocol of codex ${MIN_CODEX_VERSION} and later)`,
            ),
          ),
        async onRequest(method, p) {
          if (method === 'item/commandExecution/requestApproval') {
            const raw = str(p.command) || str(obj(items.get(str(p.itemId))).command);
            let command = unwrapShell(raw);
            const cwd = str(p.cwd);
            // A command run elsewhere is judged as `cd <there> && …`: the policy denies a path outside.
            if (cwd && resolve(cwd) !== resolve(t.workspace)) command = `cd ${cwd} && ${command}`;
            const net = obj(p.networkApprovalContext);
            const use: ToolUse = str(net.host)
              ? { tool: 'SandboxNetworkAccess', input: { host: str(net.host), command } }
              : p.kind === 'writeStdin'
                ? { tool: 'WriteStdin', input: { command } }
                : p.reason
                  ? // Codex asks to run a command outside its sandbox: never the same thing as running it inside.
                    { tool: 'UnsandboxedBash', input: { command, reason: str(p.reason) } }
                  : { tool: 'Bash', input: { command } };
            return answer(await decide([use]));
          }
          if (method === 'item/fileChange/requestApproval') {
            const changes = Array.isArray(items.get(str(p.itemId))?.changes)
              ? (items.get(str(p.itemId))?.changes as unknown[])
              : [];
            const uses: ToolUse[] = changes.flatMap((c): ToolUse[] => {
              const ch = obj(c);
              const kind = str(obj(ch.kind).type);
              const file_path = resolve(t.workspace, str(ch.path));
              const move = str(obj(ch.kind).move_path);
              return [
                {
                  tool: kind === 'add' ? 'Write' : 'Edit',
                  input: kind === 'delete' ? { file_path, delete: true } : { file_path, diff: str(ch.diff) },
                },
                ...(move
                  ? [{ tool: 'Write', input: { file_path: resolve(t.workspace, move), moved_from: file_path } }]
                  : []),
              ];
            });
            if (str(p.grantRoot))
              uses.push({
                tool: 'Edit',
                input: { file_path: resolve(t.workspace, str(p.grantRoot)), grant_root: true },
              });
            if (!uses.length) return { decision: 'decline' };
            return answer(await decide(uses));
          }
          if (method === 'mcpServer/elicitation/request') {
            // Codex asks before each MCP tool call as an elicitation: the gate decides it like any tool use.
            const meta = obj(p._meta);
            if (str(meta.codex_approval_kind) !== 'mcp_tool_call')
              return { action: 'decline', content: null, _meta: null };
            const a = await decide([
              { tool: `mcp__${str(p.serverName)}__${str(meta.tool_name)}`, input: obj(meta.tool_params) },
            ]);
            if (a.behavior === 'allow') return { action: 'accept', content: null, _meta: null };
            await answer(a);
            return { action: 'decline', content: null, _meta: null };
          }
          if (method === 'item/tool/requestUserInput') return { answers: {} };
          throw new Error(`Governor does not answer ${method}`);
        },
        onNotification(method, p) {
          const item = obj(p.item);
          const type = str(item.type);
          if (method === 'item/started') {
            items.set(str(item.id), item);
            if (type === 'commandExecution') act('tool_use', 'Bash', `Bash ${unwrapShell(str(item.command))}`);
            else if (type === 'fileChange') {
              const paths = (Array.isArray(item.changes) ? item.changes : []).map((c) => str(obj(c).path));
              act('tool_use', 'Edit', `Edit ${paths.join(', ')}`);
            } else if (type === 'mcpToolCall')
              act(
                'tool_use',
                `mcp__${str(item.server)}__${str(item.tool)}`,
                `${str(item.tool)} ${JSON.stringify(item.arguments)}`,
              );
          } else if (method === 'item/completed') {
            items.delete(str(item.id));
            if (type === 'agentMessage' && str(item.text).trim()) {
              lastText = str(item.text);
              act('message', null, lastText);
            } else if (type === 'commandExecution') {
              const cmd = unwrapShell(str(item.command));
              const isTest = o.testCommands.some((c) => cmd.trim().startsWith(c));
              act(
                isTest ? 'test_run' : 'tool_result',
                'Bash',
                `${str(item.status)}${item.exitCode !== null && item.exitCode !== undefined ? ` (exit ${String(item.exitCode)})` : ''}: ${str(item.aggregatedOutput)}`,
              );
            } else if (type === 'fileChange') act('tool_result', 'Edit', str(item.status));
            else if (type === 'mcpToolCall')
              act(
                'tool_result',
                `mcp__${str(item.server)}__${str(item.tool)}`,
                JSON.stringify(item.result ?? item.error),
              );
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

      const onAbort = () => {
        stop ??= 'interrupted';
        if (threadId && turnId) void rpc.request('turn/interrupt', { threadId, turnId }).catch(() => undefined);
        setTimeout(settle, 2000).unref();
      };
      h.signal.addEventListener('abort', onAbort, { once: true });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        onAbort();
      }, t.limits.wallClockS * 1000);
      child.on('error', (err) =>
        fail(new GovernorError('worker_missing', `${o.label}: could not start ${bin}: ${err.message}`)),
      );
      child.on('exit', (code, signal) => {
        rpc.failAll(new Error(`codex app-server exited (${signal ?? code ?? '?'})`));
        if (stop === 'interrupted' || timedOut) return settle();
        fail(
          new GovernorError(
            'worker_crashed',
            `${o.label} (codex app-server) exited ${signal ? `on ${signal}` : `with code ${String(code)}`} during ${t.task.id}${threadId ? `; its thread ${threadId} is kept and resumes with the agent (/resume ${t.agent})` : ''}${stderr.last(3) ? `: ${stderr.last(3)}` : ''}`,
          ),
        );
      });

      try {
        const protocol = (what: string) => (err: unknown) => {
          if (failure) throw failure;
          const why = o.redactor.redact(err instanceof Error ? err.message : String(err));
          throw new GovernorError(
            'worker_protocol',
            `${o.label}: codex app-server refused ${what}: ${why}; check the codex version and setup with \`governor doctor\`${stderr.last(3) ? ` (${stderr.last(3)})` : ''}`,
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
        clearTimeout(timer);
        h.signal.removeEventListener('abort', onAbort);
        child.stdin?.end();
        if (child.exitCode === null) child.kill('SIGTERM');
        await mcp.close();
      }
      if (timedOut)
        throw new GovernorError(
          'timeout',
          `${o.label} ran past agent_limits.wall_clock_s (${t.limits.wallClockS}s) on ${t.task.id}; its thread ${threadId ?? '(none yet)'} is kept and resumes with the agent`,
        );
      if (failure) throw failure;
      const costUsd = costOf();
      act(
        'result',
        null,
        `${stop ?? 'completed'}: ${modelTurns} model turns, ${usage.input}+${usage.output} tokens, $${costUsd.toFixed(4)}`,
      );
      const hand = h.handedOff();
      const outcome: WorkerOutcome = stop ?? (hand ? 'handed_off' : 'finished');
      return {
        outcome,
        ...handOffFields(hand, lastText, o.redactor),
        sessionId: threadId,
        usage: { input: usage.input, output: usage.output, costUsd, model },
        turns: modelTurns,
      };
    },
  };
}
