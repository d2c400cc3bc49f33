import { describe, expect, it, vi } from 'vitest';
import { PRODUCERS } from '../electron/core/artifacts/render/index.ts';
import { renderQaReport } from '../electron/core/artifacts/render/qa-report.ts';
import { renderQaReportHtml } from '../electron/core/artifacts/render/qa-report-html.ts';
import { buildSnapshot } from './support/snapshot-fixture.ts';

/** How many times the QA report's model was built. */
const built = vi.hoisted(() => ({ n: 0 }));

vi.mock('../electron/core/artifacts/render/qa-report-model.ts', async (importOriginal) => {
  const mod = await importOriginal<typeof import('../electron/core/artifacts/render/qa-report-model.ts')>();
  return {
    ...mod,
    qaReportModel: (...args: Parameters<typeof mod.qaReportModel>) => {
      built.n += 1;
      return mod.qaReportModel(...args);
    },
  };
});

describe("the QA report's producer", () => {
  it('builds one model for the markdown and the page, and renders them as each renderer alone does', () => {
    const s = buildSnapshot();
    const producer = PRODUCERS.find((p) => p.name === 'qa-report');
    built.n = 0;
    const files = producer?.render(s) ?? [];
    expect(built.n).toBe(1);
    expect(files).toEqual([
      ['QA_REPORT.md', renderQaReport(s)],
      ['QA_REPORT.html', renderQaReportHtml(s)],
    ]);
    // No gate yet: neither file.
    expect(producer?.render({ ...s, gates: [] })).toEqual([]);
  });
});
