import type { ChildProcess } from 'node:child_process';
import { GovernorError } from '../../errors.ts';
import type { Handoff } from '../../mcp/actions.ts';
import type { Redactor } from '../../secrets/redact.ts';
import type { LoopbackMcp } from './loopback-mcp.ts';
import { cap, stderrTail } from './spawn-tied.ts';
import type { WorkerHooks, WorkerOutcome, WorkerResult, WorkerTask } from './worker.ts';
import { handOffFields } from './worker.ts';

type ActivityKind = 'message' | 'tool_use' | 'tool_result' | 'test_run' | 'result';

/** What Codex calls the conversation it resumes (a thread) and what ACP and Claude Code call it (a session). */
type SessionNoun = 'session' | 'thread';

/**
 * The error for a step that ran out of wall-clock time. Its session is not lost: the agent resumes it on its
 * next step, so the message says so (one wording for every coding agent).
 */
export function wallClockError(who: string, t: WorkerTask, noun: SessionNoun, sessionId: string | null): GovernorError {
  return new GovernorError(
    'timeout',
    `${who} ran past agent_limits.wall_clock_s (${t.limits.wallClockS}s) on ${t.task.id}; ` +
      `its ${noun} ${sessionId ?? '(none yet)'} is kept and resumes with the agent`,
  );
}

export interface AgentProcessSetup {
  /** How errors name the agent: `codex`, `gemini (gemini --experimental-acp)`. */
  who: string;
  noun: SessionNoun;
  task: WorkerTask;
  hooks: WorkerHooks;
  redactor: Redactor;
  child: ChildProcess;
  mcp: LoopbackMcp;
  /** The session as far as the agent has one (it changes as the agent starts or resumes it). */
  sessionId(): string | null;
}

/**
 * The protocol-free part of one work step of a coding agent that Governor runs as its own process and speaks
 * to over stdio (Codex's app-server, any ACP agent): the activity stream, the human's stop and the wall
 * clock, the error for a process that died, the clean-up, and the result. Codex and ACP differ in how they
 * talk, not in any of this, so it is written once and both adapters read the same.
 */
export function superviseAgentProcess(s: AgentProcessSetup) {
  const { task: t, hooks: h } = s;
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: () => void = () => undefined;
  const stderr = stderrTail((text) => s.redactor.redact(text));
  s.child.stderr?.on('data', (d: Buffer) => stderr.push(d));

  /** One entry of the agent's activity, redacted and capped before it leaves the adapter. */
  const act = (kind: ActivityKind, tool: string | null, text: string) =>
    h.activity({ session_id: s.sessionId(), kind, tool, text: cap(s.redactor.redact(text)), gate: null });

  return {
    act,
    /** The last lines the agent wrote to stderr (redacted), for the error that names what went wrong. */
    stderr,
    /** True once the wall clock ran out (and `interrupt` was called for it). */
    get timedOut() {
      return timedOut;
    },

    /**
     * From now on, the human's stop and the step's wall clock both `interrupt` the agent; the adapter
     * says how (a protocol's cancel) once it has a connection to say it over.
     */
    startClock(interrupt: () => void) {
      onAbort = interrupt;
      h.signal.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(() => {
        timedOut = true;
        interrupt();
      }, t.limits.wallClockS * 1000);
    },

    /** The error for the agent's process exiting mid-step; its session is kept for the next step. */
    crashed(code: number | null, signal: NodeJS.Signals | null, who = s.who): GovernorError {
      const id = s.sessionId();
      const kept = id ? `; its ${s.noun} ${id} is kept and resumes with the agent (/resume ${t.agent})` : '';
      const tail = stderr.last(3);
      return new GovernorError(
        'worker_crashed',
        `${who} exited ${signal ? `on ${signal}` : `with code ${String(code)}`} during ${t.task.id}${kept}` +
          (tail ? `: ${tail}` : ''),
      );
    },

    /** Ends the step whatever happened: the timers stop, the process is told to end, the MCP server closes. */
    async close() {
      clearTimeout(timer);
      h.signal.removeEventListener('abort', onAbort);
      s.child.stdin?.end();
      if (s.child.exitCode === null) s.child.kill('SIGTERM');
      await s.mcp.close();
    },

    /** After `close`: a step that ran out of time fails as such, whatever the agent said last. */
    throwIfTimedOut() {
      if (timedOut) throw wallClockError(s.who, t, s.noun, s.sessionId());
    },

    /**
     * The step's result, with a last activity line that sums it up: how it ended, how many turns (`unit`
     * names them: model turns, prompts), the tokens and the dollars.
     */
    finish(r: {
      ended: string;
      turns: number;
      unit: string;
      usage: { input: number; output: number };
      costUsd: number;
      model: string;
      lastText: string;
      outcome(hand: Handoff | null): WorkerOutcome;
    }): WorkerResult {
      const { input, output } = r.usage;
      act('result', null, `${r.ended}: ${r.turns} ${r.unit}, ${input}+${output} tokens, $${r.costUsd.toFixed(4)}`);
      const hand = h.handedOff();
      return {
        outcome: r.outcome(hand),
        ...handOffFields(hand, r.lastText, s.redactor),
        sessionId: s.sessionId(),
        usage: { input, output, costUsd: r.costUsd, model: r.model },
        turns: r.turns,
      };
    },
  };
}
