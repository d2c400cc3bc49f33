import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type Options, type SDKMessage, query } from '@anthropic-ai/claude-agent-sdk';
import { GovernorError } from '../../errors.ts';
import { GOVERNOR_MCP_NAME } from '../../mcp/name.ts';
import { createGovernorMcpServer } from '../../mcp/server.ts';
import type { Worker, WorkerHooks, WorkerOutcome, WorkerResult, WorkerSetup, WorkerTask } from './worker.ts';
import { handOffFields } from './worker.ts';
import { wallClockError } from './agent-process.ts';
import { governorInstructions, resumePrompt, taskPrompt } from './prompt.ts';
import { cap, passedEnv, spawnTiedToUs } from './spawn-tied.ts';

export interface ClaudeCodeOptions extends WorkerSetup {
  /** `claude-code` or `claude-code:<model>`, as agents.yaml says. */
  label: string;
  model: string | null;
  /** The Anthropic API key, when one is set; null means the subscription login (`claude` then /login). */
  apiKey: string | null;
  baseUrl?: string | undefined;
  /** A Claude Code binary to use instead of the one the SDK ships (agents.yaml `command:`). */
  executable?: string | undefined;
}

/** Claude Code's own settings the agent's process gets, beside what every agent gets (`passedEnv`). */
const CLAUDE_ENV = ['CLAUDE_CONFIG_DIR', 'ANTHROPIC_BASE_URL', 'ANTHROPIC_AUTH_TOKEN'];

/** The binary the SDK ships for this platform, or null when the platform package did not install. */
export function bundledClaudeBinary(): string | null {
  const require = createRequire(import.meta.url);
  const musl =
    process.platform === 'linux' && !existsSync('/lib/ld-linux-x86-64.so.2') && existsSync('/lib/ld-musl-x86_64.so.1')
      ? '-musl'
      : '';
  const exe = process.platform === 'win32' ? 'claude.exe' : 'claude';
  try {
    return require.resolve(`@anthropic-ai/claude-agent-sdk-${process.platform}-${process.arch}${musl}/${exe}`);
  } catch {
    return null;
  }
}

/** Where Claude Code keeps a subscription login. */
const loginFile = () => join(process.env.CLAUDE_CONFIG_DIR ?? join(homedir(), '.claude'), '.credentials.json');

/**
 * Checks made before a session starts, each failing with the fix named: a missing binary, or neither an
 * API key nor a subscription login.
 */
export function checkClaudeCode(o: Pick<ClaudeCodeOptions, 'apiKey' | 'executable' | 'label'>): string {
  const bin = o.executable ?? bundledClaudeBinary();
  if (!bin || !existsSync(bin)) {
    throw new GovernorError(
      'worker_missing',
      o.executable
        ? `${o.label}: the Claude Code binary ${o.executable} (agents.yaml command:) does not exist; ` +
            'fix the path or remove command: to use the one the SDK ships'
        : `${o.label}: the Claude Code binary was not found; run \`npm install\` in Governor's folder ` +
            `(the Claude Agent SDK ships it for ${process.platform}-${process.arch}), ` +
            'or set command: in agents.yaml to a claude binary',
    );
  }
  if (!o.apiKey && !process.env.ANTHROPIC_AUTH_TOKEN && !existsSync(loginFile())) {
    throw new GovernorError(
      'api_key_missing',
      `${o.label} needs an Anthropic API key or a Claude subscription login: set ANTHROPIC_API_KEY ` +
        '(or store the "anthropic" key in Settings), or run `claude` once and /login',
    );
  }
  return bin;
}

/**
 * Claude Code as a worker, through the Claude Agent SDK's `query()`: in the agent's own clone, with every
 * tool use sent to Governor's permission gate (a PreToolUse hook routes each one to `canUseTool`, so
 * even reads Claude Code would allow on its own are decided by the policy), Governor's MCP server bound
 * to the agent, no filesystem settings of the user (their allow rules would bypass the gate), the OS
 * sandbox on with writes confined to the workspace, the session persisted for `resume`, and the budget
 * cap set from what is left.
 */
