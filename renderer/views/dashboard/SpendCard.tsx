import type { Loaded, UsageSummary } from './useDashboardData.ts';

const usd = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});
const tokens = new Intl.NumberFormat('en-US');
/** From this share of a budget on, the bar turns to the warning colour; at 100% it is over. */
const WARN_AT = 0.8;

type Limit = NonNullable<UsageSummary['phase_total']['budget']>;
type Level = 'ok' | 'warn' | 'over';

/** Over as the engine counts it (spend reaching the budget crosses it); a zero budget with nothing spent is fine. */
function level(used: number, limit: number): Level {
  if (used > 0 && used >= limit) return 'over';
  return limit > 0 && used / limit >= WARN_AT ? 'warn' : 'ok';
}

/** One bar against one limit, with the figures in words beside it (the colour is never the only signal). */
function Meter({
  label,
  used,
  limit,
  format,
}: {
  label: string;
  used: number;
  limit: number;
  format: (n: number) => string;
}) {
  const l = level(used, limit);
  const share = limit > 0 ? Math.min(1, used / limit) : 1;
  return (
    <div className={`meter meter-${l}`} data-testid="budget-meter" data-level={l}>
      <div className="meter-text">
        <span>{label}</span>
        <span>
          {format(used)} of {format(limit)}
          {l === 'over' ? ' · over budget' : l === 'warn' ? ' · near the limit' : ''}
        </span>
      </div>
      {/* biome-ignore lint/a11y/useSemanticElements: a native <meter> is drawn by the browser and ignores our colours. */}
      <div
        className="meter-track"
        role="meter"
        aria-label={`${label} against its budget`}
        aria-valuemin={0}
        aria-valuemax={limit}
        aria-valuenow={Math.min(used, limit)}
      >
        <div className="meter-fill" style={{ width: `${Math.round(share * 100)}%` }} />
      </div>
    </div>
  );
}

function Budget({
  budget,
  spentUsd,
  spentTokens,
  what,
}: {
  budget: Limit | null;
  spentUsd: number;
  spentTokens: number;
  what: string;
}) {
  if (!budget) return <span className="muted no-budget">no budget set</span>;
  return (
    <>
      {budget.usd !== undefined && (
        <Meter label={`${what} cost`} used={spentUsd} limit={budget.usd} format={(n) => usd.format(n)} />
      )}
      {budget.tokens !== undefined && (
        <Meter label={`${what} tokens`} used={spentTokens} limit={budget.tokens} format={(n) => tokens.format(n)} />
      )}
    </>
  );
}

/**
 * What the team has spent, in total and per agent, against the budgets of `.project_policies.yaml`.
 * Budgets hold per phase, so the bars compare this phase's spend; crossing one pauses the agent.
 */
export function SpendCard({ usage }: { usage: Loaded<UsageSummary> }) {
  const s = usage.data;
  return (
    <section className="card card-wide" aria-labelledby="spend-title" data-testid="spend-card">
      <h2 id="spend-title">Spend against budget</h2>
      {usage.error && <p className="card-error">Could not load the spend: {usage.error}</p>}
      {!s ? (
        !usage.error && <p className="muted">Loading…</p>
      ) : (
        <>
          <div className="spend-head">
            <p className="figure" data-testid="spend-total">
              {usd.format(s.total.usd)}
              <span className="figure-of"> · {tokens.format(s.total.tokens)} tokens in all phases</span>
            </p>
            <div className="spend-phase" data-testid="spend-phase">
              <span className="muted">Phase {s.phase}: </span>
              <Budget
                budget={s.phase_total.budget}
                spentUsd={s.phase_total.usd}
                spentTokens={s.phase_total.tokens}
                what={`Phase ${s.phase}`}
              />
            </div>
          </div>
          {s.total.tokens === 0 && (
            <p className="muted">
              No model spend yet; scripted agents cost nothing. Budgets are set under <code>budgets:</code> in{' '}
              <code>.project_policies.yaml</code>.
            </p>
          )}
          <table className="spend-table">
            <thead>
              <tr>
                <th scope="col">Agent</th>
                <th scope="col" className="num">
                  Cost
                </th>
                <th scope="col" className="num">
                  Tokens
                </th>
                <th scope="col">Phase {s.phase} budget</th>
              </tr>
            </thead>
            <tbody>
              {s.agents.map((a) => (
                <tr key={a.agent} data-testid="spend-agent" data-agent={a.agent}>
                  <th scope="row">{a.agent}</th>
                  <td className="num">{usd.format(a.usd)}</td>
                  <td className="num">{tokens.format(a.tokens)}</td>
                  <td className="spend-budget">
                    <Budget budget={a.budget} spentUsd={a.phase_usd} spentTokens={a.phase_tokens} what={a.agent} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
