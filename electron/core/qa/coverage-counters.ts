/**
 * What a coverage report comes to, in every format coverage.ts reads: covered and total lines (and
 * branches, when the tool measured them), with the percentage computed here from the counts.
 */
export interface CoverageCounter {
  covered: number;
  total: number;
  pct: number;
}

export type CoverageFormat = 'lcov' | 'cobertura' | 'istanbul-summary';

export interface CoverageSummary {
  lines: CoverageCounter;
  branches: CoverageCounter | null;
  /** Source files the report covers. */
  files: number;
  format: CoverageFormat;
}

export type CoverageResult = CoverageSummary | { problem: string };

/** `pct` from covered/total, rounded to 2 decimals; no lines at all is 100 % (nothing to cover). */
export function counter(covered: number, total: number): CoverageCounter {
  const pct = total === 0 ? 100 : Math.round((covered / total) * 10_000) / 100;
  return { covered, total, pct };
}

/** No branches at all is `null`: the tool did not measure them (coverage.py without `--branch`). */
export function branchCounter(covered: number, total: number): CoverageCounter | null {
  return total > 0 ? counter(covered, total) : null;
}
