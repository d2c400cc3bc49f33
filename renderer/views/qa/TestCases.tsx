import type { Transport } from '../../../shared/contract.ts';
import type { QaGateRow } from './useQa.ts';
import { type QaCaseRow, type QaCasesResult, useCases } from './useCases.ts';

const count = (n: number) => n.toLocaleString('en');

type Group = 'failed' | 'flaky' | 'skipped';

const GROUPS: Array<{ id: Group; title: string; noun: string }> = [
  { id: 'failed', title: 'Failed', noun: 'failures' },
  { id: 'flaky', title: 'Flaky (passed on a retry)', noun: 'flaky tests' },
  { id: 'skipped', title: 'Skipped', noun: 'skipped tests' },
];

const groupOf = (c: QaCaseRow): Group => (c.kind === 'error' ? 'failed' : c.kind);

/** Where a case lives, as much as the JUnit file said: suite, file, and the test command when there were several. */
function where(c: QaCaseRow, several: boolean): string {
  return [c.suite || c.classname, c.file, several ? `run: ${c.run}` : null].filter(Boolean).join(' · ');
}

function Case({ c, several }: { c: QaCaseRow; several: boolean }) {
  const place = where(c, several);
  return (
    <li className={`qa-case qa-case-${c.kind}`} data-testid="qa-case" data-kind={c.kind}>
      <div className="qa-case-head">
        {c.kind === 'error' && (
          <span className="qa-case-tag" title="The test could not run (a JUnit error, e.g. in setup)">
            error
          </span>
        )}
        <strong className="qa-case-name">{c.name || '(unnamed test)'}</strong>
        {place && <span className="qa-muted"> — {place}</span>}
      </div>
      {c.message && (
        <p className="qa-case-message" data-testid="qa-case-message">
          {c.kind === 'flaky' && <span className="qa-muted">Failed first with: </span>}
          {c.message}
          {c.message_total !== null && (
            <span className="qa-muted">
              {' '}
              … (message cut at {count(c.message.length)} of {count(c.message_total)} characters)
            </span>
          )}
        </p>
      )}
      {c.details && (
        <details className="qa-case-details">
          <summary>{c.kind === 'skipped' ? 'Details' : 'Details (stack)'}</summary>
          <pre data-testid="qa-case-details">{c.details}</pre>
          {c.details_total !== null && (
            <p className="qa-muted" role="note">
              Truncated: showing the first {count(c.details.length)} of {count(c.details_total)} characters. The full
              text is in the run's JUnit file.
            </p>
          )}
        </details>
      )}
    </li>
  );
}

/** Why there is nothing to list: everything passed, or no results were read at all (and what each run said). */
function Empty({ gate, data }: { gate: QaGateRow; data: QaCasesResult }) {
  if (data.runs.length === 0) return <p className="qa-muted">This gate ran no tests; its reasons above say why.</p>;
  const problems = data.runs.flatMap((r) => r.problems.map((p) => `${r.name}: ${p}`));
  if (gate.totals.tests === 0)
    return (
      <div className="qa-muted">
        <p>No test results were read, so there are no test cases to show.</p>
        {problems.length > 0 && (
          <ul className="qa-list">
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        )}
      </div>
    );
  return (
    <p className="qa-case-empty" data-testid="qa-cases-empty">
      ✅ All {count(gate.totals.tests)} tests passed: none failed, none was flaky, none was skipped.
    </p>
  );
}

/** The test cases behind a gate's counts: failures with their message and stack, then flaky, then skipped. */
export function TestCases({ conn, gate }: { conn: Transport; gate: QaGateRow }) {
  const { data, error } = useCases(conn, gate.event_id);
  const several = (data?.runs.length ?? 0) > 1;
  return (
    <section className="qa-card" data-testid="qa-cases" aria-labelledby="qa-cases-title">
      <h3 id="qa-cases-title">Failed, flaky and skipped tests</h3>
      {error ? (
        <p className="banner banner-bad" role="alert">
          Could not load the test cases: {error}
        </p>
      ) : data === null ? (
        <p className="qa-muted">Loading…</p>
      ) : data.cases.length === 0 && data.omitted.failed + data.omitted.flaky + data.omitted.skipped === 0 ? (
        <Empty gate={gate} data={data} />
      ) : (
        GROUPS.map((g) => {
          const cases = data.cases.filter((c) => groupOf(c) === g.id);
          const more = data.omitted[g.id];
          if (cases.length + more === 0) return null;
          return (
            <div key={g.id} className="qa-case-group" data-testid={`qa-cases-${g.id}`}>
              <h4>
                {g.title} ({count(cases.length + more)})
              </h4>
              <ul className="qa-cases">
                {cases.map((c, i) => (
                  // a retried case repeats run, suite and name; the list is fixed.
                  // biome-ignore lint/suspicious/noArrayIndexKey: explained above
                  <Case key={`${c.run}:${c.suite}:${c.name}:${i}`} c={c} several={several} />
                ))}
              </ul>
              {more > 0 && (
                <p className="qa-muted" role="note">
                  … and {count(more)} more {g.noun}, not listed here (the first {count(data.limit)} are).
                </p>
              )}
            </div>
          );
        })
      )}
    </section>
  );
}
