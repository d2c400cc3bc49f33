import { useState } from 'react';
import type { Transport } from '../../../shared/contract.ts';
import { GateDetail } from './GateDetail.tsx';
import { HtmlReport } from './HtmlReport.tsx';
import { TestCases } from './TestCases.tsx';
import { LazyTrendChart as TrendChart } from './LazyTrendChart.tsx';
import { type QaGateRow, useQa } from './useQa.ts';
import './qa.css';

const gateLabel = (g: QaGateRow, latest: boolean) =>
  `Phase ${g.phase} · iteration ${g.iteration} · ${g.green ? 'green' : 'not green'} · ` +
  `${new Date(g.at).toLocaleString()}${latest ? ' (latest)' : ''}`;

/** Any earlier gate of the project; the latest unless one is picked (a new gate then shows as it lands). */
function GatePicker({
  gates,
  shown,
  onPick,
}: {
  gates: QaGateRow[];
  shown: QaGateRow;
  onPick(id: string | null): void;
}) {
  const latest = gates.at(-1);
  return (
    <label className="qa-muted">
      Gate{' '}
      <select
        data-testid="qa-gate-pick"
        value={shown.event_id}
        onChange={(e) => onPick(e.target.value === latest?.event_id ? null : e.target.value)}
      >
        {[...gates].reverse().map((g) => (
          <option key={g.event_id} value={g.event_id}>
            {gateLabel(g, g === latest)}
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * The QA gate: a verdict (the latest by default) with its evidence and failing tests, the trend across iterations, and
 * live test output.
 */
export function QaView({ conn }: { conn: Transport }) {
  const { gates, trends, output, loading, error } = useQa(conn);
  const [picked, setPicked] = useState<string | null>(null);
  const shown = gates.find((g) => g.event_id === picked) ?? gates.at(-1);
  return (
    <section className="view qa-view" aria-labelledby="qa-title">
      <div className="view-head">
        <h2 id="qa-title">QA</h2>
        {shown && gates.length > 1 && <GatePicker gates={gates} shown={shown} onPick={setPicked} />}
      </div>
      {error && (
        <div className="banner banner-bad" role="alert">
          Could not load QA data: {error}
        </div>
      )}
      {loading && gates.length === 0 ? (
        <p className="qa-muted">Loading…</p>
      ) : shown ? (
        <GateDetail gate={shown} cases={<TestCases conn={conn} gate={shown} />} />
      ) : (
        <section className="qa-card qa-empty" data-testid="qa-outcome">
          <p>
            No QA gate yet. The QA gate runs after the build; Run the project or <code>governor qa run</code>.
          </p>
        </section>
      )}

      {shown ? <HtmlReport conn={conn} /> : null}

      <section className="qa-card" data-testid="qa-trend">
        <h3>Trend</h3>
        {trends.length === 0 ? (
          <p className="qa-muted">
            No gates yet. The QA gate runs after the build; Run the project or <code>governor qa run</code>.
          </p>
        ) : (
          <TrendChart points={trends} />
        )}
      </section>

      <section className="qa-card">
        <h3>Live test output</h3>
        <pre className="qa-output" data-testid="qa-output" aria-live="polite">
          {output.length === 0
            ? 'No test output yet.'
            : output.map((l) => `[${l.test}${l.attempt > 1 ? ` #${l.attempt}` : ''}] ${l.line}`).join('\n')}
        </pre>
      </section>
    </section>
  );
}
