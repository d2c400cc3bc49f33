import { useEffect, useState } from 'react';
import type { Transport } from '../../../shared/contract.ts';
import type { Actor } from '../../../shared/domain/common.ts';

const OTHERS: readonly Actor[] = ['Human', 'System'];
const DEFAULT_AGENTS: readonly Actor[] = ['ProjectManager', 'Designer', 'Implementer', 'Tester'];

/** Who acted (an agent, the human or the system) and in which phase; empty means any. */
export function ActorPhaseFilter({
  conn,
  actor,
  phase,
  onActor,
  onPhase,
}: {
  conn: Transport;
  actor: Actor | null;
  phase: number | null;
  onActor: (a: Actor | null) => void;
  onPhase: (p: number | null) => void;
}) {
  const [agents, setAgents] = useState<readonly Actor[]>(DEFAULT_AGENTS);
  useEffect(() => {
    let live = true;
    // The project's own roster (Implementer-2…); the default four stand in until it arrives or if it fails.
    conn.call('agents.list', {}).then(
      (list) => live && list.length > 0 && setAgents(list.map((a) => a.name)),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [conn]);
  return (
    <>
      <label className="audit-filter">
        Agent{' '}
        <select
          data-testid="actor-filter"
          value={actor ?? ''}
          onChange={(e) => onActor(e.target.value === '' ? null : (e.target.value as Actor))}
        >
          <option value="">any</option>
          {[...agents, ...OTHERS].map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
      </label>
      <label className="audit-filter">
        Phase{' '}
        <input
          type="number"
          min={1}
          className="audit-phase"
          data-testid="phase-filter"
          placeholder="any"
          value={phase ?? ''}
          onChange={(e) => {
            const n = Number.parseInt(e.target.value, 10);
            onPhase(Number.isInteger(n) && n > 0 ? n : null);
          }}
        />
      </label>
    </>
  );
}
