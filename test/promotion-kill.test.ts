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
 * `governor run --no-prompt` on a fresh copy, killed right after the k-th crash point of `scope`, for
 * k = 1, 2, … until a run passes them all; each killed copy goes to `afterKill`. Returns the labels killed at.
 */
async function killAtEachStep(
  scope: string,
  fresh: (k: number) => string,
  afterKill: (dir: string, label: string) => Promise<void>,
): Promise<string[]> {
  const labels: string[] = [];
  for (let k = 1; k <= 40; k++) {
    const dir = fresh(k);
    const run = await runStepped(CHILD, [scope, 'run', '--no-prompt', '--dir', dir], { killAt: k, timeoutMs: 300_000 });
    if (!run.killed) {
      // Done, or waiting on the human or on something else: the run passed every step.
      if (![0, 2, 3].includes(run.code ?? -1)) throw new Error(`step ${k}: the run failed (${run.code}): ${run.stderr}`);
      return labels;
    }
    if (run.steps.length !== k) throw new Error(`step ${k}: killed after ${run.steps.length} steps (a timeout?)`);
    const label = run.steps[k - 1] ?? '?';
    labels.push(label);
    await afterKill(dir, label);
  }
  throw new Error(`the ${scope} run was still being killed after 40 steps`);
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
  const rows = db.prepare('SELECT type, actor, payload FROM events ORDER BY seq').all() as Array<{ type: string; actor: string; payload: string }>;
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

describe('a promotion killed at every step boundary resumes to exactly one release', () => {
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

  it('ends identical to an uninterrupted run after a kill at each boundary, main clean, one tag', async () => {
    const reference = copy('reference');
    await resume(reference); // uninterrupted
    const want = state(reference);
    expect(want.status).toBe('');
    expect(want.tags.trim()).toBe('v0.1.0');

    const steps = await killAtEachStep('promotion', (k) => copy(`killed-${k}`), async (dir, label) => {
      await resume(dir);
      const got = state(dir);
      expect(got.status, `killed after "${label}"`).toBe('');
      expect(got, `killed after "${label}"`).toEqual(want);
      await judge(dir);
    });
    // Every boundary of the promotion was hit: intent, the three merges' commits, the record, the release
    // commit, the tag and the checkout (first file, half the files, all and the index).
    expect(steps).toEqual([
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
    ].map((label) => `promotion: ${label}`));
  }, 1_800_000);

  it("a kill while committing the human's configuration edit leaves one configuration commit", async () => {
    const fresh = (n: number) => {
      const dir = copy(`config-${n}`);
      appendFileSync(join(dir, 'agents.yaml'), '# edited by hand\n');
      return dir;
    };
    const steps = await killAtEachStep('config', fresh, async (dir, label) => {
      await resume(dir);
      const configCommits = git(dir, 'log', '--format=%s', 'main').split('\n').filter((s) => s.startsWith('chore(config)'));
      expect(configCommits, label).toEqual(['chore(config): agents.yaml edited by the human']);
      expect(git(dir, 'status', '--porcelain'), label).toBe('');
      expect(git(dir, 'show', 'main:agents.yaml')).toMatch(/# edited by hand/);
      await judge(dir);
    });
    expect(steps).toEqual(['config: committed on main, index not updated', 'config: index updated, commit not recorded']);
  }, 600_000);
});
