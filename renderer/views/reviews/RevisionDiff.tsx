import { useEffect, useRef } from 'react';
import type { ArtifactRevision } from '../../../shared/domain/artifact.ts';
import { type Monaco, monacoTheme } from './monaco.ts';

interface Props {
  monaco: Monaco;
  before: ArtifactRevision;
  after: ArtifactRevision;
}

/** rN-1 → rN side by side, with the author's own account of what changed above it. */
export function RevisionDiff({ monaco, before, after }: Props) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!host.current) return;
    const diff = monaco.editor.createDiffEditor(host.current, {
      readOnly: true,
      originalEditable: false,
      automaticLayout: true,
      renderSideBySide: true,
      wordWrap: 'on',
      // A reviewer wants what changed, at once: unchanged stretches fold away (each fold can be opened).
      hideUnchangedRegions: { enabled: true, contextLineCount: 3, minimumLineCount: 5, revealLineCount: 20 },
      minimap: { enabled: false },
      theme: monacoTheme(),
      fontSize: 13,
    });
    const original = monaco.editor.createModel(before.content, 'markdown');
    const modified = monaco.editor.createModel(after.content, 'markdown');
    diff.setModel({ original, modified });
    return () => {
      diff.dispose();
      original.dispose();
      modified.dispose();
    };
  }, [monaco, before, after]);
  return (
    <div className="rv-diff" data-testid="revision-diff">
      <h4>
        Changes r{before.revision} → r{after.revision} <span className="muted">by {after.owner}</span>
      </h4>
      <p className="rv-delta">{after.delta_summary ?? 'No delta summary was written for this revision.'}</p>
      <div ref={host} className="rv-monaco rv-monaco-diff" />
    </div>
  );
}
