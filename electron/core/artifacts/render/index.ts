/**
 * Pure renderers from a `ProjectSnapshot` to the files of a supervised project.
 * No I/O, no clock, no randomness: the same snapshot renders byte-identical files, which is what
 * lets the exporter skip unchanged files and lets a replayed ledger reproduce the repo exactly.
 */
import type { ProjectSnapshot } from '../snapshot.ts';
import { renderAuthoredDocuments } from './authored.ts';
import { renderChangelog } from './changelog.ts';
import { DETAIL_SECTIONS } from './detail.ts';
import { type Section, finish } from './markdown.ts';
import { renderFinalReport } from './final-report.ts';
import { OVERVIEW_SECTIONS } from './overview.ts';
import { qaReportMarkdown } from './qa-report.ts';
import { qaReportHtml } from './qa-report-html.ts';
import { qaReportModel } from './qa-report-model.ts';
import { renderStatusJson } from './status.ts';
import { renderTestResultsDetail } from './test-results-detail.ts';
import { renderTestResults } from './test-results.ts';
import { renderVariations } from './variations.ts';

/**
 * The exported documents, each made by one producer. The exporter re-runs a producer only when what it
 * read from the snapshot changed (it watches which fields each one touches), so the order here is the only
 * thing that ties them together: the order of `renderAll`.
 */
export interface Producer {
  name: string;
  render(s: ProjectSnapshot): Array<[string, string]>;
  /** A one-file document made of sections (`render` is `finish` of them), re-rendered section by section. */
  sections?: { path: string; of: readonly Section[] };
}

/** A producer of one file made of sections. */
function sectioned(name: string, path: string, of: readonly Section[]): Producer {
  return { name, render: (s) => [[path, finish(of.flatMap((section) => section(s)))]], sections: { path, of } };
}

export const PRODUCERS: readonly Producer[] = [
  { name: 'authored', render: (s) => renderAuthoredDocuments(s) },
  { name: 'changelog', render: (s) => [['CHANGELOG.md', renderChangelog(s)]] },
  sectioned('overview', 'docs/PROJECT_OVERVIEW.md', OVERVIEW_SECTIONS),
  sectioned('detail', 'docs/PROJECT_DETAIL.md', DETAIL_SECTIONS),
  { name: 'variations', render: (s) => [['docs/PROJECT_VARIATIONS.md', renderVariations(s)]] },
  { name: 'test-results', render: (s) => [['tests/TEST_RESULTS.md', renderTestResults(s)]] },
  { name: 'test-results-detail', render: (s) => [['tests/TEST_RESULTS_DETAIL.md', renderTestResultsDetail(s)]] },
  {
    name: 'qa-report',
    render: (s) => {
      // One model, two files: the markdown and the same report as a self-contained page, both absent until a
      // gate has run. Building the model is a third of rendering both.
      const model = qaReportModel(s);
      return model
        ? [
            ['QA_REPORT.md', qaReportMarkdown(model)],
            ['QA_REPORT.html', qaReportHtml(model)],
          ]
        : [];
    },
  },
  {
    // Once the last phase of the roadmap reaches its promotion review.
    name: 'final-report',
    render: (s) => {
      const final = renderFinalReport(s);
      return final === null ? [] : [['FINAL_REPORT.md', final]];
    },
  },
  { name: 'status', render: (s) => [['status.json', renderStatusJson(s)]] },
];

/**
 * Every exported document, project-relative path → content, in a fixed order. `QA_REPORT.md` is absent
 * until a gate has run. The append-only `audit/*.jsonl` files (handoffs included) are not here: the
 * exporter appends `jsonlLine` records (or rebuilds them with `renderJsonl`).
 */
export function renderAll(s: ProjectSnapshot): Map<string, string> {
  return new Map(PRODUCERS.flatMap((p) => p.render(s)));
}

export { signOffLines } from './authored.ts';
export { renderChangelog } from './changelog.ts';
export { interactions, renderDetail } from './detail.ts';
export { HANDOFF_TYPES, handoffPath, handoffRecord } from './handoffs.ts';
export { JSONL_PATHS, type JsonlKind, jsonlLine, jsonlRecord, renderJsonl } from './jsonl.ts';
export { renderOverview } from './overview.ts';
export { renderQaReport } from './qa-report.ts';
export { formatStatusText, renderStatusJson } from './status.ts';
export { renderTestResultsDetail } from './test-results-detail.ts';
export { renderTestResults } from './test-results.ts';
export { renderVariations } from './variations.ts';
