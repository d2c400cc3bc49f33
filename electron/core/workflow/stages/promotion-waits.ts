/**
 * When a promotion cannot go on without the human (an edit in the release's way, a conflict, a tag that
 * is already there, a step that failed), it says so in one concern with the exact way out, and the loop
 * holds the decided promotion back until the human resolves that concern. Never a stack trace, and
 * never a loop that retries the same failing promotion.
 */
import type { Engine } from '../engine.ts';
import { raiseConcern } from '../records.ts';

/** The category every "promotion waits" concern carries (the name predates conflicts and failures). */
export const DIRTY_CATEGORY = 'dirty_working_tree';

export const RESUME_HINT = 'then `governor command "/resolve <this concern>"` and `governor run`';

/** The loop holds a decided promotion back while one of these concerns is open; `/resolve` lets it go on. */
export function promotionWaits(e: Engine): boolean {
  return e.read.openConcerns().some((c) => c.category === DIRTY_CATEGORY);
}

/** `a, b, c and 4 more`. */
export const listed = (paths: readonly string[]): string =>
  paths.slice(0, 10).join(', ') + (paths.length > 10 ? ` and ${paths.length - 10} more` : '');

/** Raise the concern once (the same wait is not raised twice) and print the whole instruction. */
export function waitOnHuman(
  e: Engine,
  phase: number,
  summary: string,
  details: string,
  severity: 'warning' | 'critical' = 'warning',
): null {
  const open = e.read.openConcerns().some((c) => c.category === DIRTY_CATEGORY && c.summary === summary);
  if (!open) {
    e.ledger.transact((tx) => {
      const ts = e.clock().toISOString();
      const to = { from: 'ProjectManager', to: 'Human', severity, category: DIRTY_CATEGORY } as const;
      raiseConcern(tx, { ...to, phase, summary, details }, ts);
    });
  }
  // A terminal user reads what to type without looking the concern up.
  e.progress({ kind: 'warn', text: `${summary}. ${details}` });
  return null;
}

/**
 * Whatever stops a promotion half-way (a disk full, a repository changed under it) holds it the same way:
 * the intent stays, and the next run after `/resolve` picks the promotion up where it stopped.
 */
export function promotionStopped(e: Engine, phase: number, err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  const details =
    `${message}\n\nNothing is lost: the promotion is recorded as started, and it resumes where it stopped. ` +
    `Fix the cause, ${RESUME_HINT}.`;
  waitOnHuman(e, phase, `Promotion of phase ${phase} stopped: ${message.slice(0, 160)}`, details, 'critical');
}
