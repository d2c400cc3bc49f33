import { useState } from 'react';
import type { Transport } from '../../../shared/contract.ts';
import { errorText } from '../../lib/error-text.ts';

/**
 * The self-contained QA_REPORT.html, as the exporter renders it now, shown in a sandboxed frame (no
 * scripts, no same-origin access: it is a document, not part of the app) and offered as a download. A
 * frame rather than a new window, because the desktop shell refuses new windows by design.
 */
export function HtmlReport({ conn }: { conn: Transport }) {
  const [html, setHtml] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const show = () => {
    setError(null);
    conn.call('artifacts.rendered', { path: 'QA_REPORT.html' }).then(
      (r) => {
        if (r.content === null) setError('There is no HTML report yet: it is written by the first QA gate.');
        else {
          setHtml(r.content);
          setOpen(true);
        }
      },
      (err: unknown) => setError(`Could not load the HTML report: ${errorText(err)}`),
    );
  };
  const download = () => {
    if (html === null) return;
    const url = URL.createObjectURL(new Blob([html], { type: 'text/html' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = 'QA_REPORT.html';
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  return (
    <section className="qa-card" data-testid="qa-html-report">
      <div className="qa-report-bar">
        <button
          type="button"
          data-testid="qa-html-open"
          onClick={open ? () => setOpen(false) : show}
          aria-expanded={open}
        >
          {open ? 'Hide the HTML report' : 'Open the HTML report'}
        </button>
        {open ? (
          <button type="button" onClick={download}>
            Download QA_REPORT.html
          </button>
        ) : null}
        <span className="qa-muted">
          Also in the project folder: <code>QA_REPORT.md</code> and <code>QA_REPORT.html</code>.
        </span>
      </div>
      {error ? (
        <p className="qa-muted" role="status">
          {error}
        </p>
      ) : null}
      {open && html !== null ? (
        <iframe
          className="qa-report-frame"
          title="QA report (HTML)"
          sandbox=""
          srcDoc={html}
          data-testid="qa-html-frame"
        />
      ) : null}
    </section>
  );
}
