import { useState } from 'react';
import type { Transport } from '../../../shared/contract.ts';
import type { AgentState } from '../../../shared/domain/agent.ts';
import { formatAgo, useNow } from '../../clock.ts';
import { refreshAgents, useAgents } from './useAgents.ts';
import { AgentStream } from './AgentStream.tsx';
import './agents.css';
import { errorText } from '../../lib/error-text.ts';

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 4 });
const num = new Intl.NumberFormat('en-US');

const STATE_LABEL: Record<AgentState['status'], string> = {
  working: 'working',
  idle: 'idle',
  paused: 'paused',
  waiting_human: 'waiting',
};

interface Props {
  conn: Transport;
  connected: boolean;
}

/** Every agent: what it is doing, what it costs, and the pause/resume switch. */
export function AgentsView({ conn, connected }: Props) {
  const { items, loaded, error } = useAgents(conn);
  const now = useNow();
  const [busy, setBusy] = useState<string | null>(null);
  const [note, setNote] = useState<{ text: string; bad: boolean } | null>(null);

  const act = (verb: 'pause' | 'resume', agent: string) => {
    setBusy(agent);
    setNote(null);
    conn.call('commands.run', { text: `/${verb} ${agent}` }).then(
      (r) => {
        setNote({ text: r.response, bad: !r.ok });
        setBusy(null);
        void refreshAgents(conn);
      },
      (err: unknown) => {
        setNote({ text: `${verb} failed: ${errorText(err)}`, bad: true });
        setBusy(null);
      },
    );
  };

  const total = items.reduce((s, a) => s + a.cost_usd, 0);
  return (
    <section className="view agents-view" aria-labelledby="agents-title">
      <div className="view-head">
        <h2 id="agents-title">Agents</h2>
        <span className="muted">Total spend {usd.format(total)}</span>
      </div>
      {note && (
        <p className={note.bad ? 'text-bad' : 'muted'} role="status" data-testid="agents-note">
          {note.text}
        </p>
      )}
      {error && <p className="text-bad">Could not load agents: {error}</p>}
      {loaded && items.length === 0 ? (
        <div className="empty">
          <p>No agents are configured. They are defined in agents.yaml.</p>
        </div>
      ) : (
        <table className="grid-table">
          <thead>
            <tr>
              <th>Agent</th>
              <th>State</th>
              <th>Current task</th>
              <th>Runtime</th>
              <th className="num">Tokens in</th>
              <th className="num">Tokens out</th>
              <th className="num">Cost</th>
              <th>Updated</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {items.map((a) => {
              const paused = a.status === 'paused' || a.pause_requested;
              return (
                <tr key={a.name} data-testid="agent-row" data-agent={a.name} data-state={a.status}>
                  <td>
                    <strong>{a.name}</strong>
                    {a.name !== a.role && <span className="muted"> · {a.role}</span>}
                  </td>
                  <td>
                    <span className={`state-chip state-${a.status}`}>{STATE_LABEL[a.status]}</span>
                    {a.pause_requested && a.status !== 'paused' && (
                      <span className="muted"> · pausing after this step</span>
                    )}
                  </td>
                  <td className="task">{a.current_task ?? <span className="muted">—</span>}</td>
                  <td className="mono">{a.runtime}</td>
                  <td className="num">{num.format(a.tokens_in)}</td>
                  <td className="num">{num.format(a.tokens_out)}</td>
                  <td className="num">{usd.format(a.cost_usd)}</td>
                  <td>
                    <time dateTime={a.updated_at} title={a.updated_at}>
                      {formatAgo(a.updated_at, now)}
                    </time>
                  </td>
                  <td>
                    {paused ? (
                      <button
                        type="button"
                        data-testid="agent-resume"
                        disabled={!connected || busy === a.name}
                        onClick={() => act('resume', a.name)}
                      >
                        Resume
                      </button>
                    ) : (
                      <button
                        type="button"
                        data-testid="agent-pause"
                        disabled={!connected || busy === a.name}
                        onClick={() => act('pause', a.name)}
                      >
                        Pause
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <AgentStream conn={conn} />
    </section>
  );
}
