import { useEffect, useRef } from 'react';
import type { InlineComment } from '../../../shared/index.ts';
import { type Monaco, monacoTheme } from './monaco.ts';

type Editor = ReturnType<Monaco['editor']['create']>;
type Decorations = ReturnType<Editor['createDecorationsCollection']>;

interface Props {
  monaco: Monaco;
  value: string;
  comments: readonly InlineComment[];
  /** A click on the glyph margin or a line number: comment on that line. */
  onLineClick(line: number): void;
  onCursorLine(line: number): void;
}

/** The subject document, read-only, with a glyph on every line that carries an inline comment. */
export function MarkdownEditor({ monaco, value, comments, onLineClick, onCursorLine }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<Editor | null>(null);
  const decorations = useRef<Decorations | null>(null);
  const handlers = useRef({ onLineClick, onCursorLine });
  handlers.current = { onLineClick, onCursorLine };

  useEffect(() => {
    if (!host.current) return;
    const ed = monaco.editor.create(host.current, {
      value: '',
      language: 'markdown',
      readOnly: true,
      domReadOnly: true,
      glyphMargin: true,
      wordWrap: 'on',
      minimap: { enabled: false },
      automaticLayout: true,
      scrollBeyondLastLine: false,
      theme: monacoTheme(),
      fontSize: 13,
    });
    editor.current = ed;
    decorations.current = ed.createDecorationsCollection([]);
    const T = monaco.editor.MouseTargetType;
    const offs = [
      ed.onMouseDown((e) => {
        const line = e.target.position?.lineNumber;
        if (line && (e.target.type === T.GUTTER_GLYPH_MARGIN || e.target.type === T.GUTTER_LINE_NUMBERS))
          handlers.current.onLineClick(line);
      }),
      ed.onDidChangeCursorPosition((e) => handlers.current.onCursorLine(e.position.lineNumber)),
    ];
    return () => {
      for (const o of offs) o.dispose();
      ed.dispose();
      editor.current = null;
    };
  }, [monaco]);

  useEffect(() => {
    const ed = editor.current;
    if (ed && ed.getValue() !== value) ed.setValue(value);
  }, [value]);

  // setValue drops the decorations, so a new `value` redraws them.
  // biome-ignore lint/correctness/useExhaustiveDependencies: explained above
  useEffect(() => {
    const byLine = new Map<number, string[]>();
    for (const c of comments) byLine.set(c.line, [...(byLine.get(c.line) ?? []), c.text]);
    decorations.current?.set(
      [...byLine].map(([line, texts]) => ({
        range: new monaco.Range(line, 1, line, 1),
        options: {
          isWholeLine: true,
          className: 'rv-commented-line',
          glyphMarginClassName: 'rv-glyph',
          glyphMarginHoverMessage: { value: texts.map((t) => `💬 ${t}`).join('\n\n') },
        },
      })),
    );
  }, [comments, monaco, value]);

  return <div ref={host} className="rv-monaco" data-testid="review-editor" />;
}
