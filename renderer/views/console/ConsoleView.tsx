import { useEffect, useMemo, useRef, useState } from 'react';
import { parseCommand } from '../../../shared/commands.ts';
import type { Transport } from '../../../shared/contract.ts';
import { useConcernsStore } from '../../stores/concerns.ts';
import { useReviewsStore } from '../../stores/reviews.ts';
import { useAgents } from '../agents/useAgents.ts';
import { applySuggestion, suggest } from './complete.ts';
import { clearConsole, runCommand, syncResponses, useConsoleStore } from './console-store.ts';
import './console.css';

interface Props {
  conn: Transport;
  connected: boolean;
}

/** The seed's command line: completion from the grammar and the live lists, answers threaded under each command. */
export function ConsoleView({ conn, connected }: Props) {
  const { entries, history } = useConsoleStore();
  const agents = useAgents(conn).items.map((a) => a.name);
  const reviews = useReviewsStore((s) => s.items);
  const concerns = useConcernsStore((s) => s.items);
  const [text, setText] = useState('');
  const [active, setActive] = useState(0);
  const [dismissed, setDismissed] = useState(false);
  const [historyAt, setHistoryAt] = useState<number | null>(null);
  const logRef = useRef<HTMLOListElement>(null);

  useEffect(
    () =>
      conn.on('ledger.appended', ({ events }) => {
        if (events.some((e) => e.type === 'response.sent')) void syncResponses(conn);
      }),
    [conn],
  );
  // `entries` is the trigger: each new entry scrolls the log down.
  // biome-ignore lint/correctness/useExhaustiveDependencies: explained above
  useEffect(() => {
    const el = logRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [entries]);

  const agentKey = agents.join(',');
  const suggestions = useMemo(
    () =>
      (dismissed
        ? []
        : suggest(text, {
            agents: agentKey ? agentKey.split(',') : [],
            reviews: reviews.map((r) => r.id),
            concerns: concerns.map((c) => c.id),
          })
      ).slice(0, 12),
    [text, dismissed, agentKey, reviews, concerns],
  );
  const parsed = text.trim().length > 1 ? parseCommand(text, agents) : null;

  const accept = (value: string) => {
    setText(applySuggestion(text, value));
    setActive(0);
  };
  const submit = () => {
    const t = text.trim();
    if (!t || !connected) return;
    runCommand(conn, t);
    setText('');
    setHistoryAt(null);
    setDismissed(false);
  };
  const onKeyDown = (e: React.KeyboardEvent<HTMLInputElement>) => {
    const open = suggestions.length > 0;
    if (e.key === 'Tab' && open) {
      e.preventDefault();
      accept(suggestions[Math.min(active, suggestions.length - 1)]?.value ?? '');
    } else if (e.key === 'ArrowDown' && open) {
      e.preventDefault();
      setActive((a) => (a + 1) % suggestions.length);
    } else if (e.key === 'ArrowUp' && open && text.includes(' ')) {
      e.preventDefault();
      setActive((a) => (a - 1 + suggestions.length) % suggestions.length);
    } else if (e.key === 'ArrowUp' && history.length > 0) {
      e.preventDefault();
      const at = historyAt === null ? history.length - 1 : Math.max(0, historyAt - 1);
      setHistoryAt(at);
      setText(history[at] ?? '');
      setDismissed(true);
    } else if (e.key === 'Escape') {
      setDismissed(true);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      submit();
    }
  };

  return (
    <section className="view console-view" aria-labelledby="console-title">
      <div className="view-head">
        <h2 id="console-title">Console</h2>
        <button type="button" className="link-button" onClick={clearConsole} disabled={entries.length === 0}>
          Clear
        </button>
      </div>
      <ol className="console-log" ref={logRef} aria-live="polite" data-testid="console-log">
        {entries.length === 0 && (
          <li className="empty">
            <p>
              Type a command such as /status or /help. Tab completes commands, agents, review and concern ids; ↑ recalls
              earlier commands.
            </p>
          </li>
        )}
        {entries.map((e) => (
          <li
            key={e.key}
            className="console-entry"
            data-testid="console-entry"
            data-command-id={e.commandId ?? undefined}
            data-ok={e.pending ? undefined : String(e.ok)}
          >
            <div className="console-cmd mono">
              <span aria-hidden="true">› </span>
              {e.text}
            </div>
            <pre className={`console-response${e.ok ? '' : ' text-bad'}`} data-testid="console-response">
              {e.pending ? 'running…' : e.response}
            </pre>
            {e.followUps.map((f) => (
              <div key={f.id} className="console-followup" data-testid="console-followup">
                <span className="muted">
                  {f.from} · <time dateTime={f.at}>{f.at}</time>
                </span>
                <pre className={f.ok ? undefined : 'text-bad'}>{f.text}</pre>
              </div>
            ))}
          </li>
        ))}
      </ol>
      <div className="console-input-wrap">
        {suggestions.length > 0 && (
          <div className="console-suggest" role="listbox" id="console-suggest" data-testid="console-suggestions">
            {suggestions.map((s, i) => (
              // The input keeps the focus (combobox pattern); tabIndex -1 lets a pointer focus an option anyway.
              <div
                key={s.value}
                role="option"
                tabIndex={-1}
                aria-selected={i === active}
                className={i === active ? 'active' : undefined}
                onMouseDown={(ev) => {
                  ev.preventDefault();
                  accept(s.value);
                }}
              >
                <span className="mono">{s.value}</span> <span className="muted">{s.hint}</span>
              </div>
            ))}
          </div>
        )}
        <input
          className="console-input mono"
          data-testid="console-input"
          aria-label="Command"
          aria-autocomplete="list"
          aria-controls="console-suggest"
          autoComplete="off"
          spellCheck={false}
          placeholder={connected ? '/status' : 'Not connected to the engine'}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setActive(0);
            setDismissed(false);
            setHistoryAt(null);
          }}
          onKeyDown={onKeyDown}
        />
        {parsed && !parsed.ok && (
          <p className="console-hint text-bad" data-testid="console-hint">
            {parsed.error}
          </p>
        )}
      </div>
    </section>
  );
}
