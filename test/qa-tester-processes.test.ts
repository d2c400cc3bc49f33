import { createHook } from 'node:async_hooks';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { afterEach, describe, expect, test } from 'vitest';
import { loggedGit } from './support/logged-git.ts';
import { type OpenedProject, openProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import type { RunCommandOptions } from '../electron/core/qa/run-command.ts';
import { runCommand } from '../electron/core/qa/run-command.ts';
import { phaseBranch } from '../electron/core/workflow/git-steps.ts';
import { runPolicyTests } from '../electron/core/workflow/stages/qa-runs.ts';
import { prepareTesterWorkspace } from '../electron/core/workflow/stages/tester-workspace.ts';
import { qaCheckoutDir, workspaceDir } from '../electron/core/workflow/work-dirs.ts';
import { fsck, gitCli } from './support/git-cli.ts';
import { tempDir } from './support/tmp.ts';

/**
 * The QA gate's checkout and the Tester's workspace, reused run after run without a git process
 * (git/worktree-add.ts, git/strays.ts), judged by the git CLI: the checkout a test command starts in holds
 * exactly the candidate (status with ignored files, diff-files, HEAD), the Tester's workspace exactly develop
 * plus the phase's branches, and `git fsck` is clean. Governor's git processes are counted through a `git`
 * on PATH that logs each call before running the real one.
 */
const log = loggedGit();

const opened: OpenedProject[] = [];
afterEach(() => {
  while (opened.length > 0) opened.pop()?.close();
});

/** A sample project, opened with `runTests` as given (null: the real runner). */
async function sample(runTests?: (o: RunCommandOptions) => ReturnType<typeof runCommand>) {
  const dir = join(tempDir(), 'backtester');
  await initProject(dir, { sample: true });
  const p = await openProject(dir, runTests ? { runTests } : {});
  opened.push(p);
  return { dir, p };
}

let n = 0;
async function commit(
  p: OpenedProject,
  branch: string,
  changes: Array<{ path: string; content: string | null }>,
  actor = 'Implementer',
) {
  n += 1;
  return (
    await p.git.commitChanges({
      branch,
      actor,
      changes,
      subject: `feat: change ${n}`,
      auditId: `evt_${n}`,
      timestamp: 1_767_225_600 + n,
    })
  ).oid;
}

describe('QA checkout reused in process', () => {
  test('a gate run twice: one checkout, pristine at each start, no git process', async () => {
    // What the checkout held when each test command started, as git sees it.
    const seen: Array<{ head: string; status: string; diffFiles: string; files: string[] }> = [];
    const { dir, p: first } = await sample(async (o) => {
      const list = gitCli(o.cwd, 'ls-files', '--others', '--ignored', '--exclude-standard', '--directory');
      seen.push({
        head: gitCli(o.cwd, 'rev-parse', 'HEAD').trim(),
        status: gitCli(o.cwd, 'status', '--porcelain', '--untracked-files=all', '--ignored'),
        diffFiles: gitCli(o.cwd, 'diff-files', '--name-only'),
        files: list.split('\n').filter(Boolean),
      });
      return runCommand(o);
    });
    // The tests leave what real runs leave: reports and caches git ignores, a stray, an edited tracked file.
    const command =
      'mkdir -p reports node_modules/.cache scratch && echo c > node_modules/.cache/x && echo s > scratch/left.txt' +
      ' && echo "// touched" >> src/add.js' +
      ` && printf '<testsuites><testsuite name="s"><testcase name="t"/></testsuite></testsuites>' > reports/junit.xml`;
    const policyFile = join(dir, '.project_policies.yaml');
    const doc = parseDocument(readFileSync(policyFile, 'utf8'));
    doc.setIn(['tests'], [{ name: 'unit', command, timeout_s: 60, junit: 'reports/junit.xml' }]);
    writeFileSync(policyFile, doc.toString());
    first.close();
    opened.pop();
    const p = await openProject(dir, { runTests: first.runTests });
    opened.push(p);

    const c1 = await commit(p, 'experiments/qa', [
      { path: '.gitignore', content: 'node_modules/\nreports/\n' },
      { path: 'src/add.js', content: 'export const add = (a, b) => a + b;\n' },
    ]);
    const run1 = await log.during(() => runPolicyTests(p, 1, c1));
    const c2 = await commit(p, 'experiments/qa', [
      { path: 'src/add.js', content: 'export const add = (a, b) => b + a;\n' },
      { path: 'src/sub.js', content: 'export const sub = (a, b) => a - b;\n' },
    ]);
    const run2 = await log.during(() => runPolicyTests(p, 1, c2));
    // The same candidate again (a reproducibility run): the same checkout, pristine again.
    const run3 = await log.during(() => runPolicyTests(p, 1, c2, { retries: false, label: 'repro 2' }));

    expect([run1.calls, run2.calls, run3.calls]).toEqual([[], [], []]);
    for (const r of [run1, run2, run3]) expect(r.value[0]).toMatchObject({ exit_code: 0, totals: { passed: 1 } });
    // Each run started in the one checkout, at its candidate, with nothing else in it: the folders the
    // runner makes for the results (reports/) are made after the refresh, by prepareResultDirs.
    expect(seen.map((s) => s.head)).toEqual([c1, c2, c2]);
    for (const s of seen) {
      expect(s.diffFiles).toBe('');
      expect(s.status.split('\n').filter((l) => l && l !== '!! reports/')).toEqual([]);
    }
    const checkout = qaCheckoutDir(dir);
    expect(await readFile(join(checkout, 'src', 'sub.js'), 'utf8')).toBe('export const sub = (a, b) => a - b;\n');
    expect(gitCli(dir, 'worktree', 'list', '--porcelain')).toContain(`worktree ${await realpath(checkout)}\n`);
    expect(fsck(dir).code).toBe(0);
  });
});

describe('Tester workspace reused in process', () => {
  test('the files laid over last time go without git status or git clean', async () => {
    const { dir, p } = await sample();
    const agents = p.read.agents().map((a) => a.name);
    const implementer = agents.find((a) => a.startsWith('Implementer'));
    const tester = agents.find((a) => a.startsWith('Tester'));
    if (!implementer || !tester) throw new Error(`the sample has no Implementer and Tester: ${agents.join(', ')}`);
    const impl = phaseBranch(1, implementer);
    const test1 = phaseBranch(1, tester);
    const develop = gitCli(dir, 'rev-parse', 'develop').trim();
    const root = workspaceDir(dir, test1);

    await commit(
      p,
      impl,
      [
        { path: 'src/csv/read.js', content: 'read()\n' },
        { path: 'src/old.js', content: 'old()\n' },
      ],
      implementer,
    );
    const first = await log.during(() => prepareTesterWorkspace(p, 1, test1, root));
    expect(first.calls).toEqual([]);
    // The Tester writes a test; Governor commits it to its branch. The Implementer moves on: a file gone,
    // another added in a new folder.
    await mkdir(join(root, 'tests', 'e2e'), { recursive: true });
    await writeFile(join(root, 'tests', 'e2e', 'read.test.js'), 'test()\n');
    await commit(p, test1, [{ path: 'tests/e2e/read.test.js', content: 'test()\n' }], tester);
    await commit(
      p,
      impl,
      [
        { path: 'src/old.js', content: null },
        { path: 'lib/json/write.js', content: 'write()\n' },
      ],
      implementer,
    );
    // Each async fs call (fs/promises, a callback, a file handle) is an async resource: counted by type.
    let requests = 0;
    const hook = createHook({
      init(_id, type) {
        if (/^FSREQ|^FILEHANDLE/.test(type)) requests += 1;
      },
    }).enable();
    const second = await log.during(() => prepareTesterWorkspace(p, 1, test1, root)).finally(() => hook.disable());
    expect(second.calls).toEqual([]);
    // The lay-over's small files go by synchronous calls: no trip through the thread pool per file (94 before).
    expect(requests).toBeLessThanOrEqual(4);
    expect(second.value.branches.sort()).toEqual([impl, test1].sort());

    // develop, exactly, with the branches' files over it: nothing the first lay-over left (src/old.js).
    expect(gitCli(root, 'rev-parse', 'HEAD').trim()).toBe(develop);
    expect(gitCli(root, 'status', '--porcelain', '--untracked-files=all').split('\n').filter(Boolean).sort()).toEqual([
      '?? lib/json/write.js',
      '?? src/csv/read.js',
      '?? tests/e2e/read.test.js',
    ]);
    expect(gitCli(root, 'diff-files', '--name-only')).toBe('');
    expect(fsck(dir).code).toBe(0);
  });
});