export function createClaudeCodeWorker(o: ClaudeCodeOptions): Worker {
  return {
    kind: 'claude-code',
    label: o.label,
    usesGit: true,
    async work(t: WorkerTask, h: WorkerHooks): Promise<WorkerResult> {
      const bin = checkClaudeCode(o);
      const abort = new AbortController();
      const onAbort = () => abort.abort();
      h.signal.addEventListener('abort', onAbort, { once: true });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        abort.abort();
      }, t.limits.wallClockS * 1000);
      const env = passedEnv(CLAUDE_ENV);
      if (o.apiKey) env.ANTHROPIC_API_KEY = o.apiKey;
      if (o.baseUrl) env.ANTHROPIC_BASE_URL = o.baseUrl;
      // No telemetry, auto-update or error reports from inside a governed session.
      env.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC = '1';
      env.DISABLE_AUTOUPDATER = '1';
      env.CLAUDE_AGENT_SDK_CLIENT_APP = 'governor/0.1.0';

      let sessionId: string | null = t.resume;
      // Once the session has its result, a permission ask still open (a sandboxed command's network access,
      // say) is moot: withdrawing it lets the session go idle and end.
      const turnOver = new AbortController();
      const tools = new Map<string, { name: string; command: string | null }>();
      const stderr: string[] = [];
      const options: Options = {
        cwd: t.workspace,
        pathToClaudeCodeExecutable: bin,
        ...(o.model ? { model: o.model } : {}),
        ...(t.resume ? { resume: t.resume } : {}),
        settingSources: [],
        permissionMode: 'default',
        strictMcpConfig: true,
        maxTurns: t.limits.maxTurns,
        ...(t.budgetUsd !== null ? { maxBudgetUsd: Math.max(0.0001, t.budgetUsd) } : {}),
        abortController: abort,
        env,
        mcpServers: {
          [GOVERNOR_MCP_NAME]: {
            type: 'sdk',
            name: GOVERNOR_MCP_NAME,
            instance: createGovernorMcpServer(h.mcp, { redactor: o.redactor }),
          },
        },
        systemPrompt: { type: 'preset', preset: 'claude_code', append: governorInstructions(t, o.testCommands) },
        ...(o.sandbox.enabled
          ? {
              sandbox: {
                enabled: true,
                failIfUnavailable: true,
                autoAllowBashIfSandboxed: false,
                allowUnsandboxedCommands: false,
                filesystem: {
                  allowWrite: [t.workspace],
                  denyRead: [
                    join(o.projectDir, '.governor', 'governor.db'),
                    join(o.projectDir, '.governor', 'mcp.key'),
                    join(o.projectDir, '.governor', 'cassettes'),
                  ],
                },
                network: { allowedDomains: o.sandbox.networkDomains },
              },
            }
          : {}),
        hooks: {
          // "ask" for every tool use: Claude Code then calls canUseTool, so the policy decides each one.
          PreToolUse: [
            {
              hooks: [
                async () => ({
                  hookSpecificOutput: {
                    hookEventName: 'PreToolUse',
                    permissionDecision: 'ask',
                    permissionDecisionReason: 'Governor decides every tool use',
                  },
                }),
              ],
            },
          ],
        },
        canUseTool: async (tool, input, { signal }) => {
          const a = await h.gate.check({ tool, input }, sessionId, AbortSignal.any([signal, turnOver.signal]));
          return a.behavior === 'allow'
            ? { behavior: 'allow', updatedInput: a.input }
            : { behavior: 'deny', message: a.message };
        },
        stderr: (d) => {
          stderr.push(o.redactor.redact(d));
          if (stderr.length > 40) stderr.shift();
        },
        spawnClaudeCodeProcess: (so) => {
          const child = spawnTiedToUs(so.command, so.args, {
            ...(so.cwd ? { cwd: so.cwd } : {}),
            env: so.env,
            signal: so.signal,
          });
          child.stderr?.on('data', (d: Buffer) => {
            stderr.push(o.redactor.redact(d.toString()));
            if (stderr.length > 40) stderr.shift();
          });
          return child as ChildProcessWithoutNullStreams;
        },
      };
      const prompt = t.resume ? resumePrompt(t) : taskPrompt(t);

      let result: Extract<SDKMessage, { type: 'result' }> | null = null;
      let lastText = '';
      try {
        for await (const m of query({ prompt, options })) {
          if (m.type === 'system' && m.subtype === 'init') {
            if (m.session_id !== sessionId || t.resume)
              h.session(m.session_id, t.resume !== null && m.session_id === t.resume);
            sessionId = m.session_id;
          } else if (m.type === 'assistant') {
            for (const b of m.message.content) {
              if (b.type === 'text' && b.text.trim()) {
                lastText = b.text;
                h.activity({ session_id: sessionId, kind: 'message', tool: null, text: cap(b.text), gate: null });
              } else if (b.type === 'tool_use') {
                const input = (b.input ?? {}) as Record<string, unknown>;
                const command = typeof input.command === 'string' ? input.command : null;
                tools.set(b.id, { name: b.name, command });
                h.activity({
                  session_id: sessionId,
                  kind: 'tool_use',
                  tool: b.name,
                  text: cap(`${b.name} ${command ?? JSON.stringify(input)}`),
                  gate: null,
                });
              }
            }
          } else if (m.type === 'user' && Array.isArray(m.message.content)) {
            for (const b of m.message.content) {
              if (typeof b !== 'object' || b === null || b.type !== 'tool_result') continue;
              const use = tools.get(b.tool_use_id);
              const text =
                typeof b.content === 'string'
                  ? b.content
                  : Array.isArray(b.content)
                    ? b.content.map((c) => ('text' in c ? c.text : '')).join('')
                    : '';
              const isTest =
                use?.command !== null &&
                use?.command !== undefined &&
                o.testCommands.some((c) => use.command?.trim().startsWith(c));
              h.activity({
                session_id: sessionId,
                kind: isTest ? 'test_run' : 'tool_result',
                tool: use?.name ?? null,
                text: cap(`${b.is_error ? 'error: ' : ''}${text}`),
                gate: null,
              });
            }
          } else if (m.type === 'result') {
            result = m;
            turnOver.abort();
          }
        }
      } catch (err) {
        // The SDK throws after an error result (turn or budget limit): the result says what happened.
        if (result && !timedOut) return finish(result);
        if (timedOut) throw wallClockError(o.label, t, 'session', sessionId);
        if (h.signal.aborted) return outcomeOf('interrupted');
        const why = o.redactor.redact(err instanceof Error ? err.message : String(err));
        throw new GovernorError(
          'worker_crashed',
          `${o.label} stopped unexpectedly on ${t.task.id}: ${why}` +
            (stderr.length ? `\n${stderr.slice(-5).join('')}` : ''),
        );
      } finally {
        clearTimeout(timer);
        h.signal.removeEventListener('abort', onAbort);
      }
      if (timedOut) throw wallClockError(o.label, t, 'session', sessionId);
      return finish(result as Extract<SDKMessage, { type: 'result' }> | null);

      function finish(r: Extract<SDKMessage, { type: 'result' }> | null): WorkerResult {
        if (!r)
          throw new GovernorError(
            'worker_crashed',
            `${o.label} ended without a result on ${t.task.id}${stderr.length ? `: ${stderr.slice(-3).join('')}` : ''}`,
          );
        const usage = {
          input:
            r.usage.input_tokens + (r.usage.cache_read_input_tokens ?? 0) + (r.usage.cache_creation_input_tokens ?? 0),
          output: r.usage.output_tokens,
          costUsd: r.total_cost_usd,
          model: o.model ?? Object.keys(r.modelUsage)[0] ?? 'claude-code',
        };
        h.activity({
          session_id: sessionId,
          kind: 'result',
          tool: null,
          text: `${r.subtype}: ${r.num_turns} turns, $${r.total_cost_usd.toFixed(4)}`,
          gate: null,
        });
        if (r.subtype === 'error_during_execution') {
          const why = o.redactor.redact([...r.errors, ...stderr.slice(-3)].join('; ') || 'no reason given');
          throw new GovernorError(
            /401|authentication|api key/i.test(why) ? 'auth' : 'worker_crashed',
            `${o.label} failed on ${t.task.id}: ${why}`,
          );
        }
        const outcome: WorkerOutcome =
          r.subtype === 'error_max_budget_usd'
            ? 'budget_exhausted'
            : r.subtype === 'error_max_turns'
              ? 'max_turns'
              : h.handedOff()
                ? 'handed_off'
                : 'finished';
        return {
          ...outcomeOf(outcome),
          usage,
          turns: r.num_turns,
          summary: o.redactor.redact(h.handedOff()?.summary ?? (r.subtype === 'success' ? r.result : lastText)),
        };
      }

      function outcomeOf(outcome: WorkerOutcome): WorkerResult {
        const hand = h.handedOff();
        return {
          outcome,
          ...handOffFields(hand, lastText, o.redactor),
          sessionId,
          usage: null,
          turns: 0,
        };
      }
    },
  };
}
