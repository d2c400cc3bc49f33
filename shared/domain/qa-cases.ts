import { z } from 'zod';
import { PositiveInt, NonNegativeInt, Int } from './common.ts';
import { TestTotals } from './testrun.ts';

/**
 * The test cases behind one QA gate's counts that a human has to look at: failures (JUnit `failure`),
 * errors (JUnit `error`: the test could not run), flaky passes and skips. Passed cases are left out.
 */
export const QaCaseKind = z.enum(['failed', 'error', 'flaky', 'skipped']);
export type QaCaseKind = z.infer<typeof QaCaseKind>;

export const QaCase = z.object({
  kind: QaCaseKind,
  /** The policy's test command that produced it (`unit`, or `unit (post-merge)` for the check after the merge). */
  run: z.string(),
  suite: z.string(),
  name: z.string(),
  classname: z.string().nullable(),
  file: z.string().nullable(),
  duration_ms: z.number().nonnegative(),
  message: z.string().nullable(),
  /** The failure body (usually the stack), cut to a readable size. */
  details: z.string().nullable(),
  /** Set when `message` / `details` were cut: the full length in characters, for the notice. */
  message_total: NonNegativeInt.nullable(),
  details_total: NonNegativeInt.nullable(),
});
export type QaCase = z.infer<typeof QaCase>;

/** One test command run the gate counted, as the run itself reported it. */
export const QaCaseRun = z.object({
  name: z.string(),
  command: z.string(),
  exit_code: Int.nullable(),
  timed_out: z.boolean(),
  attempts: PositiveInt,
  totals: TestTotals,
  /** Why its results could not be trusted (missing JUnit file, malformed XML…). */
  problems: z.array(z.string()),
});

export const QaCases = z.object({
  event_id: z.string(),
  candidate: z.string(),
  runs: z.array(QaCaseRun),
  /** Failures and errors first, then flaky, then skipped; each group in the order the runs reported them. */
  cases: z.array(QaCase),
  /** Cases beyond `limit` per group, left out of `cases`. */
  omitted: z.object({
    failed: NonNegativeInt,
    flaky: NonNegativeInt,
    skipped: NonNegativeInt,
  }),
  limit: PositiveInt,
});
export type QaCases = z.infer<typeof QaCases>;
