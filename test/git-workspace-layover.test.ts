/**
 * A coding agent's clone with other branches laid over it (the Tester's, which must hold the phase's
 * implementation): what it sees, and what Governor reads back as the agent's own changes. Real git.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  layOver,
  prepareGitWorkspace,
  workspaceBase,
  workspaceChanges,
} from '../electron/core/agents/workers/git-workspace.ts';
import { git, tempDir } from './support/tmp.ts';

function repo(): { dir: string; oid: (ref: string) => string } {
  const dir = tempDir('governor-layover-');
  const g = (...a: string[]) => git(dir, '-c', 'user.name=T', '-c', 'user.email=t@example.com', ...a);
  g('init', '-q', '-b', 'develop');
  writeFileSync(join(dir, 'shared.js'), 'export const x = 1;\n');
  g('add', '.');
  g('commit', '-qm', 'base');
  g('branch', 'phase1/tester');
  g('checkout', '-qb', 'phase1/implementer');
  writeFileSync(join(dir, 'src.js'), 'export const add = (a, b) => a + b;\n');
  g('add', '.');
  g('commit', '-qm', 'feat: add');
  g('checkout', '-qb', 'phase1/implementer-2', 'develop');
  writeFileSync(join(dir, 'shared.js'), 'export const x = 2;\n');
  g('commit', '-qam', 'feat: x is 2');
  g('checkout', '-qb', 'phase1/other', 'develop');
  writeFileSync(join(dir, 'shared.js'), 'export const x = 3;\n');
  g('commit', '-qam', 'feat: x is 3');
  g('checkout', '-q', 'develop');
  return { dir, oid: (ref) => git(dir, 'rev-parse', ref).trim() };
}

describe('layOver', () => {
  it('holds the laid branches, names the one that conflicts, and reads back only what the agent changed', async () => {
    const r = repo();
    const ws = join(tempDir('governor-layover-ws-'), 'phase1-tester');
    const tip = r.oid('phase1/tester');
    await prepareGitWorkspace({ projectDir: r.dir, dir: ws, branch: 'phase1/tester', tip, fresh: true });
    const names = ['develop', 'phase1/implementer', 'phase1/implementer-2', 'phase1/other'];
    const { skipped } = await layOver(
      ws,
      names.map((name) => ({ name, oid: r.oid(name) })),
    );
    expect(skipped).toEqual(['phase1/other']);
    // The clone's own identity (written by the clone itself) signs the merges; it has no remote to push to.
    expect(git(ws, 'config', '--local', 'user.email').trim()).toBe('workspace@governor.local');
    expect(git(ws, 'log', '-1', '--format=%an <%ae>').trim()).toBe('Governor workspace <workspace@governor.local>');
    expect(git(ws, 'remote').trim()).toBe('');
    expect(git(ws, 'status', '--porcelain')).toBe('');
    expect(git(ws, 'show', 'HEAD:src.js')).toContain('a + b');
    expect(git(ws, 'show', 'HEAD:shared.js')).toBe('export const x = 2;\n');
    writeFileSync(join(ws, 'add.test.js'), "import { add } from './src.js';\n");
    const base = await workspaceBase(ws, tip);
    expect(base).not.toBe(tip);
    expect([...(await workspaceChanges(ws, base)).keys()]).toEqual(['add.test.js']);
    // A resumed session keeps the base; a new task starts from the branch tip again.
    await prepareGitWorkspace({ projectDir: r.dir, dir: ws, branch: 'phase1/tester', tip, fresh: false });
    expect(await workspaceBase(ws, tip)).toBe(base);
    await prepareGitWorkspace({ projectDir: r.dir, dir: ws, branch: 'phase1/tester', tip, fresh: true });
    expect(await workspaceBase(ws, tip)).toBe(tip);
    expect([...(await workspaceChanges(ws, tip)).keys()]).toEqual([]);
    // Nothing was added to the project: the merges live in the clone only.
    expect(spawnSync('git', ['-C', r.dir, 'cat-file', '-e', base]).status).not.toBe(0);
    expect(spawnSync('git', ['-C', ws, 'cat-file', '-e', base]).status).toBe(0);
  });
});
