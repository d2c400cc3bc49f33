/**
 * The QA run registry writes its record twice per test command (the claim, then the group once it started),
 * not three times: after the command exits the record keeps naming its group until the run ends, instead of
 * being rewritten (a rename over the record, which flushes its data on ext4). A run killed in between is
 * still reaped whole: the next open ends whatever survived in the exited command's group.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { beginQaRun, qaRunsDir, reapQaRuns } from '../electron/core/qa/run-registry.ts';
import { runPolicyTests } from '../electron/core/workflow/stages/qa-runs.ts';
import { type SampleProject, sampleProject } from './support/project.ts';

/** Files written and renamed into place in a `qa-runs` folder, by the registry's synchronous writes. */
const calls = vi.hoisted(() => ({ writes: [] as string[], renames: [] as string[] }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const writeFileSync = ((...args: Parameters<typeof fs.writeFileSync>) => {
    if (String(args[0]).includes('/qa-runs/')) calls.writes.push(String(args[0]));
    return fs.writeFileSync(...args);
  }) as typeof fs.writeFileSync;
  const renameSync = ((...args: Parameters<typeof fs.renameSync>) => {
    if (String(args[1]).includes('/qa-runs/')) calls.renames.push(String(args[1]));
    return fs.renameSync(...args);
  }) as typeof fs.renameSync;
  const own = { writeFileSync, renameSync };
  return { ...fs, ...own, default: { ...fs, ...own } };
});

let sp: SampleProject;
beforeAll(async () => {
  sp = await sampleProject();
  const file = join(sp.dir, '.project_policies.yaml');
  const doc = parseDocument(readFileSync(file, 'utf8'));
  const junit = '<testsuites><testsuite name="s" tests="1"><testcase name="a"/></testsuite></testsuites>';
  doc.setIn(
    ['tests'],
    [
      { name: 'one', command: `mkdir -p r && printf '%s' '${junit}' > r/a.xml`, timeout_s: 60, junit: 'r/a.xml' },
      { name: 'two', command: `mkdir -p r && printf '%s' '${junit}' > r/b.xml`, timeout_s: 60, junit: 'r/b.xml' },
    ],
  );
  writeFileSync(file, doc.toString());
  await sp.reopen();
});
afterAll(() => sp?.close());

test('two test commands: the record is claimed once and written once per command, then removed', async () => {
  const develop = await sp.p.git.resolveRef('develop');
  calls.writes.length = 0;
  calls.renames.length = 0;
  const results = await runPolicyTests(sp.p, 1, develop ?? '');
  expect(results.map((r) => [r.name, r.exit_code, r.totals.passed])).toEqual([
    ['one', 0, 1],
    ['two', 0, 1],
  ]);
  // The claim (a temp file linked into place), then the group of each command as it starts; nothing on exit.
  expect(calls.writes.map((p) => p.replace(/^.*\/qa-runs\//, ''))).toEqual([
    `gate.json.${process.pid}.claim`,
    'gate.json.tmp',
    'gate.json.tmp',
  ]);
  expect(calls.renames.map((p) => p.replace(/^.*\/qa-runs\//, ''))).toEqual(['gate.json', 'gate.json']);
  expect(() => readFileSync(join(qaRunsDir(sp.dir), 'gate.json'))).toThrow(/ENOENT/);
});

/** Alive and not a zombie (a container's pid 1 may never reap the orphans we killed). */
function running(pid: number): boolean {
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

test('killed after a command exited: the next open ends what its group left running', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'governor-qa-reap-'));
  let survivor = 0;
  try {
    const run = beginQaRun(dir, (slot) => join(dir, 'cache', slot));
    // A command that leaves a background process in its group and exits, as a test runner's stray server does.
    const leader = spawn('/bin/sh', ['-c', 'sleep 60 >/dev/null 2>&1 & echo $!'], {
      detached: true,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    if (leader.pid === undefined) throw new Error('no shell');
    run.spawned(leader.pid);
    let out = '';
    leader.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    await new Promise((done) => leader.on('close', done));
    survivor = Number(out.trim());
    expect(running(survivor)).toBe(true);
    run.exited();
    // Governor dies here: no end(). The next open reaps the record.
    const done = reapQaRuns(dir);
    expect(done).toEqual([`ended the test processes (group ${leader.pid}) of a QA run whose Governor was killed`]);
    await vi.waitFor(() => expect(running(survivor)).toBe(false));
  } finally {
    if (survivor && running(survivor)) process.kill(survivor, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
