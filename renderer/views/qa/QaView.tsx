import type { Transport } from '../../../shared/contract.ts';
import { GateDetail } from './GateDetail.tsx';
import { HtmlReport } from './HtmlReport.tsx';
import { TrendChart } from './TrendChart.tsx';
import { useQa } from './useQa.ts';
import './qa.css';

/** The QA gate: the latest verdict with its evidence, the trend across iterations, and live test output. */
export function QaView({ conn }: { conn: Transport }) {
  const { gates, trends, output, loading, error } = useQa(conn);
  const latest = gates.at(-1);
  return (
    <div className="qa-view">
      <h1>QA</h1>
      {error && (
        <div className="banner banner-bad" role="alert">
          Could not load QA data: {error}
        </div>
      )}
      {loading && gates.length === 0 ? (
        <p className="qa-muted">Loading…</p>
      ) : latest ? (
        <GateDetail gate={latest} />
      ) : (
        <section className="qa-card qa-empty" data-testid="qa-outcome">
          <p>
            No QA gate yet. The QA gate runs after the build; Run the project or <code>governor qa run</code>.
          </p>
        </section>
      )}

      {latest ? <HtmlReport conn={conn} /> : null}

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
          {output.length === 0 ? 'No test output yet.' : output.map((l) => `[${l.test}${l.attempt > 1 ? ` #${l.attempt}` : ''}] ${l.line}`).join('\n')}
        </pre>
      </section>
    </div>
  );
}
