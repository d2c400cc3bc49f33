import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { z } from 'zod';
import { Int } from '../../../shared/index.ts';
import { GovernorError } from '../errors.ts';
import { type RunCommandOptions, type RunCommandResult, runCommand } from './run-command.ts';

/**
 * How the engine runs a test command (the QA gate's, an agent's `run_tests`). Live it is `runCommand`. A
 * recorded run keeps what each one measured — every output line, how it ended, how long it took, and the
 * result files it left (JUnit, coverage, metrics) — and a replay hands exactly that back instead of running
 * the tests again: durations, report hashes and flaky outcomes are facts of the run, not things to recompute.
 */
export type TestCommandRunner = (
  o: RunCommandOptions & { resultFiles?: readonly string[] },
) => Promise<RunCommandResult>;

export const RecordedTestRun = z.object({
  command: z.string(),
  lines: z.array(z.tuple([z.enum(['stdout', 'stderr']), z.string()])),
  result: z.object({
    exitCode: Int.nullable(),
    signal: z.string().nullable(),
    timedOut: z.boolean(),
    durationMs: z.number(),
    outputTail: z.string(),
    notFound: z.boolean(),
    /** Not run at all (a sandbox the policy requires is missing); absent in cassettes from before sandboxing. */
    refused: z.string().nullable().default(null),
  }),
  /** Each result file as the command left it, relative to its working folder; null: it wrote none. */
  files: z.array(z.object({ path: z.string(), base64: z.string().nullable() })),
});
export type RecordedTestRun = z.infer<typeof RecordedTestRun>;

/** Result files are named relative to the command's folder: a replay runs in another folder. */
function within(cwd: string, file: string): string {
  const rel = isAbsolute(file) ? relative(cwd, file) : file;
  if (rel.startsWith('..') || isAbsolute(rel))
    throw new GovernorError('replay_invalid', `result file ${file} is outside ${cwd}`);
  return rel;
}

/** Run for real and hand each run's measurements to `keep`, in the order the runs finish. */
export function recordingRunner(
  keep: (run: RecordedTestRun) => void,
  live: TestCommandRunner = runCommand,
): TestCommandRunner {
  return async (o) => {
    const lines: RecordedTestRun['lines'] = [];
    const result = await live({
      ...o,
      onOutput: (line, stream) => {
        lines.push([stream, line]);
        o.onOutput?.(line, stream);
      },
    });
    const files: RecordedTestRun['files'] = [];
    for (const f of o.resultFiles ?? []) {
      const path = within(o.cwd, f);
      const data = await readFile(join(o.cwd, path)).catch(() => null);
      files.push({ path, base64: data ? data.toString('base64') : null });
    }
    keep({ command: o.command, lines, result, files });
    return result;
  };
}

/**
 * Hand back the recorded runs in order: the same output lines to the same listener, the same result files
 * in the folder, the same result. A different command than the one recorded next means the replay has gone
 * another way than the run; that is said, rather than guessed around.
 */
export function replayingRunner(runs: readonly RecordedTestRun[]): TestCommandRunner & { remaining(): number } {
  let next = 0;
  const runner = async (o: RunCommandOptions & { resultFiles?: readonly string[] }): Promise<RunCommandResult> => {
    const rec = runs[next];
    if (!rec)
      throw new GovernorError(
        'replay_exhausted',
        `the replay ran a test command the run did not record (#${next + 1}: ${o.command}); the run went differently`,
      );
    if (rec.command !== o.command)
      throw new GovernorError(
        'replay_mismatch',
        `test run #${next + 1}: the run recorded \`${rec.command}\`, the replay asked for \`${o.command}\``,
      );
    next += 1;
    for (const f of rec.files) {
      const abs = join(o.cwd, within(o.cwd, f.path));
      if (f.base64 === null) await rm(abs, { force: true });
      else {
        await mkdir(dirname(abs), { recursive: true });
        await writeFile(abs, Buffer.from(f.base64, 'base64'));
      }
    }
    for (const [stream, line] of rec.lines) o.onOutput?.(line, stream);
    return { ...rec.result };
  };
  return Object.assign(runner, { remaining: () => runs.length - next });
}
