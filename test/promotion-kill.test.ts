import { execFileSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyGitAudit } from '../electron/core/git/audit-verify.ts';
import { openProject } from '../electron/core/host.ts';
import { syncRecords } from '../electron/core/workflow/loop.ts';
import { dbPath } from './support/cli.ts';
import { openSample } from './support/project.ts';
import { pendingPromotionFixture, promoteNow } from './support/promotion-fixture.ts';
import { runStepped } from './support/stepped-kill.ts';
import { git } from './support/tmp.ts';

const CHILD = resolve(import.meta.dirname, 'support', 'cli-kill-child.ts');

/**
 * One window of each kind by default (before any write, between the merges and their record, after the tag,
 * half-way through the checkout): every other boundary only repeats one of these. GOVERNOR_TEST_KILL_ALL=1
 * kills at every boundary (about twice as long).
 */
const REPRESENTATIVE = new Set([
  'promotion: intent recorded',
  'promotion: main moved to the release merge',
  'promotion: tagged',
  'promotion: checkout: half the files written',
]);
const killAll = process.env.GOVERNOR_TEST_KILL_ALL === '1';

/** `governor run --no-prompt` on `dir` through the stepping child; `killAt` ends it right after that step. */
async function governorRun(scope: string, dir: string, killAt?: number) {
  const args = [scope, 'run', '--no-prompt', '--dir', dir];
  return runStepped(CHILD, args, { timeoutMs: 300_000, ...(killAt ? { killAt } : {}) });
}

/**
 * The labels of every crash point of `scope` in an uninterrupted `governor run`, then the same run on a
 * fresh copy killed right after each chosen one (`pick`, or every one with GOVERNOR_TEST_KILL_ALL=1);
 * each killed copy goes to `afterKill`. Steps are found by counting, never by timing.
 */
async function killAtSteps(
  scope: string,
  fresh: (k: number) => string,
  pick: (label: string) => boolean,
  afterKill: (dir: string, label: string) => Promise<void>,
): Promise<{ labels: string[]; killed: string[] }> {
  const whole = await governorRun(scope, fresh(0));
  // Done, or waiting on the human or on something else: exit 0, 2 or 3.
  if (whole.killed || ![0, 2, 3].includes(whole.code ?? -1)) {
    throw new Error(`the uninterrupted run failed (${whole.code ?? whole.signal}): ${whole.stderr.slice(-3000)}`);
  }
  const killed: string[] = [];
  for (const [i, label] of whole.steps.entries()) {
    if (!killAll && !pick(label)) continue;
    const dir = fresh(i + 1);
    const run = await governorRun(scope, dir, i + 1);
    expect(run.killed, `a kill after "${label}"`).toBe(true);
    expect(run.steps, 'the killed run took the same steps').toEqual(whole.steps.slice(0, i + 1));
    killed.push(label);
    await afterKill(dir, label);
  }
  return { labels: whole.steps, killed };
}

/** Times, dates, ids and object names differ between two runs; the structure must not. */
function normalise(text: string): string {
  return text
    .replace(/\d{4}-\d{2}-\d{2}T[\d:.]+Z/g, 'T')
    .replace(/\d{8}T\d{6,9}Z/g, 'T')
    .replace(/"timestamp":\d+/g, '"timestamp":S')
    .replace(/\b[0-9a-f]{40}\b/g, 'H')
    .replace(/\b[0-9A-HJKMNP-TV-Z]{26}\b/g, 'U')
    .replace(/\d{4}-\d{2}-\d{2}/g, 'D')
    .replace(/\d{2}:\d{2}(:\d{2})?( UTC)?/g, 'HM')
    .replace(/\b[0-9a-f]{7,39}\b/g, 'H');
}

/** Everything a user or an auditor could compare: the ledger's facts, and what git holds. */
function state(dir: string) {
  const db = new Database(dbPath(dir), { readonly: true });
  type Row = { type: string; actor: string; payload: string };
  const rows = db.prepare('SELECT type, actor, payload FROM events ORDER BY seq').all() as Row[];
  const events = rows.map((e) => `${e.type} ${e.actor} ${normalise(e.payload)}`);
  db.close();
  const g = (...args: string[]) => git(dir, ...args);
  const tagFiles = g('ls-tree', '-r', '--name-only', 'v0.1.0').split('\n').filter(Boolean);
  return {
    events,
    main: normalise(g('log', '--format=%s|%an <%ae>|%P', 'main')),
    develop: normalise(g('log', '--first-parent', '--format=%s', 'develop')),
    branches: g('branch', '--format=%(refname:short)'),
    tags: g('tag', '-l'),
    tag: normalise(g('for-each-ref', '--format=%(taggername) %(contents)', 'refs/tags/v0.1.0')),
    tagFiles: tagFiles.map(normalise),
    tagContent: tagFiles.map((f) => `${normalise(f)}\n${normalise(g('show', `v0.1.0:${f}`))}`),
    status: g('status', '--porcelain'),
  };
}

