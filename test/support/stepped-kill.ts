/**
 * Stepped kill tests: run a piece of work in a child process and SIGKILL it at each step boundary in turn,
 * found by stepping, never by timing. A step is a ledger commit (`ledger.onAppend`) or a named crash point
 * in the code (`stepPoint` in electron/core/crash-points.ts: a run file written, a process started, a ref
 * moved). The child counts steps as they happen and kills itself right after step k, so run k always dies in
 * the same place.
 *
 * Parent side:  countSteps(script, args)      → the labels of every step of an uninterrupted run
 *               runStepped(script, args, { killAt: k }) → runs until step k and dies there
 * Child side:   const stepper = installStepper(); stepper.watchLedger(p.ledger); … (see stepped-kill-child)
 *
 * Reusable for any multi-step operation (the QA gate here; promotion for the workflow): write a child script
 * that opens the project, installs the stepper and performs the operation once.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ulid } from 'ulid';

const RUN_TS = resolve(import.meta.dirname, '..', '..', 'bin', 'run-ts.mjs');

export const STEP_KILL_AT = 'GOVERNOR_STEP_KILL_AT';
export const STEP_TRACE = 'GOVERNOR_STEP_TRACE';

export interface SteppedRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The labels of the steps the child reached, in order (the last one is where it died). */
  steps: string[];
  stdout: string;
  stderr: string;
  killed: boolean;
}

/** Runs `script` (TypeScript, through tsx) with `args`; with `killAt`, it SIGKILLs itself right after that step. */
export function runStepped(
  script: string,
  args: string[],
  o: { killAt?: number; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<SteppedRun> {
  const trace = join(tmpdir(), `governor-steps-${ulid()}.txt`);
  const env = {
    ...process.env,
    ...o.env,
    [STEP_TRACE]: trace,
    NO_COLOR: '1',
    ...(o.killAt ? { [STEP_KILL_AT]: String(o.killAt) } : {}),
  };
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [RUN_TS, script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 120_000);
    child.on('error', rej);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      let steps: string[] = [];
      try {
        steps = readFileSync(trace, 'utf8').split('\n').filter(Boolean);
      } catch {
        // no step reached
      }
      rmSync(trace, { force: true });
      res({ code, signal, steps, stdout, stderr, killed: signal === 'SIGKILL' });
    });
  });
}

/** The steps of an uninterrupted run; throws if the run failed, so a broken script never passes for "0 steps". */
export async function countSteps(script: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string[]> {
  const run = await runStepped(script, args, env ? { env } : {});
  if (run.code !== 0)
    throw new Error(`the uninterrupted run failed (${run.code ?? run.signal}):\n${run.stderr.slice(-3000)}`);
  if (run.steps.length === 0) throw new Error('the uninterrupted run reached no step: is the stepper installed?');
  return run.steps;
}
