import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Int, NonEmptyString, NonNegativeInt, PositiveInt } from '../shared/domain/common.ts';

const ROOT = join(import.meta.dirname, '..');
const SHARED = join(ROOT, 'shared');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/**
 * Every `governor` command builds the contract's schemas at start, and zod 4 builds each chained check as a full
 * clone (~0.1 ms apiece): the common integer and non-empty string schemas are built once in shared/domain/common.ts
 * and reused, not spelled out again field by field.
 */
describe('the contract reuses its common schemas', () => {
  it('spells no integer or non-empty string chain out again in shared/', () => {
    const spelled = /z\s*\.number\(\)\s*\.int\(\)|z\s*\.string\(\)\s*\.min\(1\)(?![\d,])/g;
    const found: string[] = [];
    for (const file of tsFiles(SHARED)) {
      if (file.endsWith(join('domain', 'common.ts'))) continue;
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(spelled)) {
        const line = text.slice(0, m.index).split('\n').length;
        found.push(`${relative(ROOT, file)}:${line} ${m[0]}`);
      }
    }
    expect(found).toEqual([]);
  });

  it('the shared schemas check what the chains checked', () => {
    expect(Int.safeParse(-3).success).toBe(true);
    expect(Int.safeParse(1.5).success).toBe(false);
    expect(PositiveInt.safeParse(0).success).toBe(false);
    expect(PositiveInt.safeParse(1).success).toBe(true);
    expect(NonNegativeInt.safeParse(0).success).toBe(true);
    expect(NonNegativeInt.safeParse(-1).success).toBe(false);
    expect(NonEmptyString.safeParse('').success).toBe(false);
    expect(NonEmptyString.safeParse('a').success).toBe(true);
  });
});
