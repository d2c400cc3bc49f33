/**
 * `QA_REPORT.html`: the same report as `QA_REPORT.md` (both serialise `qaReportModel`), as one
 * self-contained page a human can open from the project folder or an archived artifact: inline CSS
 * that follows the reader's light/dark preference, an inline SVG trend chart, no scripts and no
 * external resources, so it renders the same offline and years later.
 *
 * The markup is also well-formed XML (every element closed, attributes quoted, no named entities
 * beyond the XML five), so an XML validator can check it and nothing in it depends on HTML's
 * error recovery. Every piece of text from the ledger goes through `escapeXml`.
 */
import type { ProjectSnapshot } from '../snapshot.ts';
import { type Block, type Inline, type QaReportModel, type Span, qaReportModel, spansOf } from './qa-report-model.ts';
import { escapeXml, trendChart } from './trend-chart.ts';

// No `<` or `&` in here: the style element must stay valid XML text.
const CSS = `
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --border: #d1d9e0; --stripe: #f6f8fa; --code-bg: #eff2f5; --ok: #1a7f37; --bad: #cf222e; --accent: #0969da; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --border: #3d444d; --stripe: #151b23; --code-bg: #262c36; --ok: #3fb950; --bad: #f85149; --accent: #4493f8; }
}
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
main { max-width: 980px; margin: 0 auto; padding: 24px 16px 48px; }
h1 { font-size: 1.6em; margin: 0 0 12px; }
h2 { font-size: 1.25em; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--border); }
.banner { border-left: 6px solid var(--muted); background: var(--stripe); border-radius: 6px; padding: 12px 16px; }
.banner.escalate { border-left-color: var(--bad); }
.banner.auto_merge, .banner.promotion_candidate { border-left-color: var(--ok); }
dl.fields { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
dl.fields div { display: contents; }
dt { font-weight: 600; color: var(--muted); }
dd { margin: 0; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.93em; }
th, td { border: 1px solid var(--border); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--stripe); }
tbody tr:nth-child(even) { background: var(--stripe); }
td.ok { color: var(--ok); }
td.bad { color: var(--bad); font-weight: 600; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.9em; }
code { background: var(--code-bg); border-radius: 4px; padding: 1px 4px; }
pre, .raw { background: var(--code-bg); border-radius: 6px; padding: 12px; overflow-x: auto; }
.raw { white-space: pre-wrap; }
.note { color: var(--muted); font-style: italic; }
a { color: var(--accent); }
figure.chart { margin: 8px 0 16px; }
figure.chart svg { max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 0.85em; }
summary { cursor: pointer; margin: 8px 0; }
`.trim();

function htmlSpan(span: Span): string {
  if (typeof span === 'string') return escapeXml(span);
  if ('code' in span)
    return span.title
      ? `<code title="${escapeXml(span.title)}">${escapeXml(span.code)}</code>`
      : `<code>${escapeXml(span.code)}</code>`;
  if ('strong' in span) return `<strong>${escapeXml(span.strong)}</strong>`;
  // Links point at sibling exports by project-relative path; the page sits at the project root.
  return `<a href="${escapeXml(span.link.replace(/ /g, '%20'))}">${escapeXml(span.link)}</a>`;
}

function htmlInline(text: Inline): string {
  return spansOf(text).map(htmlSpan).join('');
}

/** A verdict cell (✅ / ❌) is coloured so a failing row stands out without reading it. */
function cellClass(text: Inline): string {
  const first = spansOf(text)[0];
  if (typeof first !== 'string') return '';
  if (first.startsWith('❌')) return ' class="bad"';
  if (first.startsWith('✅')) return ' class="ok"';
  return '';
}

function htmlTable(headers: readonly string[], rows: ReadonlyArray<readonly Inline[]>): string[] {
  return [
    '<div class="table-wrap"><table>',
    `<thead><tr>${headers.map((h) => `<th scope="col">${escapeXml(h)}</th>`).join('')}</tr></thead>`,
    '<tbody>',
    ...rows.map((r) => `<tr>${r.map((c) => `<td${cellClass(c)}>${htmlInline(c)}</td>`).join('')}</tr>`),
    '</tbody>',
    '</table></div>',
  ];
}

function htmlBlock(block: Block): string[] {
  switch (block.kind) {
    case 'para':
      return [`<p>${htmlInline(block.text)}</p>`];
    case 'note':
      return [`<p class="note">${htmlInline(block.text)}</p>`];
    case 'fields':
      return [
        '<dl class="fields">',
        ...block.fields.map(([label, value]) => `<div><dt>${escapeXml(label)}</dt><dd>${htmlInline(value)}</dd></div>`),
        '</dl>',
      ];
    case 'list':
      return ['<ul>', ...block.items.map((item) => `<li>${htmlInline(item)}</li>`), '</ul>'];
    case 'table':
      return htmlTable(block.headers, block.rows);
    case 'pre':
      return [`<pre>${escapeXml(block.text)}</pre>`];
    case 'raw':
      return [`<div class="raw">${escapeXml(block.text)}</div>`];
    case 'details':
      return [
        '<details>',
        `<summary>${escapeXml(block.summary)}</summary>`,
        ...block.blocks.flatMap(htmlBlock),
        '</details>',
      ];
    case 'chart':
      return [
        '<figure class="chart">',
        trendChart(block.points),
        '<figcaption>Line coverage and pass rate at each QA gate, oldest on the left.</figcaption>',
        '</figure>',
      ];
  }
}

/** The page, or null until a gate has run (like the markdown report). */
export function renderQaReportHtml(s: ProjectSnapshot): string | null {
  const model = qaReportModel(s);
  return model ? qaReportHtml(model) : null;
}

/** The page of a report's model (the exporter builds one model for both files). */
export function qaReportHtml(model: QaReportModel): string {
  const lines = [
    '<!DOCTYPE html>',
    '<!-- Governor export — do not edit; the ledger is the source of truth -->',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8" />',
    '<meta name="viewport" content="width=device-width, initial-scale=1" />',
    '<meta name="color-scheme" content="light dark" />',
    `<title>${escapeXml(model.title)}</title>`,
    `<style>\n${CSS}\n</style>`,
    '</head>',
    '<body>',
    '<main>',
    `<header class="banner ${model.outcome}">`,
    `<h1>${escapeXml(model.title)}</h1>`,
    ...model.head.flatMap(htmlBlock),
    '</header>',
  ];
  for (const section of model.sections) {
    lines.push(
      `<section id="${section.id}" aria-labelledby="${section.id}-title">`,
      `<h2 id="${section.id}-title">${escapeXml(section.title)}</h2>`,
      ...section.blocks.flatMap(htmlBlock),
      '</section>',
    );
  }
  lines.push('</main>', '</body>', '</html>');
  return `${lines.join('\n')}\n`;
}
