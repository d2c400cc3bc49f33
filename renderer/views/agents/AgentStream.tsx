import { useCallback, useEffect, useState } from 'react';
import type { Transport } from '../../../shared/contract.ts';
import type { CallResponse } from '../../../shared/contract.ts';

type Item = CallResponse<'agents.activity'>[number];

const MARK: Record<Item['kind'], string> = {
  session: '◆',
  message: '💬',
  tool_use: '→',
  tool_result: '←',
  permission: '🛡',
  test_run: '🧪',
  result: '■',
  error: '⚠',
};

/**
 * What the coding agents are doing: their messages, tool uses (with how the permission gate decided each),
 * test runs and results, newest last, following the ledger as it grows.
 */
export function AgentStream({ conn }: { conn: Transport }) {
  const [items, setItems] = useState<Item[]>([]);
  const refresh = useCallback(() => {
    conn.call('agents.activity', { limit: 60 }).then(setItems, () => undefined);
  }, [conn]);
  useEffect(() => {
    refresh();
    return conn.on('ledger.appended', ({ events }) => {
      if (events.some((e) => e.type === 'worker.activity')) refresh();
    });
  }, [conn, refresh]);
  if (items.length === 0) return null;
  return (
    <section className="agent-stream" aria-label="Coding agents' activity" data-testid="agent-stream">
      <h3>Coding agents' activity</h3>
      <ol>
        {items.map((a) => (
          <li key={a.seq} className={`stream-${a.kind}${a.gate ? ` gate-${a.gate.behavior}` : ''}`}>
            <span className="muted">{a.ts.slice(11, 19)}</span> <strong>{a.agent}</strong> {MARK[a.kind]}{' '}
            <span className="stream-text">{a.text.split('\n')[0]}</span>
            {a.gate && (
              <span className="muted">
                {' '}
                ({a.gate.behavior}
                {a.gate.rule ? `: ${a.gate.rule}` : ''})
              </span>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}
