import { useEffect, useRef, useState } from 'react';
import { type DecisionKind, decisionNeedsComment } from '../../../shared/index.ts';
import { DECISIONS, decisionLabel } from './format.ts';

interface Props {
  reviewId: string;
  inlineCount: number;
  /** Why deciding is not possible now (decided already, link down), or null. */
  blocked: string | null;
  busy: boolean;
  error: string | null;
  onDecide(decision: DecisionKind, comment: string): void;
}

function isTyping(t: EventTarget | null): boolean {
  return t instanceof HTMLElement && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName));
}

/** The six decisions. Every one is confirmed first; `a`, `c` and `r` reach them from the keyboard. */
export function DecisionPanel({ reviewId, inlineCount, blocked, busy, error, onDecide }: Props) {
  const [comment, setComment] = useState('');
  const [confirming, setConfirming] = useState<DecisionKind | null>(null);
  const [hint, setHint] = useState<string | null>(null);
  const commentRef = useRef<HTMLTextAreaElement>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);

  // `reviewId` is the trigger: another review starts a clean panel.
  // biome-ignore lint/correctness/useExhaustiveDependencies: explained above
  useEffect(() => {
    setComment('');
    setConfirming(null);
    setHint(null);
  }, [reviewId]);

  const ask = (d: DecisionKind) => {
    if (blocked) return;
    if (decisionNeedsComment(d) && comment.trim() === '') {
      setConfirming(null);
      setHint(`“${decisionLabel(d)}” needs a comment: say what should change or what is unclear.`);
      commentRef.current?.focus();
      return;
    }
    setHint(null);
    setConfirming(d);
  };
  const askRef = useRef(ask);
  askRef.current = ask;

  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);
  // Decided elsewhere (or the link dropped) while a confirmation was open: there is nothing left to confirm.
  useEffect(() => {
    if (blocked) setConfirming(null);
  }, [blocked]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey || e.ctrlKey || e.metaKey || isTyping(e.target)) return;
      if (e.key === 'c') {
        e.preventDefault();
        commentRef.current?.focus();
      } else if (e.key === 'a') askRef.current('approve');
      else if (e.key === 'r') askRef.current('request_changes');
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <section className="rv-decide" aria-labelledby="rv-decide-title">
      <h3 id="rv-decide-title">Decision</h3>
      {blocked && <p className="muted">{blocked}</p>}
      <label className="rv-label" htmlFor="rv-comment">
        Comment{' '}
        <span className="muted">
          (required for conditions, clarification, changes and reject · press <kbd>c</kbd>)
        </span>
      </label>
      <textarea
        id="rv-comment"
        ref={commentRef}
        className="rv-comment"
        rows={3}
        value={comment}
        disabled={!!blocked || busy}
        onChange={(e) => setComment(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') e.currentTarget.blur();
        }}
        data-testid="comment-input"
      />
      {hint && (
        <p className="text-bad" role="alert">
          {hint}
        </p>
      )}
      <div className="rv-buttons">
        {DECISIONS.map((d) => (
          <button
            key={d.kind}
            type="button"
            className={d.kind === 'approve' ? 'primary' : d.kind === 'reject' ? 'rv-danger' : undefined}
            disabled={!!blocked || busy}
            aria-pressed={confirming === d.kind}
            onClick={() => ask(d.kind)}
            data-testid={d.testid}
          >
            {d.label}
            {d.key && <kbd>{d.key}</kbd>}
          </button>
        ))}
      </div>
      {confirming && (
        <div className="rv-confirm" role="alertdialog" aria-label="Confirm decision" data-testid="decide-confirm-box">
          <p>
            <strong>{decisionLabel(confirming)}</strong> review <code>{reviewId}</code>
            {inlineCount > 0 ? ` with ${inlineCount} inline comment${inlineCount === 1 ? '' : 's'}` : ''}? Decisions are
            final and recorded in the ledger.
          </p>
          <button
            ref={confirmRef}
            type="button"
            className="primary"
            disabled={busy}
            onClick={() => {
              setConfirming(null);
              onDecide(confirming, comment.trim());
            }}
            onKeyDown={(e) => {
              if (e.key === 'Escape') setConfirming(null);
            }}
            data-testid="decide-confirm"
          >
            Confirm
          </button>
          <button type="button" onClick={() => setConfirming(null)} data-testid="decide-cancel">
            Cancel
          </button>
        </div>
      )}
      {busy && <p className="muted">Recording the decision…</p>}
      {error && (
        <p className="banner banner-bad" role="alert" data-testid="decide-error">
          {error}
        </p>
      )}
    </section>
  );
}
