import type { ReactNode } from 'react';
import type { QaGateRow } from './useQa.ts';

const OUTCOME_LABEL: Record<QaGateRow['outcome'], string> = {
  auto_merge: 'Auto-merge',
  escalate: 'Escalate to a human',
  promotion_candidate: 'Promotion candidate',
};

const BASELINE_LABEL: Record<QaGateRow['baseline'], string> = {
  last_known_good: 'the last known-good gate',
  set_by_this_run: 'this run (there was no baseline yet; this run sets it)',
  none: 'nowhere (no baseline)',
};

const pct = (n: number | null): string => (n === null ? '—' : `${Math.round(n * 10) / 10}%`);
const num = (n: number | null): string => (n === null ? '—' : String(Math.round(n * 10000) / 10000));

/** Everything one gate decided, with its evidence; `cases` (the failing tests) goes right under the counts. */
export function GateDetail({ gate, cases }: { gate: QaGateRow; cases?: ReactNode }) {
  const { totals, reproducibility: rep, compliance } = gate;
  return (
    <div className="qa-detail">
      <section className={`qa-card qa-outcome ${gate.green ? 'qa-green' : 'qa-red'}`} data-testid="qa-outcome">
        <h3>
          {gate.green ? '✅ Green' : '❌ Not green'} · {OUTCOME_LABEL[gate.outcome]}
        </h3>
        <p className="qa-meta">
          Phase {gate.phase}, iteration {gate.iteration} · candidate <code>{gate.candidate}</code> ·{' '}
          {new Date(gate.at).toLocaleString()}
          {gate.duration_ms > 0 && ` · ${(gate.duration_ms / 1000).toFixed(1)} s`}
        </p>
        {gate.reasons.length > 0 ? (
          <ul className="qa-reasons">
            {gate.reasons.map((r, i) => (
              // a recorded gate's reasons never change or reorder, and may repeat.
              // biome-ignore lint/suspicious/noArrayIndexKey: explained above
              <li key={i}>{r}</li>
            ))}
          </ul>
        ) : (
          <p className="qa-muted">No reasons given.</p>
        )}
      </section>

      <section className="qa-card" data-testid="qa-conditions">
        <h3>Conditions</h3>
        {gate.conditions.length === 0 ? (
          <p className="qa-muted">This gate recorded no conditions.</p>
        ) : (
          <table className="qa-table">
            <thead>
              <tr>
                <th scope="col">Condition</th>
                <th scope="col">Met</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {gate.conditions.map((c, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: a recorded gate's conditions never change or reorder.
                <tr key={i}>
                  <td>{c.condition}</td>
                  <td aria-label={c.status === 'not_measured' ? 'not measured' : c.ok ? 'met' : 'not met'}>
                    {c.status === 'not_measured' ? '➖ not measured' : c.ok ? '✅' : '❌'}
                  </td>
                  <td>{c.detail}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <div className="qa-row">
        <section className="qa-card">
          <h3>Tests</h3>
          <dl className="qa-stats">
            <dt>Total</dt>
            <dd>{totals.tests}</dd>
            <dt>Passed</dt>
            <dd>{totals.passed}</dd>
            <dt>Failed</dt>
            <dd className={totals.failed > 0 ? 'qa-bad' : undefined}>{totals.failed}</dd>
            <dt>Skipped</dt>
            <dd>{totals.skipped}</dd>
            <dt>Flaky</dt>
            <dd className={totals.flaky > 0 ? 'qa-warn' : undefined}>{totals.flaky}</dd>
          </dl>
        </section>
        <section className="qa-card">
          <h3>Coverage</h3>
          <dl className="qa-stats">
            <dt>Lines</dt>
            <dd>{pct(gate.coverage_lines)}</dd>
            <dt>Branches</dt>
            <dd>{pct(gate.coverage_branches)}</dd>
          </dl>
        </section>
        <section className="qa-card">
          <h3>Reproducibility</h3>
          <dl className="qa-stats">
            <dt>Runs</dt>
            <dd>{rep.runs}</dd>
            <dt>Identical</dt>
            <dd>{rep.identical}</dd>
            <dt>Score</dt>
            <dd>{rep.score === null ? '—' : `${Math.round(rep.score * 1000) / 10}%`}</dd>
          </dl>
        </section>
      </div>

      {cases}

      <section className="qa-card">
        <h3>Drift</h3>
        <p className="qa-meta">Baseline from {BASELINE_LABEL[gate.baseline]}.</p>
        {gate.drift.length === 0 ? (
          <p className="qa-muted">No drift metrics.</p>
        ) : (
          <table className="qa-table">
            <thead>
              <tr>
                <th scope="col">Metric</th>
                <th scope="col" className="num">
                  Baseline
                </th>
                <th scope="col" className="num">
                  Value
                </th>
                <th scope="col" className="num">
                  Drift
                </th>
                <th scope="col">Breach</th>
              </tr>
            </thead>
            <tbody>
              {gate.drift.map((d) => (
                <tr key={d.metric} className={d.breach ? 'qa-breach' : undefined}>
                  <td>{d.metric}</td>
                  <td className="num">{num(d.baseline)}</td>
                  <td className="num">{num(d.value)}</td>
                  <td className="num">{pct(d.percent)}</td>
                  <td>{d.breach ? '❌ breach' : '✅'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section className="qa-card">
        <h3>Compliance</h3>
        {compliance.docs.length === 0 ? (
          <p className="qa-muted">No governed documents checked.</p>
        ) : (
          <ul className="qa-list">
            {compliance.docs.map((d) => (
              <li key={d.path}>
                {d.updated ? '✅' : '❌'} <code>{d.path}</code> {d.note && <span className="qa-muted">— {d.note}</span>}
              </li>
            ))}
          </ul>
        )}
        <p>
          {compliance.audit_ids.ok
            ? '✅ Audit-IDs present'
            : `❌ Audit-IDs missing: ${compliance.audit_ids.missing.join(', ')}`}
        </p>
      </section>

      <section className="qa-card">
        <details>
          <summary>Manifest ({gate.manifest.length} files, sha256 as the gate saw them)</summary>
          <ul className="qa-list qa-mono">
            {gate.manifest.map((m) => (
              <li key={m.path}>
                <code>{m.sha256.slice(0, 12)}</code> {m.path} <span className="qa-muted">({m.bytes} B)</span>
              </li>
            ))}
          </ul>
        </details>
      </section>
    </div>
  );
}
