import { useState } from 'react';
import type { StatusSnapshot, Transport } from '../../../shared/contract.ts';
import type { Concern } from '../../../shared/domain/concern.ts';
import type { Review } from '../../../shared/domain/review.ts';
import { useNow } from '../../clock.ts';
import type { ListState } from '../../stores/list-store.ts';
import { useActivityStore } from '../../stores/activity.ts';
import { ActivityCard } from './ActivityCard.tsx';
import { ConcernsCard } from './ConcernsCard.tsx';
import { KpiCard } from './KpiCard.tsx';
import { Pipeline } from './Pipeline.tsx';
import { ReviewsCard } from './ReviewsCard.tsx';
import { SpendCard } from './SpendCard.tsx';
import { StartPhaseButton } from './StartPhaseButton.tsx';
import { TeamStrip } from './TeamStrip.tsx';
import { useDashboardData } from './useDashboardData.ts';
import './dashboard.css';

export interface RunState {
  busy: boolean;
  /** The last answer to Run, in words: "started", or why it did not start, or the error. */
  message: string | null;
  failed: boolean;
}

interface Props {
  conn: Transport;
  snapshot: StatusSnapshot | null;
  reviews: ListState<Review>;
  concerns: ListState<Concern>;
  connected: boolean;
  run: RunState;
  onRun: () => void;
}

/** The project at a glance. It only renders what the stores hold; the stores are fed by pushed events. */
export function Dashboard({ conn, snapshot, reviews, concerns, connected, run, onRun }: Props) {
  const now = useNow();
  const { trends, usage } = useDashboardData(conn, connected);
  const latest = useActivityStore((s) => s.lines.at(-1));
  // The answer to Start phase N: it stays after the button goes (the phase has started).
  const [phaseNote, setPhaseNote] = useState<{ text: string; failed: boolean } | null>(null);
  if (!snapshot) {
    return (
      <section className="view">
        <div className="empty">
          <p className="empty-lead">Waiting for the engine…</p>
          <p>
            The dashboard fills in as soon as the host answers. If this lasts, check that <code>governor serve</code> is
            running.
          </p>
        </div>
      </section>
    );
  }
  const running = snapshot.loop.running;
  const { done, total } = snapshot.tasks;
  return (
    <section className="view dashboard" aria-labelledby="dashboard-title">
      <div className="view-head">
        <h2 id="dashboard-title">Dashboard</h2>
        <div className="run">
          <span className="run-note" role="status" aria-live="polite" data-testid="run-note">
            {running ? (
              `The loop is running…${latest ? ` ${latest.agent ? `${latest.agent}: ` : ''}${latest.text}` : ''}`
            ) : run.message ? (
              <span className={run.failed ? 'text-bad' : undefined}>{run.message}</span>
            ) : (
              waitingLine(snapshot)
            )}
          </span>
          {phaseNote && (
            <span
              className={phaseNote.failed ? 'run-note text-bad' : 'run-note'}
              role="status"
              data-testid="start-phase-note"
            >
              {phaseNote.text}
            </span>
          )}
          {snapshot.stage === 'promoted' && snapshot.next_phase && (
            <StartPhaseButton
              conn={conn}
              next={snapshot.next_phase}
              disabled={!connected || running || run.busy}
              onResult={setPhaseNote}
            />
          )}
          <button
            type="button"
            className="primary"
            data-testid="run"
            onClick={onRun}
            disabled={!connected || running || run.busy}
            title={
              connected
                ? 'Move the project on until it needs you (same as `governor run`)'
                : 'Not connected to the engine'
            }
          >
            {running ? 'Running…' : 'Run'}
          </button>
        </div>
      </div>

      <Pipeline stage={snapshot.stage} running={running} />
      <TeamStrip conn={conn} />

      <div className="cards">
        <ReviewsCard reviews={reviews.items} loaded={reviews.loaded} error={reviews.error} now={now} />
        <ConcernsCard
          concerns={concerns.items}
          loaded={concerns.loaded}
          error={concerns.error}
          lastCriticalAt={snapshot.last_critical_at}
          now={now}
        />
        <section className="card" aria-labelledby="tasks-title" data-testid="tasks-card">
          <h2 id="tasks-title">Tasks</h2>
          {total === 0 ? (
            <div className="empty">
              <p>
                No tasks yet: the PM writes them when it plans the phase. Run <code>governor run</code> or press{' '}
                <strong>Run</strong> to move the project on.
              </p>
            </div>
          ) : (
            <>
              <p className="figure">
                {done}
                <span className="figure-of"> / {total} done</span>
              </p>
              <progress max={total} value={done} aria-label="Tasks done" />
            </>
          )}
        </section>
        <KpiCard trends={trends} />
        <SpendCard usage={usage} />
        <ActivityCard running={running} now={now} />
      </div>
    </section>
  );
}

function waitingLine(s: StatusSnapshot): string {
  if (s.stage === 'released') return `Released: every phase of the roadmap is promoted (see FINAL_REPORT.md).`;
  if (s.stage === 'promoted' && s.loop.waiting_on.length > 0)
    return `Phase ${s.phase} promoted. ${s.loop.waiting_on.join('; ')}`;
  if (s.stage === 'promoted') return 'Phase promoted.';
  if (s.loop.waiting_on.length > 0) return `Waiting on: ${s.loop.waiting_on.join('; ')}`;
  return 'Ready: press Run to move the project on.';
}
