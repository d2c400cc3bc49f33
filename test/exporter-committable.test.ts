import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type OpenedProject, openProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import { fillHistory } from '../bench/history.ts';
import { tempDir } from './support/tmp.ts';

/**
 * `committable()` hands a commit of the records (and the QA gate's manifest) every export's bytes. The
 * exporter wrote them itself, so it reads back only a file it does not know or that a stat finds changed;
 * what it hands over is always what the file holds.
 */
describe('committable exports', () => {
  const opened: OpenedProject[] = [];
  afterEach(() => {
    for (const p of opened.splice(0)) p.close();
  });

  /** Every file committable gave as bytes, compared with the file on disk. */
  function expectAsOnDisk(dir: string, files: Map<string, unknown>): number {
    let n = 0;
    for (const [rel, content] of files) {
      if (!Buffer.isBuffer(content)) continue;
      expect(content.equals(readFileSync(join(dir, rel))), rel).toBe(true);
      n += 1;
    }
    return n;
  }

  it('reads no file a sync wrote since, and reads again a file edited behind its back', async () => {
    const dir = join(tempDir(), 'backtester');
    await initProject(dir, { sample: true });
    const p = await openProject(dir);
    opened.push(p);
    fillHistory(p.ledger, 300);
    await p.exporter.sync();
    // Files as a project opened later finds them (modified a while ago): the first call reads each once.
    const past = new Date(Date.now() - 60_000);
    for (const rel of p.exporter.paths()) {
      try {
        utimesSync(join(dir, rel), past, past);
      } catch {
        // No file for an export with nothing in it yet.
      }
    }
    const first = await p.exporter.committable();
    const bytes = expectAsOnDisk(dir, first);
    expect(bytes).toBeGreaterThan(10);
    expect(p.exporter.committableReads()).toBe(bytes);

    // New events: the sync inside committable re-renders documents and appends audit lines, and knows them.
    fillHistory(p.ledger, 300, { from: 300 });
    const written = await p.exporter.sync();
    expect(written).toEqual(
      expect.arrayContaining([
        'docs/PROJECT_OVERVIEW.md',
        'status.json',
        'audit/commands.jsonl',
        'audit/concerns.jsonl',
      ]),
    );
    const second = await p.exporter.committable();
    expectAsOnDisk(dir, second);
    expect(p.exporter.committableReads()).toBe(bytes);
    // Nothing synced in between: nothing is read either.
    expectAsOnDisk(dir, await p.exporter.committable());
    expect(p.exporter.committableReads()).toBe(bytes);

    // An audit file and a document edited behind its back (the document to the same size): read, as they are.
    const overview = 'docs/PROJECT_OVERVIEW.md';
    const held = readFileSync(join(dir, overview), 'utf8');
    writeFileSync(join(dir, overview), `X${held.slice(1)}`);
    writeFileSync(join(dir, 'audit/commands.jsonl'), '{"edited":true}\n', { flag: 'a' });
    const third = await p.exporter.committable();
    expectAsOnDisk(dir, third);
    expect(third.get(overview)?.toString().startsWith('X')).toBe(true);
    expect(p.exporter.committableReads()).toBe(bytes + 2);
  });
});