async function judge(dir: string): Promise<void> {
  expect(git(dir, 'fsck', '--full', '--no-dangling')).toBe('');
  const p = await openProject(dir);
  try {
    await syncRecords(p);
    expect(await verifyGitAudit(p)).toEqual([]);
    expect(await p.exporter.verify()).toEqual([]);
    expect(p.ledger.verify().ok).toBe(true);
  } finally {
    p.close();
  }
}

/** The next run, as the user would start it (a fresh open, then the loop), stopped once the promotion ends. */
async function resume(dir: string): Promise<void> {
  const p = await openProject(dir);
  try {
    await promoteNow(p);
  } finally {
    p.close();
  }
}

describe('a promotion killed at its step boundaries resumes to exactly one release', () => {
  let base: string;
  const copy = (name: string): string => {
    const dir = join(base, '..', name);
    execFileSync('cp', ['-a', base, dir]);
    return dir;
  };
  beforeAll(async () => {
    const fixture = await pendingPromotionFixture();
    base = fixture.copyDir('base');
    git(base, 'config', 'user.name', 'Ada Lovelace');
    git(base, 'config', 'user.email', 'ada@example.com');
    const sp = await openSample(base);
    sp.human.decide('promotion', 'approve', { comment: 'ship' });
    sp.close();
  }, 600_000);

  it('ends as an uninterrupted run does after a kill at a boundary of each kind, main clean, one tag', async () => {
    const reference = copy('reference');
    await resume(reference); // uninterrupted
    const want = state(reference);
    expect(want.status).toBe('');
    expect(want.tags.trim()).toBe('v0.1.0');

    const fresh = (k: number) => copy(`killed-${k}`);
    const steps = await killAtSteps(
      'promotion',
      fresh,
      (label) => REPRESENTATIVE.has(label),
      async (dir, label) => {
        await resume(dir);
        const got = state(dir);
        expect(got.status, `killed after "${label}"`).toBe('');
        expect(got, `killed after "${label}"`).toEqual(want);
        await judge(dir);
      },
    );
    // Every boundary of the promotion is a step: intent, the three merges' commits, the record, the release
    // commit, the tag and the checkout (first file, half the files, all and the index).
    expect(steps.labels).toEqual(
      [
        'intent recorded',
        'records committed on the PM branch',
        'records merged into develop',
        'main moved to the release merge',
        'promotion effects recorded',
        'final exports committed on main',
        'tagged',
        'checkout: first file written',
        'checkout: half the files written',
        'checkout brought along',
      ].map((label) => `promotion: ${label}`),
    );
    expect(steps.killed).toEqual(killAll ? steps.labels : [...REPRESENTATIVE]);
  }, 1_800_000);

  it("a kill while committing the human's configuration edit leaves one configuration commit", async () => {
    const fresh = (n: number) => {
      const dir = copy(`config-${n}`);
      appendFileSync(join(dir, 'agents.yaml'), '# edited by hand\n');
      return dir;
    };
    const steps = await killAtSteps(
      'config',
      fresh,
      () => true,
      async (dir, label) => {
        await resume(dir);
        const subjects = git(dir, 'log', '--format=%s', 'main').split('\n');
        const configCommits = subjects.filter((s) => s.startsWith('chore(config)'));
        expect(configCommits, label).toEqual(['chore(config): agents.yaml edited by the human']);
        expect(git(dir, 'status', '--porcelain'), label).toBe('');
        expect(git(dir, 'show', 'main:agents.yaml')).toMatch(/# edited by hand/);
        await judge(dir);
      },
    );
    const labels = ['config: committed on main, index not updated', 'config: index updated, commit not recorded'];
    expect(steps).toEqual({ labels, killed: labels });
  }, 600_000);
});
