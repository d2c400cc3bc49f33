import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { dbPath, governor, governorAsync } from './support/cli.ts';
import { tempDir } from './support/tmp.ts';

/** Poll the ledger read-only (a second process, as a user's second terminal would be). */
function peek(dir: string): { count: number; stage: string | null } {
  if (!existsSync(dbPath(dir))) return { count: 0, stage: null };
  const db = new Database(dbPath(dir), { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 2000');
    const count = (db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n;
    const stage =
      (db.prepare('SELECT stage FROM project WHERE id = 1').get() as { stage: string } | undefined)?.stage ?? null;
    return { count, stage };
  } catch {
    return { count: 0, stage: null };
  } finally {
    db.close();
  }
}

/** Start `governor run`, and kill -9 it as soon as `when` holds (or let it finish). */
async function runAndKill(
  dir: string,
  when: (s: { count: number; stage: string | null }, start: number) => boolean,
): Promise<'killed' | 'exited'> {
  const start = peek(dir).count;
  const child = governorAsync(['run', '--dir', dir, '--no-prompt']);
  const exited = new Promise<void>((res) => child.on('exit', () => res()));
  let done = false;
  void exited.then(() => (done = true));
  while (!done) {
    if (when(peek(dir), start)) {
      child.kill('SIGKILL');
      await exited;
      return 'killed';
    }
    await new Promise((r) => setTimeout(r, 3));
  }
  return 'exited';
}

const pending = (dir: string, kind: string): string | null => {
  const db = new Database(dbPath(dir), { readonly: true });
  try {
    return (
      (
        db.prepare("SELECT id FROM reviews WHERE status = 'pending' AND kind = ? ORDER BY seq DESC").get(kind) as
          | { id: string }
          | undefined
      )?.id ?? null
    );
  } finally {
    db.close();
  }
};

function decide(dir: string, kind: string, decision: string, comment: string): void {
  const id = pending(dir, kind);
  expect(id, `a pending ${kind} review`).not.toBeNull();
  const r = governor(['decide', id ?? '', decision, '--comment', comment, '--dir', dir]);
  expect(r.code, r.stderr).toBe(0);
}

describe('crash and resume', () => {
  it('survives kill -9 at several points: the chain verifies, exports match, nothing is duplicated', async () => {
    const dir = join(tempDir(), 'crashy');
    expect(governor(['demo', '--dir', dir]).code).toBe(0);
    const kills: string[] = [];
    const note = (r: 'killed' | 'exited', where: string) => r === 'killed' && kills.push(where);

    // 1. Killed while the PM writes the plan; then resume to the plan gate.
    note(await runAndKill(dir, (s, start) => s.count > start), 'plan');
    expect(governor(['run', '--dir', dir, '--no-prompt']).code).toBe(2);
    decide(dir, 'plan', 'approve', 'go');
    // 2. Killed in the middle of the design step.
    note(await runAndKill(dir, (s) => s.stage === 'design'), 'design');
    governor(['run', '--dir', dir, '--no-prompt']);
    decide(dir, 'design', 'approve', 'go');
    // 3. Killed mid-build, after a few implementer commits.
    note(await runAndKill(dir, (s, start) => s.count > start + 12), 'build');
    governor(['run', '--dir', dir, '--no-prompt']);
    decide(dir, 'test_plan', 'approve', 'go');
    decide(dir, 'variation', 'defer', 'need a benchmark first');
    const concern = governor(['command', '/resolve 1 handled', '--dir', dir]);
    expect(concern.code, concern.stdout).toBe(0);
    // 4. Killed while the tests run; 5. killed right after the gate starts merging.
    note(await runAndKill(dir, (s) => s.stage === 'test'), 'test');
    note(await runAndKill(dir, (s) => s.stage === 'qa_gate'), 'qa_gate');
    expect(governor(['run', '--dir', dir, '--no-prompt']).code).toBe(2);
    decide(dir, 'test_completion', 'approve', 'fine');
    governor(['run', '--dir', dir, '--no-prompt']);
    decide(dir, 'promotion', 'approve', 'ship');
    // 6. Killed during the promotion itself.
    note(await runAndKill(dir, (s, start) => s.count > start), 'promotion');
    const last = governor(['run', '--dir', dir, '--no-prompt']);
    const why =
      last.code === 0
        ? ''
        : governor(['command', '/status', '--dir', dir]).stdout +
          readFileSync(join(dir, 'audit/concerns.jsonl'), 'utf8').split('\n').slice(-2).join('\n') +
          execFileSync('git', ['-C', dir, 'status', '--porcelain']).toString();
    expect(last.code, last.stdout + last.stderr + why).toBe(0);

    expect(kills.length).toBeGreaterThanOrEqual(4);
    const verify = governor(['audit', 'verify', '--dir', dir]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/chain intact/);
    expect(verify.stdout).toMatch(/match the ledger/);

    const db = new Database(dbPath(dir), { readonly: true });
    const dupes = (sql: string) => (db.prepare(sql).all() as unknown[]).length;
    expect(
      dupes(
        "SELECT json_extract(payload,'$.commit') c FROM events WHERE type='git.action_recorded' GROUP BY c, json_extract(payload,'$.action') HAVING COUNT(*) > 1",
      ),
    ).toBe(0);
    expect(
      dupes(
        "SELECT json_extract(payload,'$.review_id') r FROM events WHERE type='review.decided' GROUP BY r HAVING COUNT(*) > 1",
      ),
    ).toBe(0);
    expect(
      dupes(
        "SELECT json_extract(payload,'$.task_id') t FROM events WHERE type='task.updated' AND json_extract(payload,'$.status')='Done' GROUP BY t HAVING COUNT(*) > 1",
      ),
    ).toBe(0);
    expect(
      dupes(
        "SELECT json_extract(payload,'$.phase') p FROM events WHERE type='phase.promoted' GROUP BY p HAVING COUNT(*) > 1",
      ),
    ).toBe(0);
    const auditIds = new Set(
      (db.prepare("SELECT id FROM events WHERE type='git.action_recorded'").all() as Array<{ id: string }>).map(
        (r) => r.id,
      ),
    );
    db.close();

    const git = (...a: string[]) => execFileSync('git', ['-C', dir, ...a], { encoding: 'utf8' });
    execFileSync('git', ['-C', dir, 'fsck', '--full']);
    for (const b of [
      'main',
      'develop',
      'phase1/implementer',
      'phase1/implementer-2',
      'phase1/tester',
      'phase1/designer',
      'phase1/pm',
    ]) {
      for (const id of git('log', '--format=%(trailers:key=Audit-ID,valueonly)', b)
        .split('\n')
        .map((s) => s.trim())
        .filter(Boolean))
        expect(auditIds.has(id), `${b}: ${id}`).toBe(true);
    }
    expect(git('tag', '-l').trim()).toBe('v0.1.0');
  });
});
