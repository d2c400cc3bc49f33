import { type FormEvent, useEffect, useRef, useState } from 'react';
import type { CallResponse, Transport } from '../../../shared/contract.ts';
import { RevisionText } from '../../../shared/domain/git-log.ts';
import { EMPTY, isListed, RefSelect, type Refs } from './RefSelect.tsx';
import { errorText } from '../../lib/error-text.ts';

type Commit = CallResponse<'git.log'>['commits'][number];

const PAGE = 30;
/** The contract's own ceiling for one git.log call. */
const MAX = 500;

const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** The branch whose history is listed first: the side's own value when it has one, else develop, main or any. */
function startRef(refs: Refs, current: string): string {
  if (current !== EMPTY) return current;
  const names = refs.branches.map((b) => b.name);
  return names.find((n) => n === 'develop') ?? names.find((n) => n === 'main') ?? names[0] ?? 'HEAD';
}

/**
 * Pick any commit for one side of the comparison: type what git would accept (a short or full sha,
 * `rev^`, `main~2`, a branch or tag; the host resolves it and says plainly when it names nothing), or
 * choose from the recent history of a branch.
 */
export function CommitPicker({
  conn,
  side,
  refs,
  current,
  currentOid,
  onPick,
  onClose,
}: {
  conn: Transport;
  side: string;
  refs: Refs;
  current: string;
  currentOid: string | null;
  onPick(rev: string): void;
  onClose(): void;
}) {
  const [text, setText] = useState('');
  const [reason, setReason] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [historyOf, setHistoryOf] = useState(() => startRef(refs, current));
  const [limit, setLimit] = useState(PAGE);
  const [log, setLog] = useState<{ commits: Commit[]; error: string | null; loading: boolean }>({
    commits: [],
    error: null,
    loading: true,
  });
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => input.current?.focus(), []);

  useEffect(() => {
    let live = true;
    setLog((l) => ({ ...l, loading: true }));
    conn.call('git.log', { ref: historyOf, limit }).then(
      (r) => live && setLog({ commits: r.commits, error: null, loading: false }),
      (err: unknown) => live && setLog({ commits: [], error: errorText(err), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [conn, historyOf, limit]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const rev = RevisionText.safeParse(text);
    if (!rev.success) {
      setReason(rev.error.issues[0]?.message ?? 'not a revision');
      return;
    }
    setBusy(true);
    setReason(null);
    conn.call('git.resolve', { rev: rev.data }).then(
      (r) => {
        setBusy(false);
        // A branch or tag stays a name (the comparison follows it); anything else becomes the commit it names now.
        if (r.ok) onPick(isListed(refs, rev.data) ? rev.data : r.commit.oid);
        else setReason(r.reason);
      },
      (err: unknown) => {
        setBusy(false);
        setReason(errorText(err));
      },
    );
  };

  return (
    <div
      className="df-picker"
      role="dialog"
      aria-label={`Pick a commit for ${side}`}
      data-testid="commit-picker"
      onKeyDown={(e) => e.key === 'Escape' && onClose()}
    >
      <form className="df-picker-form" onSubmit={submit}>
        <label>
          {side}: commit, branch or tag{' '}
          <input
            ref={input}
            data-testid="commit-input"
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              setReason(null);
            }}
            placeholder="a1b2c3d, main~2, v0.1.0^"
            spellCheck={false}
            autoComplete="off"
            aria-invalid={reason !== null}
            aria-describedby={reason ? 'commit-error' : undefined}
          />
        </label>
        <button type="submit" data-testid="commit-use" disabled={busy || text.trim() === ''}>
          {busy ? 'Looking…' : 'Use'}
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </form>
      {reason && (
        <p className="text-bad" role="alert" id="commit-error" data-testid="commit-error">
          {reason}
        </p>
      )}
      <div className="df-picker-history">
        <RefSelect
          id="commit-history-of"
          label="Recent commits of"
          value={historyOf}
          refs={refs}
          allowEmpty={false}
          onChange={(v) => {
            setHistoryOf(v);
            setLimit(PAGE);
          }}
        />
        {log.error ? (
          <p className="text-bad" role="alert">
            Could not list the history: {log.error}
          </p>
        ) : (
          <ul className="df-commits" aria-label={`Recent commits of ${historyOf}`} aria-busy={log.loading}>
            {log.commits.map((c) => (
              <li key={c.oid}>
                <button
                  type="button"
                  data-testid="commit-item"
                  data-oid={c.oid}
                  aria-current={c.oid === currentOid ? 'true' : undefined}
                  onClick={() => onPick(c.oid)}
                  title={c.oid}
                >
                  <code>{c.oid.slice(0, 7)}</code> <span className="df-commit-subject">{c.subject}</span>
                  <span className="muted df-commit-meta">
                    {c.author} · {when(c.date)}
                  </span>
                </button>
              </li>
            ))}
            {!log.loading && log.commits.length === 0 && <li className="muted">No commits.</li>}
          </ul>
        )}
        {log.commits.length === limit && limit < MAX && (
          <button type="button" data-testid="commit-more" onClick={() => setLimit((n) => Math.min(MAX, n + PAGE * 2))}>
            Show older commits
          </button>
        )}
      </div>
    </div>
  );
}
