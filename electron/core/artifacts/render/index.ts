/**
 * Pure renderers from a `ProjectSnapshot` to the files of a supervised project.
 * No I/O, no clock, no randomness: the same snapshot renders byte-identical files, which is what
 * lets the exporter skip unchanged files and lets a replayed ledger reproduce the repo exactly.
 */
import type { ProjectSnapshot } from '../snapshot.ts';
import { renderAuthoredDocuments } from './authored.ts';
import { renderChangelog } from './changelog.ts';
import { renderDetail } from './detail.ts';
import { renderFinalReport } from './final-report.ts';
import { renderHandoffs } from './handoffs.ts';
import { renderOverview } from './overview.ts';
import { renderQaReport } from './qa-report.ts';
import { renderQaReportHtml } from './qa-report-html.ts';
import { renderStatusJson } from './status.ts';
import { renderTestResultsDetail } from './test-results-detail.ts';
import { renderTestResults } from './test-results.ts';
import { renderVariations } from './variations.ts';

/**
 * Every exported file, project-relative path → content, in a fixed order.
 * `QA_REPORT.md` is absent until a gate has run. The append-only `audit/*.jsonl` files are not
 * here: the exporter appends `jsonlLine` records (or rebuilds them with `renderJsonl`).
 */
export function renderAll(s: ProjectSnapshot): Map<string, string> {
  const files = new Map<string, string>(renderAuthoredDocuments(s));
  files.set('CHANGELOG.md', renderChangelog(s));
  files.set('docs/PROJECT_OVERVIEW.md', renderOverview(s));
  files.set('docs/PROJECT_DETAIL.md', renderDetail(s));
  files.set('docs/PROJECT_VARIATIONS.md', renderVariations(s));
  files.set('tests/TEST_RESULTS.md', renderTestResults(s));
  files.set('tests/TEST_RESULTS_DETAIL.md', renderTestResultsDetail(s));
  const qa = renderQaReport(s);
  if (qa !== null) files.set('QA_REPORT.md', qa);
  const qaHtml = renderQaReportHtml(s); // the same report as a self-contained page, absent with the markdown
  if (qaHtml !== null) files.set('QA_REPORT.html', qaHtml);
  const final = renderFinalReport(s); // once the last phase of the roadmap reaches its promotion review
  if (final !== null) files.set('FINAL_REPORT.md', final);
  files.set('status.json', renderStatusJson(s));
  for (const [path, content] of renderHandoffs(s.handoffs)) files.set(path, content);
  return files;
}

export { signOffLines } from './authored.ts';
export { renderChangelog } from './changelog.ts';
export { interactions, renderDetail } from './detail.ts';
export { filenameStamp, handoffPaths } from './handoffs.ts';
export { JSONL_PATHS, jsonlLine, jsonlRecord, renderJsonl, type JsonlKind } from './jsonl.ts';
export { renderOverview } from './overview.ts';
export { renderQaReport } from './qa-report.ts';
export { formatStatusText, renderStatusJson } from './status.ts';
export { renderTestResultsDetail } from './test-results-detail.ts';
export { renderTestResults } from './test-results.ts';
export { renderVariations } from './variations.ts';
