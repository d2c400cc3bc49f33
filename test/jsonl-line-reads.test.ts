import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { countLines, lastFullLine, lastFullLineOf, newlines } from '../electron/core/artifacts/jsonl-files.ts';
import { tempDir } from './support/tmp.ts';

/**
 * A new process checks each audit stream from its first and last lines and its line count, read in chunks
 * or from the end of the file (stream-layout.ts): they must say what splitting the whole text says.
 */
describe('line reads without the whole file', () => {
  const cases: Record<string, string> = {
    empty: '',
    'one line': '{"a":1}\n',
    'no final newline': '{"a":1}\n{"b":2}',
    'a first line longer than a chunk': `${'x'.repeat(200_000)}\n{"b":2}\n`,
    'a last line longer than the first read': `{"a":1}\n${'y'.repeat(70_000)}\n`,
    'many lines across chunks': Array.from(
      { length: 5_000 },
      (_, i) => `{"n":${i},"pad":"${'z'.repeat(i % 97)}"}\n`,
    ).join(''),
    'multibyte text at chunk edges': Array.from({ length: 3_000 }, (_, i) => `{"t":"📊 ${'é'.repeat(i % 50)}"}\n`).join(
      '',
    ),
  };

  it.each(Object.entries(cases))('%s', async (_, text) => {
    const file = join(tempDir(), 'stream.jsonl');
    writeFileSync(file, text);
    const split = text.split('\n');
    const counted = countLines(file);
    expect(counted?.lines).toBe(split.length - 1);
    expect(counted?.first).toBe(text.includes('\n') ? text.slice(0, text.indexOf('\n')) : text);
    expect(newlines(Buffer.from(text))).toBe(split.length - 1);
    const last = split.length >= 2 ? (split.at(-2) ?? '') : '';
    expect(lastFullLine(Buffer.from(text))).toBe(last);
    expect(lastFullLineOf(file)).toBe(text.includes('\n') ? last : null);
  });

  it('says nothing of a file that is not there', async () => {
    expect(countLines(join(tempDir(), 'missing.jsonl'))).toBeNull();
    expect(lastFullLineOf(join(tempDir(), 'missing.jsonl'))).toBeNull();
  });
});
