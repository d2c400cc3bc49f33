/**
 * What `QA_REPORT.md` and `QA_REPORT.html` say, as a small renderer-neutral document model: built once
 * here and serialised twice, to markdown in `qa-report.ts` and to HTML in `qa-report-html.ts`, so the two
 * files can never disagree. The sections themselves are built in `qa-report-sections.ts`.
 */
import type { GateRecord, ProjectSnapshot } from '../snapshot.ts';
import { latestGate, phaseTitle } from './facts.ts';
import { dateTimeOf, duration } from './markdown.ts';
import { OUTCOME_SHORT, gateSections } from './qa-report-sections.ts';
import type { TrendPoint } from './trend-chart.ts';

/** Inline content: plain text, or a span each renderer styles its own way. */
export type Span = string | { code: string; title?: string } | { strong: string } | { link: string };
export type Inline = Span | readonly Span[];

export type Block =
  | { kind: 'para'; text: Inline }
  | { kind: 'note'; text: Inline }
  | { kind: 'fields'; fields: ReadonlyArray<readonly [string, Inline]> }
  | { kind: 'list'; items: readonly Inline[] }
  | { kind: 'table'; headers: readonly string[]; rows: ReadonlyArray<readonly Inline[]> }
  | { kind: 'pre'; text: string }
  /** Free text written by the gate (its notes), kept as written. */
  | { kind: 'raw'; text: string }
  | { kind: 'details'; summary: string; blocks: readonly Block[] }
  /** Only the HTML page can draw; the markdown carries the same numbers in the trend table. */
  | { kind: 'chart'; points: readonly TrendPoint[] };

/** `Array.isArray` does not narrow a readonly array out of a union, hence the explicit guard. */
function isSpanList(text: Inline): text is readonly Span[] {
  return Array.isArray(text);
}

export function spansOf(text: Inline): readonly Span[] {
  return isSpanList(text) ? text : [text];
}

export interface Section {
  id: string;
  title: string;
  blocks: Block[];
}

export interface QaReportModel {
  title: string;
  outcome: GateRecord['outcome'];
  head: Block[];
  sections: Section[];
}

/** The report's content, renderer-neutral; null until a gate has run. */
export function qaReportModel(s: ProjectSnapshot): QaReportModel | null {
  const gate = latestGate(s);
  if (!gate) return null;
  const head: Block[] = [
    {
      kind: 'fields',
      fields: [
        ['Phase', phaseTitle(s, gate.phase)],
        ['Iteration', String(gate.iteration)],
        ['Candidate', gate.candidate ? { code: gate.candidate } : '(none)'],
        ['Date', dateTimeOf(gate.at)],
        ['Outcome', `${OUTCOME_SHORT[gate.outcome]} (gate ${gate.green ? '🟢 green' : '🔴 not green'})`],
        ['Gate run time', duration(gate.duration_ms)],
        ['Ledger event', { code: gate.event_id }],
      ],
    },
  ];
  return {
    title: `QA Report — ${phaseTitle(s, gate.phase)}, iteration ${gate.iteration}`,
    outcome: gate.outcome,
    head,
    sections: gateSections(s, gate),
  };
}
