import type { Transport } from '../../../shared/contract.ts';
import type { AgentState } from '../../../shared/domain/agent.ts';
import { useAgents } from '../agents/useAgents.ts';

const LABEL: Record<AgentState['status'], string> = {
  working: 'working',
  idle: 'idle',
  paused: 'paused',
  waiting_human: 'waiting on you',
};
/** Busy agents first: the strip answers "who is doing what right now". */
const ORDER: Record<AgentState['status'], number> = { working: 0, waiting_human: 1, paused: 2, idle: 3 };

/** The team under the pipeline: each agent's state and current task; the Agents view has the rest. */
export function TeamStrip({ conn }: { conn: Transport }) {
  const { items, loaded, error } = useAgents(conn);
  if (error) return <p className="text-bad team-strip">Could not load the agents: {error}</p>;
  if (!loaded) return <p className="muted team-strip">Loading the team…</p>;
  const agents = [...items].sort((a, b) => ORDER[a.status] - ORDER[b.status] || a.name.localeCompare(b.name));
  const active = agents.filter((a) => a.status === 'working').length;
  return (
    <section className="team-strip" data-testid="team-strip" aria-label="Agents">
      <span className="muted team-count">{active === 0 ? 'No agent is working' : `${active} working`}</span>
      <ul className="team">
        {agents.map((a) => {
          const state = a.pause_requested && a.status !== 'paused' ? 'pausing' : LABEL[a.status];
          return (
            <li
              key={a.name}
              className={`agent-chip agent-chip-${a.status}`}
              data-testid="team-agent"
              data-agent={a.name}
              data-status={a.status}
              title={`${a.name} (${a.runtime}): ${state}${a.current_task ? ` — ${a.current_task}` : ''}`}
            >
              <span className="agent-dot" aria-hidden="true" />
              <a href="#/agents" className="agent-chip-name">
                {a.name}
              </a>
              <span className="agent-chip-state">{state}</span>
              {a.current_task && a.status !== 'idle' && <span className="agent-chip-task">{a.current_task}</span>}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
