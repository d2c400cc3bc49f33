import type { StatusSnapshot } from '../../shared/contract.ts';
import type { ConnectionState } from '../transport/index.ts';
import { stageLabel, waitsOnHuman } from '../views/dashboard/pipeline-model.ts';
import { ConnectionIndicator } from './ConnectionIndicator.tsx';

interface Props {
  snapshot: StatusSnapshot | null;
  connection: ConnectionState;
  kind: 'ws' | 'ipc';
  onRetry: () => void;
}

/** Project, phase and stage: the three things to know before anything else. */
export function Header({ snapshot, connection, kind, onRetry }: Props) {
  return (
    <header className="app-header">
      <div className="brand" aria-hidden="true">
        Governor
      </div>
      {snapshot ? (
        <div className="project">
          <h1 data-testid="project-name">{snapshot.name}</h1>
          <span className="phase">
            Phase {snapshot.phase}
            {snapshot.phase_name !== `Phase ${snapshot.phase}` ? ` · ${snapshot.phase_name}` : ''}
            {snapshot.iteration > 1 ? ` · iteration ${snapshot.iteration}` : ''}
          </span>
          <span
            className={`stage-badge${waitsOnHuman(snapshot.stage) ? ' stage-human' : ''}`}
            data-testid="stage"
            data-stage={snapshot.stage}
          >
            {stageLabel(snapshot.stage)}
            {waitsOnHuman(snapshot.stage) ? ' · waiting on you' : ''}
          </span>
        </div>
      ) : (
        <div className="project project-loading">Loading the project…</div>
      )}
      <ConnectionIndicator state={connection} kind={kind} onRetry={onRetry} />
    </header>
  );
}
