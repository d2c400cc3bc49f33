/** The file operations of the audit JSONL streams (audit-streams.ts): reading a file's last line, appending. */
import { closeSync, constants, fstatSync, openSync, readSync, writeFileSync } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { stampOf, writeFileAtomicSync } from './atomic.ts';
import type { DiskMemo } from './disk-memo.ts';

/** The last complete line of a file (cutting off a torn one), or null when the file is missing or empty. */
export async function lastLine(path: string): Promise<string | null> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, 'r+');
  } catch {
    return null;
  }
  try {
    const size = (await fh.stat()).size;
    // Read the tail, widening it until the start of the last complete line is in view.
    for (let chunk = 64 * 1024; ; chunk *= 4) {
      const from = Math.max(0, size - chunk);
      const buf = Buffer.alloc(size - from);
      await fh.read(buf, 0, buf.length, from);
      const end = buf.lastIndexOf(0x0a);
      if (end < 0 && from > 0) continue;
      // A torn last line (the process died mid-append) is cut off here and appended again.
      if (end + 1 < buf.length) await fh.truncate(from + end + 1);
      if (end < 0) return null;
      const start = end > 0 ? buf.lastIndexOf(0x0a, end - 1) : -1;
      if (start < 0 && from > 0) continue;
      return buf.subarray(start + 1, end).toString('utf8');
    }
  } finally {
    await fh.close();
  }
}

/**
 * Append to a stream's file; a missing file is written whole (atomically), so nobody sees half of a first
 * line. Synchronous, as the loop awaits it anyway: a few lines cost less than the thread pool's round trips.
 * The file's stamp before and after the write tells `memo` what it holds now, without reading it back.
 */
export function appendLines(dir: string, rel: string, text: string, memo: DiskMemo): void {
  const abs = join(dir, rel);
  let fd: number;
  try {
    // No O_CREAT: a missing file is written whole below.
    fd = openSync(abs, constants.O_WRONLY | constants.O_APPEND);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    memo.know(rel, writeFileAtomicSync(abs, text), text);
    return;
  }
  try {
    const before = stampOf(fstatSync(fd, { bigint: true }));
    // No fsync, as for the other exports: a line lost to a power cut is appended again from the ledger.
    writeFileSync(fd, text);
    memo.appended(rel, before, stampOf(fstatSync(fd, { bigint: true })), text);
  } catch (err) {
    memo.forget(rel);
    throw err;
  } finally {
    closeSync(fd);
  }
}

export async function handoffFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(join(dir, 'audit', 'handoffs')))
      .filter((n) => /^phase-\d+\.jsonl$/.test(n))
      .map((n) => `audit/handoffs/${n}`);
  } catch {
    return [];
  }
}

/** How many lines `buf` ends (its newlines). */
export function newlines(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(0x0a); i !== -1; i = buf.indexOf(0x0a, i + 1)) n += 1;
  return n;
}

/** The last line `buf` ends with a newline, without it (what `split('\n').at(-2)` gives). */
export function lastFullLine(buf: Buffer): string {
  const end = buf.lastIndexOf(0x0a);
  if (end < 0) return '';
  return buf.subarray(buf.lastIndexOf(0x0a, end - 1) + 1, end).toString('utf8');
}

/**
 * The last line a file ends with a newline (`lastFullLine`), read from its end: a sealed segment's last
 * record without reading the 450 kB before it. Read-only (`lastLine` repairs a torn append instead), and
 * synchronous like `countLines`, its companion at a new process's start.
 */
export function lastFullLineOf(path: string): string | null {
  return readingSync(path, (fd) => {
    const size = fstatSync(fd).size;
    for (let chunk = 16 * 1024; ; chunk *= 4) {
      const from = Math.max(0, size - chunk);
      const buf = Buffer.alloc(size - from);
      readSync(fd, buf, 0, buf.length, from);
      const end = buf.lastIndexOf(0x0a);
      const start = end > 0 ? buf.lastIndexOf(0x0a, end - 1) : -1;
      // Not a whole line in view yet: read further back.
      if ((end < 0 || start < 0) && from > 0) continue;
      return end < 0 ? null : buf.subarray(start + 1, end).toString('utf8');
    }
  });
}

/**
 * A file's lines (its newlines) and its first line, read in 256 kB chunks into one buffer: no copy of the
 * whole file is made. Synchronous: a new process asks it once per stream, and each chunk's thread-pool round
 * trip cost more than the read. Null when it cannot be read.
 */
export function countLines(path: string): { lines: number; first: string } | null {
  return readingSync(path, (fd) => {
    const chunk = Buffer.allocUnsafe(256 * 1024);
    const head: Buffer[] = [];
    let lines = 0;
    for (;;) {
      const bytesRead = readSync(fd, chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      const data = chunk.subarray(0, bytesRead);
      // The first line, however many chunks it spans.
      if (lines === 0) {
        const end = data.indexOf(0x0a);
        head.push(Buffer.from(end < 0 ? data : data.subarray(0, end)));
      }
      lines += newlines(data);
    }
    return { lines, first: Buffer.concat(head).toString('utf8') };
  });
}

/** `read` on the file opened read-only, closed after; null when it cannot be opened or read. */
function readingSync<T>(path: string, read: (fd: number) => T | null): T | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    return read(fd);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}
