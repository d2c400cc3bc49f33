/**
 * `QA_REPORT.md`: the latest QA gate with all of its evidence — decision and reasons, each policy
 * condition, tests, coverage, drift against the baseline, reproducibility, compliance, the manifest,
 * the trend across gates and, for a promotion candidate, the seed's `🚦 Phase N Promotion Candidate`
 * block. This report is what the human trusts instead of reading diffs, so every number is shown.
 *
 * The content comes from the document model (`qa-report-model.ts`); this file serialises it to markdown.
 */
import type { ProjectSnapshot } from '../snapshot.ts';
import { cell, code, fenced, finish, link, oneLine } from './markdown.ts';
import { type Block, type Inline, type QaReportModel, type Span, qaReportModel, spansOf } from './qa-report-model.ts';

/** Whitespace collapses (a newline would end the line or table row) but is not trimmed: spans abut. */
function mdSpan(span: Span): string {
  if (typeof span === 'string') return span.replace(/\s+/g, ' ');
  if ('code' in span) return code(span.code);
  if ('strong' in span) return `**${oneLine(span.strong)}**`;
  return link(span.link, '');
}

function mdInline(text: Inline): string {
  return spansOf(text).map(mdSpan).join('').trim();
}

/** Like `table` in markdown.ts, but cells are inline content rendered before the pipe escaping. */
function mdTable(headers: readonly string[], rows: ReadonlyArray<readonly Inline[]>): string[] {
  const line = (cells: readonly string[]): string => `| ${cells.map(cell).join(' | ')} |`;
  return [line(headers), `|${headers.map(() => '---').join('|')}|`, ...rows.map((r) => line(r.map(mdInline)))];
}

function mdBlock(block: Block): string[] {
  switch (block.kind) {
    case 'para':
      return [mdInline(block.text)];
    case 'note':
      return [`_${mdInline(block.text)}_`];
    case 'fields':
      // Two trailing spaces are markdown's line break, keeping the fields one compact block.
      return block.fields.map(
        ([label, value], i) => `**${label}:** ${mdInline(value)}${i < block.fields.length - 1 ? '  ' : ''}`,
      );
    case 'list':
      return block.items.map((item) => `- ${mdInline(item)}`);
    case 'table':
      return mdTable(block.headers, block.rows);
    case 'pre':
      return fenced(block.text);
    case 'raw':
      return [block.text];
    case 'details':
      // GitHub renders <details> in markdown; the blank lines let the table inside render too.
      return [
        '<details>',
        `<summary>${block.summary.replace(/[<>&]/g, '')}</summary>`,
        '',
        ...block.blocks.flatMap((b) => [...mdBlock(b), '']),
        '</details>',
      ];
    case 'chart':
      return [];
  }
}

function mdBlocks(blocks: readonly Block[]): string[] {
  return blocks.flatMap((b) => {
    const lines = mdBlock(b);
    return lines.length > 0 ? [...lines, ''] : [];
  });
}

export function renderQaReport(s: ProjectSnapshot): string | null {
  const model = qaReportModel(s);
  return model ? qaReportMarkdown(model) : null;
}

/** The markdown of a report's model (the exporter builds one model for both files). */
export function qaReportMarkdown(model: QaReportModel): string {
  const lines = [
    '<!-- Governor export — do not edit; the ledger is the source of truth -->',
    `# ${model.title}`,
    '',
    ...mdBlocks(model.head),
  ];
  for (const section of model.sections) lines.push(`## ${section.title}`, '', ...mdBlocks(section.blocks));
  return finish(lines);
}
