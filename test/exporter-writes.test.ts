import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type OpenedProject, openProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import { git, tempDir } from './support/tmp.ts';

/**
 * The file operations of a sync, in the order the process made them: each temp file created (an open that
 * makes a `.tmp` file) and each rename, from its start to when it settled.
 */
const ops = vi.hoisted(() => [] as Array<{ op: 'create' | 'rename' | 'renamed'; path: string }>);

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const openSync = ((...args: Parameters<typeof fs.openSync>) => {
    const path = String(args[0]);
    if (path.endsWith('.tmp')) ops.push({ op: 'create', path });
    return fs.openSync(...args);
  }) as typeof fs.openSync;
  return { ...fs, default: { ...fs, openSync }, openSync };
});

vi.mock('node:fs/promises', async (importOriginal) => {
  const fsp = await importOriginal<typeof import('node:fs/promises')>();
  const rename = (async (from: string, to: string) => {
    ops.push({ op: 'rename', path: String(to) });
    try {
      return await fsp.rename(from, to);
    } finally {
      ops.push({ op: 'renamed', path: String(to) });
    }
  }) as typeof fsp.rename;
  return { ...fsp, default: { ...fsp, rename }, rename };
});

describe("a sync's document writes", () => {
  const opened: OpenedProject[] = [];
  afterEach(() => {
    for (const p of opened.splice(0)) p.close();
  });

  it('create no temp file in a folder while a rename into it is under way, and match a full render', async () => {
    const dir = join(tempDir(), 'backtester');
    await initProject(dir, { sample: true });
    const p = await openProject(dir);
    opened.push(p);
    await p.exporter.sync();
    // A new stage shows in the overview and the detail (both in docs/) and in status.json.
    p.ledger.append([{ type: 'stage.entered', actor: 'System', payload: { phase: 1, stage: 'design', reason: 't' } }]);
    ops.length = 0;
    const written = await p.exporter.sync();
    expect(written).toEqual(
      expect.arrayContaining(['docs/PROJECT_OVERVIEW.md', 'docs/PROJECT_DETAIL.md', 'status.json']),
    );

    // A rename that replaces a file holds its folder's lock while ext4 flushes the new file: a temp file
    // created there meanwhile waits for it on the main thread.
    const inFlight = new Map<string, number>();
    const blocked: string[] = [];
    for (const { op, path } of ops) {
      const folder = dirname(path);
      if (op === 'create' && (inFlight.get(folder) ?? 0) > 0) blocked.push(path);
      if (op === 'rename') inFlight.set(folder, (inFlight.get(folder) ?? 0) + 1);
      if (op === 'renamed') inFlight.set(folder, (inFlight.get(folder) ?? 0) - 1);
    }
    expect(blocked).toEqual([]);
    // Every write started was settled before the sync returned.
    expect([...inFlight.values()].every((n) => n === 0)).toBe(true);
    expect(ops.filter((o) => o.op === 'rename').length).toBe(written.filter((f) => !f.startsWith('audit/')).length);
    expect(await p.exporter.verify()).toEqual([]);
  });

  it('keep each file they replace under a second name until the next sync, out of git', async () => {
    const dir = join(tempDir(), 'backtester');
    await initProject(dir, { sample: true });
    const p = await openProject(dir);
    opened.push(p);
    await p.exporter.sync();
    const docs = ['docs/PROJECT_OVERVIEW.md', 'docs/PROJECT_DETAIL.md', 'status.json'];
    const kept = join(dir, '.governor', 'replaced');
    const keptInodes = () => new Set(readdirSync(kept).map((n) => statSync(join(kept, n)).ino));
    const stage = (stage: 'design' | 'build') =>
      p.ledger.append([{ type: 'stage.entered', actor: 'System', payload: { phase: 1, stage, reason: 't' } }]);

    const before = docs.map((rel) => statSync(join(dir, rel)).ino);
    const count = p.exporter.keptFiles();
    stage('design');
    const written = await p.exporter.sync();
    expect(written).toEqual(expect.arrayContaining(docs));
    // The files the renames replaced are not freed by them: each still has its second name.
    const first = keptInodes();
    for (const ino of before) expect(first.has(ino)).toBe(true);
    expect(p.exporter.keptFiles() - count).toBe(written.filter((f) => !f.startsWith('audit/')).length);
    // The documents are the new files.
    for (const [i, rel] of docs.entries()) expect(statSync(join(dir, rel)).ino).not.toBe(before[i]);

    // A sync that writes nothing leaves them: freed right after the renames, they cost as much as before.
    await p.exporter.sync();
    for (const ino of before) expect(keptInodes().has(ino)).toBe(true);

    // The next sync that writes frees them, and keeps what it replaces in turn.
    const middle = docs.map((rel) => statSync(join(dir, rel)).ino);
    stage('build');
    await p.exporter.sync();
    const second = keptInodes();
    for (const ino of before) expect(second.has(ino)).toBe(false);
    for (const ino of middle) expect(second.has(ino)).toBe(true);

    expect(await p.exporter.verify()).toEqual([]);
    // `.governor/` is out of history: the second names are no change git sees.
    expect(git(dir, 'status', '--porcelain', '--', '.governor')).toBe('');
    // A closing process frees what it kept.
    p.exporter.flush();
    expect(readdirSync(kept)).toEqual([]);
  });
});
