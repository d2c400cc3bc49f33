/**
 * Runs one test command of a project's policy for the QA gate.
 *
 * The command runs through `/bin/sh -c` as the leader of its own process group
 * (`detached: true`), so that a timeout can signal the whole tree at once with
 * `process.kill(-pid, …)`: test runners fork workers, and workers fork servers,
 * and killing only the shell would leave those running and holding our pipes.
 */
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { childEnv, forgetWorkingSandbox, sandboxedCommand } from '../sandbox/index.ts';

export type OutputStream = 'stdout' | 'stderr';

export interface RunCommandOptions {
  command: string;
  cwd: string;
  /**
   * Merged over `baseEnv`; an `undefined` value removes the variable. The base is the allowlisted
   * environment (PATH, HOME, LANG…, see sandbox/env.ts), never Governor's own with its keys.
   */
  env?: Readonly<Record<string, string | undefined>>;
  /** Where the allowed variables are taken from; Governor's environment by default (only the allowlist passes). */
  baseEnv?: NodeJS.ProcessEnv;
  /** Further variable names to pass from `baseEnv` (the policy's `sandbox.pass_env`). */
  passEnv?: readonly string[];
  /**
   * Confine the command in the OS sandbox (sandbox/index.ts), writable only in these folders (cwd's owner,
   * typically the workspace or checkout). `{ refused }` does not run it at all and says why in the result.
   */
  sandbox?:
    | { writable: readonly string[]; readable?: readonly string[]; network: boolean }
    | { refused: string }
    | null;
  /** Applied to every line and to the tail before anyone sees them: the project's redactor. */
  redact?: (text: string) => string;
  /** The process group leader's pid, as soon as it exists (the QA run registry records it). */
  onSpawn?: (pid: number) => void;
  /** No limit when absent or not positive. */
  timeoutMs?: number;
  /** Called once per complete line (without its line break), in arrival order. */
  onOutput?: (line: string, stream: OutputStream) => void;
  /** Time between SIGTERM and SIGKILL of the process group. */
  killGraceMs?: number;
}

export interface RunCommandResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  /** The last ~8 KB of stdout and stderr, interleaved as they arrived. */
  outputTail: string;
  /** The shell exited with 127: the command (or one it ran) was not found. */
  notFound: boolean;
  /** Why the command was not run at all (a sandbox the policy requires is missing); null when it ran. */
  refused: string | null;
}

export const OUTPUT_TAIL_CHARS = 8 * 1024;
const DEFAULT_KILL_GRACE_MS = 2_000;
/** POSIX shells exit with 127 when a command cannot be found. */
const EXIT_NOT_FOUND = 127;

/**
 * Keeps the last `limit` characters without re-slicing on every chunk: the
 * buffer may grow to twice the limit before it is cut, so work stays linear.
 */
class TailBuffer {
  private text = '';
  constructor(private readonly limit: number) {}
  push(chunk: string): void {
    this.text += chunk;
    if (this.text.length > this.limit * 2) this.text = this.text.slice(-this.limit);
  }
  value(): string {
    return this.text.length > this.limit ? this.text.slice(-this.limit) : this.text;
  }
}

/**
 * Splits a byte stream into lines; a decoder per stream keeps multi-byte characters whole. Lines are the
 * unit of redaction, so the tail is built from (redacted) lines too: a tail cut mid-secret would leak the rest.
 */
class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  constructor(private readonly emit: (line: string, terminated: boolean) => void) {}
  write(chunk: Buffer): void {
    this.consume(this.decoder.write(chunk));
  }
  /** Flushes an unterminated last line: "don't lose partial last lines". */
  end(): void {
    this.consume(this.decoder.end());
    if (this.partial.length > 0) {
      const line = this.partial;
      this.partial = '';
      this.emit(line, false);
    }
  }
  private consume(text: string): void {
    if (text.length === 0) return;
    let start = 0;
    let newline = text.indexOf('\n');
    if (newline === -1) {
      this.partial += text;
      return;
    }
    while (newline !== -1) {
      let line = this.partial + text.slice(start, newline);
      this.partial = '';
      if (line.endsWith('\r')) line = line.slice(0, -1);
      this.emit(line, true);
      start = newline + 1;
      newline = text.indexOf('\n', start);
    }
    this.partial = text.slice(start);
  }
}

/** What to spawn: `/bin/sh -c command`, inside the sandbox when asked. */
function launch(options: RunCommandOptions): {
  file: string;
  args: string[];
  env: Record<string, string>;
  cleanup(): void;
} {
  const env = childEnv({
    ...(options.baseEnv ? { base: options.baseEnv } : {}),
    ...(options.passEnv ? { pass: options.passEnv } : {}),
    ...(options.env ? { extra: options.env } : {}),
  });
  const argv = ['/bin/sh', '-c', options.command];
  const box = options.sandbox;
  if (!box || 'refused' in box) return { file: '/bin/sh', args: argv.slice(1), env, cleanup: () => {} };
  return sandboxedCommand({
    command: argv,
    cwd: options.cwd,
    writable: box.writable,
    network: box.network,
    env,
    ...(box.readable ? { readable: box.readable } : {}),
  });
}

/** Signals every process in the group; ESRCH just means the group is already empty. */
function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

function assertDirectory(cwd: string): void {
  let isDir = false;
  try {
    isDir = statSync(cwd).isDirectory();
  } catch {
    throw new Error(`runCommand: working directory does not exist: ${cwd}`);
  }
  if (!isDir) throw new Error(`runCommand: working directory is not a directory: ${cwd}`);
}

/**
 * Never rejects because the command failed, timed out or was not found: those
 * are results the gate reports. Rejects only for caller mistakes: a missing or
 * non-directory cwd, an empty command, or an `onOutput` that threw (reported
 * after the child has exited).
 */
