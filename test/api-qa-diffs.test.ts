import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, createLoopRunner, dispatch } from '../electron/core/api.ts';
import { CASE_DETAILS_CHARS, CASE_MESSAGE_CHARS } from '../electron/core/api-qa.ts';
import { DIFF_CONTENT_CAP } from '../electron/core/git/diff.ts';
import { BIG_CSV, type FailingGateProject, failingGateProject } from './support/failing-gate.ts';
import { git } from './support/tmp.ts';
import { qaCheckoutDir } from '../electron/core/workflow/work-dirs.ts';

/**
 * The contract calls behind the QA view's failure details and the diffs view's commit picker, on a real
 * sample project whose real test suite (node's runner, JUnit) failed a gate run by hand. Git answers are
 * judged by the git CLI; test cases by what the suite's own JUnit file on disk says.
 */
let f: FailingGateProject;
let api: ReturnType<typeof createApi>;
const cli = (...args: string[]) => git(f.dir, ...args).trim();

beforeAll(async () => {
  f = await failingGateProject();
  api = createApi(
    f.p,
    createLoopRunner(f.p, () => {}),
    { user: 'Human', source: 'ui' },
  );
}, 240_000);
afterAll(() => {
  f?.p.close();
  if (f) rmSync(f.root, { recursive: true, force: true });
});

