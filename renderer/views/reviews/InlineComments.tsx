import { useEffect, useRef, useState } from 'react';
import type { InlineComment } from '../../../shared/index.ts';

interface Props {
  path: string;
  comments: readonly InlineComment[];
  /** The line a new comment is being written for, or null. */
  draftLine: number | null;
  readOnly: boolean;
  onAdd(c: InlineComment): void;
  onCancel(): void;
  onRemove(index: number): void;
}

/** The comments anchored to lines, and the small input that adds one; they are sent with the decision. */
export function InlineComments({ path, comments, draftLine, readOnly, onAdd, onCancel, onRemove }: Props) {
  const [text, setText] = useState('');
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    setText('');
    if (draftLine !== null) input.current?.focus();
  }, [draftLine]);
  const add = () => {
    if (draftLine !== null && text.trim()) onAdd({ path, line: draftLine, text: text.trim() });
  };
  return (
    <section className="rv-inline" data-testid="inline-comments" aria-labelledby="rv-inline-title">
      <h3 id="rv-inline-title">
        Inline comments <span className="count">{comments.length}</span>
      </h3>
      {draftLine !== null && !readOnly && (
        <form
          className="rv-inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            add();
          }}
        >
          <label htmlFor="rv-inline-input">Line {draftLine}</label>
          <input
            id="rv-inline-input"
            ref={input}
            value={text}
            maxLength={10_000}
            placeholder="What about this line?"
            onChange={(e) => setText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') onCancel();
            }}
            data-testid="inline-comment-input"
          />
          <button type="submit" disabled={!text.trim()} data-testid="inline-comment-add">
            Add
          </button>
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </form>
      )}
      {comments.length === 0 ? (
        <p className="muted">
          {readOnly ? 'No inline comments were made.' : 'None yet. They are sent with your decision.'}
        </p>
      ) : (
        <ul className="rv-inline-list">
          {[...comments.entries()]
            .sort(([, a], [, b]) => a.line - b.line)
            .map(([i, c]) => (
              <li key={i}>
                <span className="rv-line-no">L{c.line}</span> {c.text}
                {!readOnly && (
                  <button
                    type="button"
                    className="link-button"
                    onClick={() => onRemove(i)}
                    aria-label={`Remove comment on line ${c.line}`}
                  >
                    remove
                  </button>
                )}
              </li>
            ))}
        </ul>
      )}
    </section>
  );
}
