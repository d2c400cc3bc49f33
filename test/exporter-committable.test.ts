import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type OpenedProject, openProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import { fillHistory } from '../bench/history.ts';
import type { SealedExport } from '../electron/core/artifacts/exporter.ts';
import { tempDir } from './support/tmp.ts';

const hashObjectOf = (file: string) => execFileSync('git', ['hash-object', file], { encoding: 'utf8' }).trim();

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

  /** Files modified a minute ago: a file read moments after it was written is read again (disk-memo.ts). */
  function ageFiles(dir: string, paths: readonly string[]): void {
    const past = new Date(Date.now() - 60_000);
    for (const rel of paths) {
      try {
        utimesSync(join(dir, rel), past, past);
      } catch {
        // No file for an export with nothing in it yet.
      }
    }
  }

  /**
   * Every file committable gave as bytes, or as a stream tail known by its blob, compared with the file on
   * disk (the blob as `git hash-object` names the file).
   */
  function expectAsOnDisk(dir: string, files: Map<string, Buffer | SealedExport>): number {
    let n = 0;
    for (const [rel, content] of files) {
      if (Buffer.isBuffer(content)) expect(content.equals(readFileSync(join(dir, rel))), rel).toBe(true);
      else if (content.live) expect(content.oid, rel).toBe(hashObjectOf(join(dir, rel)));
      else continue;
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
    ageFiles(dir, p.exporter.paths());
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

  it('names an unchanged stream tail by the blob recorded by an earlier process, and reads one that grew', async () => {
    const dir = join(tempDir(), 'backtester');
    await initProject(dir, { sample: true });
    const first = await openProject(dir);
    fillHistory(first.ledger, 1_500);
    await first.exporter.sync();
    ageFiles(dir, first.exporter.paths());
    await first.exporter.committable();
    first.close();

    // Rewritten in place to the same size and time, as git's own test for an unchanged file cannot see: the
    // next process names the blob recorded, so it did not read the file.
    const responses = join(dir, 'audit/responses.jsonl');
    const recordedOid = hashObjectOf(responses);
    const st = statSync(responses);
    const tampered = readFileSync(responses);
    // A letter in a middle line (the sync checks a tail's first and last lines, and would rebuild it).
    const at = tampered.indexOf('Phase', tampered.length >> 1);
    tampered[at] = 0x70;
    writeFileSync(responses, tampered);
    utimesSync(responses, st.atime, new Date(Math.round(st.mtimeMs)));

    const p = await openProject(dir);
    opened.push(p);
    const files = await p.exporter.committable();
    const tails = [...files].filter(([rel]) => /^audit\/([a-z_]+|handoffs\/phase-\d+)\.jsonl$/.test(rel));
    expect(tails.map(([rel]) => rel)).toEqual(
      expect.arrayContaining(['audit/commands.jsonl', 'audit/responses.jsonl']),
    );
    for (const [rel, content] of tails) {
      expect(Buffer.isBuffer(content), rel).toBe(false);
      const want = rel === 'audit/responses.jsonl' ? recordedOid : hashObjectOf(join(dir, rel));
      expect((content as SealedExport).oid, rel).toBe(want);
    }
    expect(hashObjectOf(responses)).not.toBe(recordedOid);
    // The checkout after a promotion takes the same record.
    expect(p.exporter.recordedBlobs().get('audit/responses.jsonl')?.oid).toBe(recordedOid);

    // A line appended by another process (same inode): its size changed, so the tail is read and hashed again.
    const reads = p.exporter.committableReads();
    writeFileSync(join(dir, 'audit/commands.jsonl'), '{"edited":true}\n', { flag: 'a' });
    const again = await p.exporter.committable();
    expect(expectAsOnDisk(dir, new Map([...again].filter(([rel]) => rel !== 'audit/responses.jsonl')))).toBeGreaterThan(
      0,
    );
    expect(p.exporter.committableReads()).toBe(reads + 1);
    expect(p.exporter.recordedBlobs().get('audit/commands.jsonl')?.oid).toBe(
      hashObjectOf(join(dir, 'audit/commands.jsonl')),
    );
  });
});
