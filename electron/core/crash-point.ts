/**
 * Stepped crash testing. A multi-step write (a promotion, a configuration commit) calls `crashPoint`
 * at each boundary between two effects. With `GOVERNOR_TEST_KILL_AT=<scope>:<n>` in the environment the
 * process SIGKILLs itself at the n-th boundary of that scope, exactly as `kill -9` would, so a test
 * finds every crash window by stepping n = 1, 2, … until the run completes, never by timing.
 * `GOVERNOR_TEST_KILL_LOG=<file>` appends each boundary's label as it is passed (for the test's report).
 * Without those variables this is one environment lookup.
 */
import { appendFileSync } from 'node:fs';

const passed = new Map<string, number>();

export function crashPoint(scope: string, label: string): void {
  const spec = process.env.GOVERNOR_TEST_KILL_AT;
  if (!spec) return;
  const [wanted, at] = spec.split(':');
  if (wanted !== scope) return;
  const n = (passed.get(scope) ?? 0) + 1;
  passed.set(scope, n);
  const log = process.env.GOVERNOR_TEST_KILL_LOG;
  if (log) appendFileSync(log, `${scope}:${n} ${label}\n`);
  if (String(n) === at) process.kill(process.pid, 'SIGKILL');
}
