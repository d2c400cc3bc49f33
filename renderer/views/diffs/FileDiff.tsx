import { useEffect, useRef } from 'react';
import type { CallResponse } from '../../../shared/contract.ts';
import { type Monaco, monacoTheme } from '../reviews/monaco.ts';
import { languageFor } from '../settings/yaml.ts';

export type DiffFileT = CallResponse<'git.diff'>['files'][number];

/** One file, old → new, side by side and read-only; binary and truncated files get a notice instead. */
export function FileDiff({ monaco, file }: { monaco: Monaco; file: DiffFileT }) {
  const host = useRef<HTMLDivElement>(null);
  const shown = !file.binary && !file.truncated;
  useEffect(() => {
    if (!shown || !host.current) return;
    const diff = monaco.editor.createDiffEditor(host.current, {
      readOnly: true,
      originalEditable: false,
      automaticLayout: true,
      renderSideBySide: true,
      minimap: { enabled: false },
      theme: monacoTheme(),
      fontSize: 13,
    });
    const lang = languageFor(file.path);
    const original = monaco.editor.createModel(file.oldContent ?? '', lang);
    const modified = monaco.editor.createModel(file.newContent ?? '', lang);
    diff.setModel({ original, modified });
    return () => {
      diff.dispose();
      original.dispose();
      modified.dispose();
    };
  }, [monaco, file, shown]);

  if (file.binary)
    return (
      <p className="banner" role="status" data-testid="diff-notice">
        <strong>{file.path}</strong> is a binary file; its contents are not shown.
      </p>
    );
  if (file.truncated)
    return (
      <p className="banner" role="status" data-testid="diff-notice">
        <strong>{file.path}</strong> is too large to show here; use <code>git diff</code> to see it in full.
      </p>
    );
  return <div ref={host} className="df-monaco" data-testid="diff-editor" aria-label={`Changes to ${file.path}`} />;
}