export async function runCommand(options: RunCommandOptions): Promise<RunCommandResult> {
  const { command, cwd, timeoutMs, onOutput } = options;
  const killGraceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  if (typeof command !== 'string' || command.trim() === '') {
    throw new Error('runCommand: command must be a non-empty string');
  }
  assertDirectory(cwd);

  const started = performance.now();
  if (options.sandbox && 'refused' in options.sandbox) {
    const why = options.sandbox.refused;
    return {
      exitCode: null,
      signal: null,
      timedOut: false,
      durationMs: 0,
      outputTail: `[governor] not run: ${why}\n`,
      notFound: false,
      refused: why,
    };
  }
  const redact = options.redact ?? ((text: string) => text);
  const tail = new TailBuffer(OUTPUT_TAIL_CHARS);
  let callbackError: unknown = null;
  // bubblewrap's own complaint as the first line on stderr: it could not make the sandbox (see finish).
  let firstStderr: string | null = null;
  const deliver = (raw: string, stream: OutputStream, terminated: boolean): void => {
    if (stream === 'stderr') firstStderr ??= raw;
    const line = redact(raw);
    tail.push(terminated ? `${line}\n` : line);
    if (!onOutput || callbackError !== null) return;
    try {
      onOutput(line, stream);
    } catch (err) {
      // Throwing inside a stream 'data' handler would crash the process;
      // remember the first error and reject once the child is gone.
      callbackError = err;
    }
  };

  const target = launch(options);
  return await new Promise<RunCommandResult>((resolve, reject) => {
    const child = spawn(target.file, target.args, {
      cwd,
      env: target.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const pgid = child.pid;
    if (pgid !== undefined) options.onSpawn?.(pgid);

    let timedOut = false;
    let exitCode: number | null = null;
    let signal: string | null = null;
    let exited = false;
    let finished = false;
    let spawnError: Error | null = null;
    let timeoutTimer: NodeJS.Timeout | null = null;
    let killTimer: NodeJS.Timeout | null = null;
    let drainTimer: NodeJS.Timeout | null = null;

    const splitters: Record<OutputStream, LineSplitter> = {
      stdout: new LineSplitter((line, terminated) => deliver(line, 'stdout', terminated)),
      stderr: new LineSplitter((line, terminated) => deliver(line, 'stderr', terminated)),
    };
    const open = new Set<OutputStream>();

    /** SIGTERM now and SIGKILL after the grace, for anything that ignores SIGTERM. */
    const terminateGroup = (): void => {
      if (pgid === undefined || killTimer !== null) return;
      if (!signalGroup(pgid, 'SIGTERM')) return;
      killTimer = setTimeout(() => signalGroup(pgid, 'SIGKILL'), killGraceMs);
    };

    const finish = (): void => {
      if (finished) return;
      finished = true;
      if (timeoutTimer) clearTimeout(timeoutTimer);
      if (drainTimer) clearTimeout(drainTimer);
      // killTimer is left running on purpose: leftovers that ignored SIGTERM
      // still get their SIGKILL even though we have stopped waiting for them.
      for (const stream of ['stdout', 'stderr'] as const) {
        if (open.has(stream)) splitters[stream].end();
      }
      target.cleanup();
      // The sandbox a cached probe vouched for failed to start (sandbox/availability.ts): probe again next time.
      const sandboxed = options.sandbox !== null && options.sandbox !== undefined && !('refused' in options.sandbox);
      if (sandboxed && (spawnError || (exitCode !== 0 && firstStderr?.startsWith('bwrap: ')))) forgetWorkingSandbox();
      if (spawnError) tail.push(`\n[runCommand] could not start ${target.file}: ${spawnError.message}\n`);
      if (callbackError !== null) {
        reject(callbackError instanceof Error ? callbackError : new Error(String(callbackError)));
        return;
      }
      resolve({
        exitCode,
        signal,
        timedOut,
        durationMs: performance.now() - started,
        outputTail: tail.value(),
        notFound: exitCode === EXIT_NOT_FOUND,
        refused: null,
      });
    };

    const maybeFinish = (): void => {
      if (exited && open.size === 0) finish();
    };

    for (const stream of ['stdout', 'stderr'] as const) {
      const readable = child[stream];
      if (!readable) continue;
      open.add(stream);
      readable.on('data', (chunk: Buffer) => splitters[stream].write(chunk));
      const close = (): void => {
        if (!open.has(stream)) return;
        splitters[stream].end();
        open.delete(stream);
        maybeFinish();
      };
      readable.on('end', close);
      readable.on('close', close);
      readable.on('error', close);
    }

    child.on('error', (err) => {
      // spawn failures (EAGAIN, missing /bin/sh) arrive here and no 'exit' follows.
      spawnError = err;
      exited = true;
      open.clear();
      finish();
    });

    child.on('exit', (code, sig) => {
      exited = true;
      exitCode = code;
      signal = sig;
      // The shell is gone; anything still in its group is a leftover (a
      // background server, a `cmd &`). Stop it so it cannot keep our pipes
      // open and so nothing the tests started outlives the gate.
      if (pgid !== undefined && signalGroup(pgid, 0)) terminateGroup();
      // A process that escaped the group (setsid) may still hold the pipes:
      // stop waiting for end-of-file after the grace.
      drainTimer = setTimeout(() => {
        for (const stream of ['stdout', 'stderr'] as const) child[stream]?.destroy();
        open.clear();
        finish();
      }, killGraceMs + 500);
      maybeFinish();
    });

    if (timeoutMs !== undefined && timeoutMs > 0) {
      timeoutTimer = setTimeout(() => {
        if (exited) return;
        timedOut = true;
        terminateGroup();
      }, timeoutMs);
    }
  });
}
