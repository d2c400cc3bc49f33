import { execFileSync } from 'node:child_process';
import fs, { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hashObject, writeBlob } from '../electron/core/git/loose.ts';
import { repoFs } from '../electron/core/git/repo-fs.ts';
import { openWorkspace } from '../electron/core/workflow/workspace.ts';

/**
 * What an agent's step costs in file-system calls, counted: the workspace tools' writes (the agent's file edits)
 * and the loose objects its commit writes. Counted on Node's own fs functions; git's CLI judges the objects.
 */
const calls = new Map<string, number>();
const patched: Array<() => void> = [];

/** Counts calls of the named functions of `target` (Node's fs or fs.promises) for the modules that import them. */
function count(target: Record<string, unknown>, names: string[], prefix: string): void {
  for (const name of names) {
    const orig = target[name] as (...args: unknown[]) => unknown;
    target[name] = (...args: unknown[]) => {
      calls.set(`${prefix}${name}`, (calls.get(`${prefix}${name}`) ?? 0) + 1);
      return orig(...args);
    };
    patched.push(() => {
      target[name] = orig;
    });
  }
}

const POOL = ['mkdir', 'lstat', 'realpath', 'open', 'readFile', 'writeFile', 'rm', 'stat'];

beforeAll(() => {
  count(fs as never, ['mkdirSync', 'existsSync', 'writeFileSync', 'renameSync', 'lstatSync', 'openSync'], '');
  count(fs.promises as never, POOL, 'async ');
  syncBuiltinESMExports();
});
afterAll(() => {
  for (const undo of patched) undo();
  syncBuiltinESMExports();
});
afterEach(() => calls.clear());

const tmp = () => mkdtempSync(join(tmpdir(), 'gov-build-io-'));
const n = (name: string) => calls.get(name) ?? 0;

/** Calls that went through the thread pool: each a round trip, more than the call itself for a small file. */
const pooled = () => POOL.reduce((sum, name) => sum + n(`async ${name}`), 0);

describe('workspace tools: one stat per path component, no mkdir into an existing folder, no thread pool', () => {
  let root: string;
  beforeAll(() => {
    root = tmp();
    mkdirSync(join(root, 'src', 'lib'), { recursive: true });
    writeFileSync(join(root, 'src', 'lib', 'old.ts'), 'export {};\n');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('an edit and a new file in existing folders: lstat per component, no mkdir, no realpath', async () => {
    calls.clear();
    const ws = openWorkspace(root);
    await ws.write('src/lib/old.ts', 'export const a = 1;\n');
    await ws.write('src/lib/new.ts', 'export const b = 2;\n');
    // src, src/lib, src/lib/old.ts; then src, src/lib, and the missing src/lib/new.ts.
    expect(n('lstatSync')).toBe(6);
    expect(n('mkdirSync')).toBe(0);
    expect(n('openSync')).toBe(2);
    expect(pooled()).toBe(0);
    expect(await ws.read('src/lib/new.ts')).toBe('export const b = 2;\n');
    expect(pooled()).toBe(0);
    expect([...ws.changes().keys()]).toEqual(['src/lib/new.ts', 'src/lib/old.ts']);
  });

  it('synchronous, yet a FIFO a test run left is neither read nor written, and holds nothing up', async () => {
    execFileSync('mkfifo', [join(root, 'src', 'pipe')]);
    const ws = openWorkspace(root);
    expect(await ws.read('src/pipe')).toBeNull();
    await expect(ws.write('src/pipe', 'x')).rejects.toThrow(/not a regular file/);
    expect([...ws.changes().keys()]).toEqual([]);
  });

  it('a new folder is made once, where the walk found it missing', async () => {
    const ws = openWorkspace(root);
    await ws.write('docs/deep/NOTES.md', '# notes\n');
    expect(n('mkdirSync')).toBe(1);
    expect(pooled()).toBe(0);
    expect(readdirSync(join(root, 'docs', 'deep'))).toEqual(['NOTES.md']);
  });
});

describe('loose objects: no mkdir for a fan-out folder that is there', () => {
  let dir: string;
  beforeAll(() => {
    dir = tmp();
    execFileSync('git', ['init', '-q', dir]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes each new object with one existence check, one temp write and one rename', async () => {
    const ctx = { dir, gitdir: join(dir, '.git'), fs: repoFs, cache: {} };
    const bodies = Array.from({ length: 40 }, (_, i) => Buffer.from(`blob ${i} ${'x'.repeat(i)}\n`));
    // Every fan-out folder there already, as in any repository with some history.
    for (const b of bodies)
      mkdirSync(join(dir, '.git', 'objects', hashObject('blob', b).oid.slice(0, 2)), { recursive: true });
    calls.clear();
    const oids = [];
    for (const b of bodies) oids.push(await writeBlob(ctx, b));
    expect(n('mkdirSync')).toBe(0);
    expect(n('existsSync')).toBe(40);
    expect(n('writeFileSync')).toBe(40);
    expect(n('renameSync')).toBe(40);
    // A fan-out folder gone (`git prune` removes empty ones) is made again by the write that misses it.
    const again = Buffer.from('a blob whose folder is gone\n');
    const folder = join(dir, '.git', 'objects', hashObject('blob', again).oid.slice(0, 2));
    rmSync(folder, { recursive: true, force: true });
    calls.clear();
    const oid = await writeBlob(ctx, again);
    expect(n('mkdirSync')).toBe(1);
    for (const [i, o] of [...oids, oid].entries())
      expect(execFileSync('git', ['-C', dir, 'cat-file', '-p', o], { encoding: 'utf8' })).toBe(
        (bodies[i] ?? again).toString(),
      );
    execFileSync('git', ['-C', dir, 'fsck', '--strict'], { encoding: 'utf8' });
  });
});