describe('qa.cases', () => {
  it('lists the failing gate’s failures first with message and stack, then the flaky test, then the skipped one', async () => {
    const gates = await dispatch(api, 'qa.gates', {});
    const gate = gates.at(-1);
    expect(gate).toMatchObject({ green: false, candidate: f.commits[2], totals: { failed: 2, flaky: 1, skipped: 1 } });
    const r = await dispatch(api, 'qa.cases', { event_id: gate?.event_id ?? '' });
    expect(r.candidate).toBe(f.commits[2]);
    expect(r.runs).toEqual([
      expect.objectContaining({ name: 'unit', attempts: 2, exit_code: 1, totals: gate?.totals, problems: [] }),
    ]);
    expect(r.cases.map((c) => `${c.kind} ${c.name}`)).toEqual([
      'failed adds negatives',
      'failed explains itself at length',
      'flaky settles on retry',
      'skipped parses quoted CSV fields',
    ]);
    const [negatives, long, flaky, skipped] = r.cases;
    expect(negatives).toMatchObject({ run: 'unit', message_total: null, details_total: null });
    expect(negatives?.message).toMatch(/^add\(-2, -3\) should be -6/);
    // The stack points into the suite's own file, as node reported it.
    expect(negatives?.details).toMatch(/edge\.test\.js:\d+/);
    // What the failed attempt said, kept with the pass that followed it.
    expect(flaky).toMatchObject({ kind: 'flaky', message: 'first attempt fails' });
    expect(skipped?.message).toBe('no fixture for quoted fields yet');
    // The same cases, with the same messages, are in the JUnit file node wrote for the last attempt.
    const junit = readFileSync(join(qaCheckoutDir(f.dir), 'reports', 'junit.xml'), 'utf8');
    for (const c of r.cases) expect(junit).toContain(`name="${c.name}"`);
    expect(junit).toContain(`message="${negatives?.message}"`);
    // 30,000 characters of message: cut, with the full length for the notice.
    expect(long?.message?.length).toBe(CASE_MESSAGE_CHARS);
    expect(long?.message).toMatch(/^long story: x+$/);
    expect(long?.message_total).toBeGreaterThan(30_000);
    expect(long?.details?.length).toBe(CASE_DETAILS_CHARS);
    expect(long?.details_total).toBeGreaterThan(30_000);
  });

  it('says nothing failed for the green gate, and keeps each gate’s cases apart', async () => {
    const gates = await dispatch(api, 'qa.gates', {});
    const first = gates.at(-2);
    expect(first).toMatchObject({ candidate: f.commits[0], totals: { tests: 2, passed: 2, failed: 0 } });
    const r = await dispatch(api, 'qa.cases', { event_id: first?.event_id ?? '' });
    expect(r.cases).toEqual([]);
    expect(r.runs.map((x) => [x.name, x.totals.passed])).toEqual([['unit', 2]]);
  });

  it('limits each group and counts what it left out; an unknown gate is not_found', async () => {
    const gate = (await dispatch(api, 'qa.gates', {})).at(-1);
    const r = await dispatch(api, 'qa.cases', { event_id: gate?.event_id ?? '', limit: 1 });
    expect(r.cases.map((c) => c.name)).toEqual(['adds negatives', 'settles on retry', 'parses quoted CSV fields']);
    expect(r.omitted).toEqual({ failed: 1, flaky: 0, skipped: 0 });
    await expect(dispatch(api, 'qa.cases', { event_id: 'evt_nope' })).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('git.log, git.resolve and git.diff for the commit picker', () => {
  it('lists a branch’s recent commits as git log does', async () => {
    const r = await dispatch(api, 'git.log', { ref: 'experiments/qa', limit: 4 });
    expect(r.oid).toBe(cli('rev-parse', 'experiments/qa'));
    const want = cli('log', '-n', '4', '--format=%H%x09%s%x09%an%x09%aI', 'experiments/qa').split('\n');
    expect(r.commits.map((c) => `${c.oid}\t${c.subject}\t${c.author}\t${new Date(c.date).toISOString()}`)).toEqual(
      want.map((l) => {
        const [oid, subject, author, date] = l.split('\t');
        return `${oid}\t${subject}\t${author}\t${new Date(date ?? '').toISOString()}`;
      }),
    );
    expect(r.commits.slice(0, 3).map((c) => c.oid)).toEqual([...f.commits].reverse());
    // Any revision will do, and a bad one says so plainly.
    expect((await dispatch(api, 'git.log', { ref: `${f.commits[1].slice(0, 7)}^`, limit: 1 })).commits[0]?.oid).toBe(
      f.commits[0],
    );
    await expect(dispatch(api, 'git.log', { ref: 'no-such-branch', limit: 5 })).rejects.toMatchObject({
      code: 'not_found',
      message: 'no such commit: no-such-branch',
    });
  });

  it('resolves what a person types (short sha, rev^, rev~N, branch) as git rev-parse does, and names what it cannot', async () => {
    for (const rev of [
      f.commits[1].slice(0, 7),
      f.commits[1].slice(0, 12).toUpperCase(),
      'experiments/qa^',
      'experiments/qa~2',
      `${f.commits[2].slice(0, 8)}~1^`,
      'develop',
      'main^0',
    ]) {
      const r = await dispatch(api, 'git.resolve', { rev });
      expect(r.ok ? r.commit.oid : r.reason, rev).toBe(cli('rev-parse', '--verify', `${rev.toLowerCase()}^{commit}`));
    }
    const hit = await dispatch(api, 'git.resolve', { rev: f.commits[2].slice(0, 7) });
    expect(hit).toMatchObject({
      ok: true,
      commit: { subject: 'chore(data): price history and a logo', author: 'Implementer-Agent' },
    });
    // A prefix git itself cannot find either.
    const absent = ['abc1234', 'fedcba9', '0123456'].find((x) => cli('rev-parse', `--disambiguate=${x}`) === '') ?? '';
    expect(await dispatch(api, 'git.resolve', { rev: absent })).toEqual({
      ok: false,
      rev: absent,
      reason: `no such commit: ${absent}`,
    });
    const root = cli('rev-list', '--max-parents=0', 'main');
    const orphan = await dispatch(api, 'git.resolve', { rev: `${root}^` });
    expect(orphan.ok).toBe(false);
    expect(orphan.ok ? '' : orphan.reason).toMatch(/^no such commit: [0-9a-f]{40}\^ \([0-9a-f]{7} has no parent\)$/);
    // A blob's sha is not a commit.
    const blob = cli('rev-parse', `${f.commits[0]}:src/add.js`);
    expect(await dispatch(api, 'git.resolve', { rev: blob.slice(0, 10) })).toMatchObject({
      ok: false,
      reason: `${blob.slice(0, 10)} is not a commit`,
    });
    await expect(dispatch(api, 'git.resolve', { rev: 'two words' })).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('diffs between short shas like git diff --name-status, and a bad side says "no such commit"', async () => {
    const [c1, , c3] = f.commits;
    const d = await dispatch(api, 'git.diff', { from: c1.slice(0, 7), to: `${c3.slice(0, 9)}` });
    expect(d).toMatchObject({ from: c1, to: c3, content_cap: DIFF_CONTENT_CAP });
    expect(d.files.map((x) => `${x.status}\t${x.path}`)).toEqual(
      cli('diff', '--name-status', '--no-renames', c1, c3).split('\n'),
    );
    await expect(dispatch(api, 'git.diff', { from: 'abc1234x', to: c3 })).rejects.toMatchObject({
      code: 'not_found',
      message: 'no such commit: abc1234x',
    });
  });

  it('sends the first part of a file over the limit with both sides’ full sizes; a binary gets no content', async () => {
    const [c1, , c3] = f.commits;
    const d = await dispatch(api, 'git.diff', { from: c1, to: c3 });
    const big = d.files.find((x) => x.path === 'data/prices.csv');
    const bytes = Number(cli('cat-file', '-s', `${c3}:data/prices.csv`));
    expect(bytes).toBeGreaterThan(DIFF_CONTENT_CAP);
    const whole = execFileSync('git', ['-C', f.dir, 'show', `${c3}:data/prices.csv`], {
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    const lines = whole.split('\n').length - 1;
    expect(big).toMatchObject({
      status: 'A',
      truncated: true,
      binary: false,
      oldContent: null,
      oldSize: null,
      newSize: { bytes, lines },
    });
    expect(big?.newContent?.length).toBe(DIFF_CONTENT_CAP);
    expect(whole.startsWith(big?.newContent ?? '∅')).toBe(true);
    expect(whole).toBe(BIG_CSV);
    const png = d.files.find((x) => x.path === 'assets/logo.png');
    expect(png).toMatchObject({
      binary: true,
      truncated: false,
      newContent: null,
      newSize: { bytes: Number(cli('cat-file', '-s', `${c3}:assets/logo.png`)), lines: null },
    });
    const small = d.files.find((x) => x.path === 'tests/edge.test.js');
    expect(small).toMatchObject({
      truncated: false,
      newSize: {
        bytes: Buffer.byteLength(small?.newContent ?? ''),
        lines: (small?.newContent ?? '').split('\n').length - 1,
      },
    });
  });
});
