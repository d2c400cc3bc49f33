import { z } from 'zod';
import { PositiveInt, NonNegativeInt, Int } from './common.ts';

export const TestCaseStatus = z.enum(['passed', 'failed', 'skipped', 'error']);

export const TestCase = z.object({
  suite: z.string(),
  name: z.string(),
  classname: z.string().nullable(),
  file: z.string().nullable(),
  status: TestCaseStatus,
  duration_ms: z.number().nonnegative(),
  message: z.string().nullable(),
  details: z.string().nullable(),
  /** Passed only after a retry. */
  flaky: z.boolean(),
});
export type TestCase = z.infer<typeof TestCase>;

export const TestTotals = z.object({
  tests: NonNegativeInt,
  passed: NonNegativeInt,
  failed: NonNegativeInt,
  skipped: NonNegativeInt,
  flaky: NonNegativeInt,
});
export type TestTotals = z.infer<typeof TestTotals>;

/** One run of one test command of the policy, with what its JUnit said. */
export const TestRunResult = z.object({
  name: z.string(),
  command: z.string(),
  candidate: z.string(),
  exit_code: Int.nullable(),
  timed_out: z.boolean(),
  duration_ms: z.number().nonnegative(),
  totals: TestTotals,
  cases: z.array(TestCase),
  /** Why the results could not be trusted (missing file, malformed XML, command not found…). */
  problems: z.array(z.string()),
  output_tail: z.string(),
  started_at: z.string(),
  /** How many times the command ran (policy `retries`); flaky cases passed on a later attempt. */
  attempts: PositiveInt.optional(),
  /** What the run's coverage file said, when the policy names one and it could be read. */
  coverage: z.object({ lines: z.number(), branches: z.number().nullable(), format: z.string() }).nullable().optional(),
  /** The metrics JSON the tests emitted (for drift and reproducibility). */
  metrics: z.record(z.string(), z.number()).nullable().optional(),
  /** sha256 of the result files the run produced (JUnit, coverage, metrics), for the manifest. */
  outputs: z.array(z.object({ path: z.string(), sha256: z.string(), bytes: NonNegativeInt })).optional(),
});
export type TestRunResult = z.infer<typeof TestRunResult>;
