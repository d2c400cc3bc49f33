import { useCallback, useEffect, useRef, useState } from 'react';
import type { ArtifactRevision } from '../../../shared/domain/artifact.ts';
import type { Decision, DecisionKind, InlineComment, Review } from '../../../shared/index.ts';
import { CallError, type Connection } from '../../transport/index.ts';
import { DecisionPanel } from './DecisionPanel.tsx';
import { KIND_LABEL, decisionLabel, formatStamp } from './format.ts';
import { History } from './History.tsx';
import { InlineComments } from './InlineComments.tsx';
import { MarkdownEditor } from './MarkdownEditor.tsx';
import { type Monaco, loadMonaco } from './monaco.ts';
import { RevisionDiff } from './RevisionDiff.tsx';
import { errorText } from '../../lib/error-text.ts';

interface Props {
  conn: Connection;
  review: Review;
  all: Review[];
  connected: boolean;
  /** Ask the view to refetch the list after a decision or a conflict. */
  onChanged(): void;
}

interface Doc {
  rendered: string | null;
  revisions: ArtifactRevision[];
  error: string | null;
}

/** One review: the document in Monaco, inline comments on lines, the decision, revisions and history. */
export function ReviewDetail({ conn, review: initial, all, connected, onChanged }: Props) {
  const [review, setReview] = useState(initial);
  const [doc, setDoc] = useState<Doc | null>(null);
  const [monaco, setMonaco] = useState<Monaco | null>(null);
  const [monacoError, setMonacoError] = useState<string | null>(null);
  const [inline, setInline] = useState<InlineComment[]>([]);
  const [cursorLine, setCursorLine] = useState(1);
  const [draftLine, setDraftLine] = useState<number | null>(null);
  const [showDiff, setShowDiff] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  /** Set when a decision made elsewhere (CLI, Discord, another window) landed while this review was open. */
  const [elsewhere, setElsewhere] = useState<Decision | null>(null);
  /** True while, or after, this editor sends its own decision: that one is not "elsewhere". */
  const decidingHere = useRef(false);
  const shown = useRef(review);
  shown.current = review;
  const path = review.subject.path;

  useEffect(() => {
    if (!shown.current.decision && initial.decision && !decidingHere.current) setElsewhere(initial.decision);
    setReview(initial);
  }, [initial]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `initial.id` is the trigger: another review starts clean.
  useEffect(() => {
    setInline([]);
    setDraftLine(null);
    setShowDiff(false);
    setError(null);
    setElsewhere(null);
    decidingHere.current = false;
  }, [initial.id]);

  useEffect(() => {
    let live = true;
    loadMonaco().then(
      (m) => live && setMonaco(m),
      (err: unknown) => live && setMonacoError(errorText(err)),
    );
    return () => {
      live = false;
    };
  }, []);

  // another review of the same path may be of a newer revision.
  // biome-ignore lint/correctness/useExhaustiveDependencies: explained above
  useEffect(() => {
    let live = true;
    setDoc(null);
    Promise.all([
      conn.call('artifacts.rendered', { path }),
      conn.call('artifacts.revisions', { path }).catch(() => [] as ArtifactRevision[]),
    ]).then(
      ([r, revisions]) =>
        live &&
        setDoc({ rendered: r.content, revisions: [...revisions].sort((a, b) => a.revision - b.revision), error: null }),
      (err: unknown) => live && setDoc({ rendered: null, revisions: [], error: errorText(err) }),
    );
    return () => {
      live = false;
    };
  }, [conn, path, review.id]);

  const decide = useCallback(
    (decision: DecisionKind, comment: string) => {
      setBusy(true);
      setError(null);
      decidingHere.current = true;
      conn.call('reviews.decide', { reviewId: review.id, decision, comment, inline }).then(
        (r) => {
          setBusy(false);
          setReview(r);
          setInline([]);
          onChanged();
        },
        (err: unknown) => {
          setBusy(false);
          decidingHere.current = false;
          // Stale view: someone decided first. Say so, and show what stands now.
          if (err instanceof CallError && err.code === 'conflict') {
            const refused = `Not recorded (${err.code}): ${err.message}`;
            conn.call('reviews.get', { id: review.id }).then(
              (r) => {
                setReview(r);
                if (r.decision) setElsewhere(r.decision);
                else setError(refused);
              },
              () => setError(refused),
            );
            onChanged();
          } else {
            setError(
              err instanceof CallError
                ? `Not recorded (${err.code}): ${err.message}`
                : `Not recorded: ${errorText(err)}`,
            );
          }
        },
      );
    },
    [conn, review.id, inline, onChanged],
  );

  const revs = doc?.revisions ?? [];
  const at = revs.findIndex((r) => r.revision === review.subject.revision);
  const after = at > 0 ? revs[at] : revs.length > 1 ? revs[revs.length - 1] : undefined;
  const before = after ? revs[revs.indexOf(after) - 1] : undefined;
  // The document as it was reviewed: the export while the review's revision is the newest, else that
  // revision's own text, so an older review's inline comments sit on the lines they were written against.
  const reviewed = revs.find((r) => r.revision === review.subject.revision);
  const newest = revs.at(-1);
  const superseded = reviewed && newest && newest.revision > reviewed.revision ? newest.revision : null;
  const content = doc
    ? superseded !== null
      ? (reviewed?.content ?? null)
      : (doc.rendered ?? reviewed?.content ?? null)
    : null;
  const blocked = review.decision
    ? `Decided: ${decisionLabel(review.decision.decision)} by ${review.decision.reviewed_by} at ` +
      `${formatStamp(review.decision.timestamp)} (via ${review.decision.source}).`
    : connected
      ? null
      : 'Disconnected: decisions wait until the link is back.';
  const shownInline = review.decision ? review.decision.inline.filter((c) => c.path === path) : inline;

  return (
    <article className="rv-detail" aria-labelledby="rv-title">
      <header className="rv-detail-head">
        <h2 id="rv-title">{review.title}</h2>
        <p className="muted">
          <code>{review.id}</code> · {KIND_LABEL[review.kind]} · phase {review.phase} · {review.impact} impact ·
          requested by {review.requested_by} at {formatStamp(review.requested_at)} · <code>{path}</code> r
          {review.subject.revision}
        </p>
        {review.summary && <p>{review.summary}</p>}
        {review.context.length > 0 && <p className="muted">Read alongside: {review.context.join(', ')}</p>}
        {review.decision?.comment && (
          <blockquote className="rv-decided-comment">
            {review.decision.reviewed_by}: {review.decision.comment}
          </blockquote>
        )}
      </header>

      {elsewhere && (
        <p className="banner banner-warn" role="alert" data-testid="decided-elsewhere">
          <strong>Decided elsewhere while you had this review open:</strong> {decisionLabel(elsewhere.decision)} by{' '}
          {elsewhere.reviewed_by} via {elsewhere.source} at {formatStamp(elsewhere.timestamp)}. The review below now
          shows that decision; nothing you drafted here was sent.
        </p>
      )}
      {doc?.error && (
        <p className="banner banner-bad" role="alert">
          Could not load {path}: {doc.error}
        </p>
      )}
      {monacoError && (
        <p className="banner banner-bad" role="alert">
          The editor failed to load: {monacoError}
        </p>
      )}
      {!doc || !monaco ? (
        <p className="muted">Loading the document…</p>
      ) : content === null ? (
        <p className="muted">{path} has not been rendered yet.</p>
      ) : (
        <>
          {superseded !== null && (
            <p className="banner" data-testid="superseded-note">
              This review was of r{review.subject.revision}; {path} is at r{superseded} now. Shown as it was reviewed.
            </p>
          )}
          <div className="rv-editor-bar">
            <span className="muted">Click the margin beside a line to comment on it, or</span>
            <button
              type="button"
              disabled={!!review.decision}
              onClick={() => setDraftLine(cursorLine)}
              data-testid="comment-on-line"
            >
              Comment on line {cursorLine}
            </button>
            {before && after && (
              <button
                type="button"
                aria-pressed={showDiff}
                onClick={() => setShowDiff((v) => !v)}
                data-testid="compare-revisions"
              >
                {showDiff ? 'Hide comparison' : `Compare r${before.revision} → r${after.revision}`}
              </button>
            )}
          </div>
          {showDiff && before && after ? (
            <RevisionDiff monaco={monaco} before={before} after={after} />
          ) : (
            <MarkdownEditor
              monaco={monaco}
              value={content}
              comments={shownInline}
              onLineClick={(l) => !review.decision && setDraftLine(l)}
              onCursorLine={setCursorLine}
            />
          )}
        </>
      )}

      <InlineComments
        path={path}
        comments={shownInline}
        draftLine={draftLine}
        readOnly={!!review.decision}
        onAdd={(c) => {
          setInline((xs) => [...xs, c]);
          setDraftLine(null);
        }}
        onCancel={() => setDraftLine(null)}
        onRemove={(i) => setInline((xs) => xs.filter((_, j) => j !== i))}
      />

      <DecisionPanel
        reviewId={review.id}
        inlineCount={inline.length}
        blocked={blocked}
        busy={busy}
        error={error}
        onDecide={decide}
      />

      <History review={review} all={all} />
    </article>
  );
}
