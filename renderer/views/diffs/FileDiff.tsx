import { useEffect, useRef, useState } from 'react';
import type { CallResponse } from '../../../shared/contract.ts';
import { type Monaco, monacoTheme } from '../reviews/monaco.ts';
import { ensureLanguage, languageFor } from './languages.ts';

export type DiffFileT = CallResponse<'git.diff'>['files'][number];
type Size = DiffFileT['newSize'];

const count = (n: number) => n.toLocaleString('en');

/** Lines in a (possibly cut) text, counted as an editor shows them. */
function lines(text: string): number {
  if (text === '') return 0;
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n += 1;
  return text.endsWith('\n') ? n : n + 1;
}

/** "the new version: its first 1,048,576 of 3,355,443 bytes (20,165 of 64,000 lines)", when that side was cut. */
function cutSide(label: string, size: Size, content: string | null, cap: number): string | null {
  if (!size || size.bytes <= cap) return null;
  const shown =
    content === null ? '' : ` (${count(lines(content))} of ${size.lines === null ? '?' : count(size.lines)} lines)`;
  return `the ${label} version is shown up to its first ${count(cap)} of ${count(size.bytes)} bytes${shown}`;
}

/**
 * One file, old → new, side by side and read-only. A file over the size limit shows its first part
 * (up to the limit, as the host sent it) with a notice saying where it was cut; a binary file shows a
 * notice only.
 */
export function FileDiff({ monaco, file, cap }: { monaco: Monaco; file: DiffFileT; cap: number }) {
  const host = useRef<HTMLElement>(null);
  const [language, setLanguage] = useState('plaintext');
  useEffect(() => {
    if (file.binary || !host.current) return;
    let live = true;
    const diff = monaco.editor.createDiffEditor(host.current, {
      readOnly: true,
      originalEditable: false,
      automaticLayout: true,
      renderSideBySide: true,
      minimap: { enabled: false },
      theme: monacoTheme(),
      fontSize: 13,
    });
    const original = monaco.editor.createModel(file.oldContent ?? '', 'plaintext');
    const modified = monaco.editor.createModel(file.newContent ?? '', 'plaintext');
    diff.setModel({ original, modified });
    // The text shows at once; colouring follows when the language's grammar has loaded.
    const lang = languageFor(file.path);
    ensureLanguage(monaco, lang).then(
      () => {
        if (!live) return;
        monaco.editor.setModelLanguage(original, lang);
        monaco.editor.setModelLanguage(modified, lang);
        setLanguage(lang);
      },
      () => undefined, // no colouring is no reason to hide the diff
    );
    return () => {
      live = false;
      diff.dispose();
      original.dispose();
      modified.dispose();
    };
  }, [monaco, file]);

  if (file.binary)
    return (
      <p className="banner" role="status" data-testid="diff-notice">
        <strong>{file.path}</strong> is a binary file; its contents are not shown.
      </p>
    );
  const cut = file.truncated
    ? [cutSide('old', file.oldSize, file.oldContent, cap), cutSide('new', file.newSize, file.newContent, cap)].filter(
        (s): s is string => s !== null,
      )
    : [];
  return (
    <>
      {file.truncated && (
        <p className="banner banner-warn" role="status" data-testid="diff-notice">
          <strong>{file.path}</strong> is truncated:{' '}
          {cut.length > 0 ? cut.join('; ') : `a side is larger than ${count(cap)} bytes`}. The diff below covers only
          that part; use <code>git diff</code> to see it all.
        </p>
      )}
      <section
        ref={host}
        className="df-monaco"
        data-testid="diff-editor"
        data-language={language}
        aria-label={`Changes to ${file.path}`}
      />
    </>
  );
}
