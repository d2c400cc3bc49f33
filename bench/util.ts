import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Figure {
  name: string;
  value: number;
  unit: string;
  budget?: string;
  ok?: boolean;
}

export const tempDir = () => mkdtempSync(join(tmpdir(), 'governor-bench-'));

export function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

export async function timeAsync(fn: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

export function printFigures(title: string, figures: Figure[]): void {
  console.log(`\n## ${title}`);
  for (const f of figures) {
    const v = f.value >= 1000 ? Math.round(f.value).toLocaleString('en') : f.value.toFixed(f.value < 10 ? 2 : 1);
    const verdict = f.ok === undefined ? '' : f.ok ? '  ✅' : '  ❌';
    console.log(`  ${f.name.padEnd(62)} ${`${v} ${f.unit}`.padStart(16)}${f.budget ? `   budget ${f.budget}` : ''}${verdict}`);
  }
}
