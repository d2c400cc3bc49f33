import { readFileSync, writeFileSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { dbPath, governor } from './support/cli.ts';
import { git, tempDir } from './support/tmp.ts';

describe('governor CLI', () => {
  let demo: string;
  beforeAll(() => {
    demo = join(tempDir(), 'demo');
    expect(governor(['demo', '--dir', demo]).code).toBe(0);
    const run = governor(['run', '--dir', demo, '--no-prompt']);
    expect(run.code).toBe(2);
  });

  it('init creates a git repo with the config files and a .gitignore for .governor/', () => {
    const root = tempDir();
    const r = governor(['init', 'my-project', '--brief', 'Build a tiny CLI'], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    const dir = join(root, 'my-project');
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toContain('.governor/');
    expect(readFileSync(join(dir, 'agents.yaml'), 'utf8')).toContain('Build a tiny CLI');
    expect(git(dir, 'ls-tree', '--name-only', 'main').split('\n')).toEqual(
      expect.arrayContaining(['agents.yaml', '.project_policies.yaml', '.gitignore']),
    );
    expect(
      git(dir, 'branch', '--list')
        .replace(/[*\s]+/g, ' ')
        .trim()
        .split(' ')
        .sort(),
    ).toEqual(['develop', 'main']);
    expect(git(dir, 'status', '--porcelain')).toBe('');
    expect(governor(['init', 'my-project'], { cwd: root }).stderr).toMatch(/already a Governor project/);
  });

  it('run --no-prompt stops at the gate and says how to decide', () => {
    const again = governor(['run', '--dir', demo, '--no-prompt']);
    expect(again.code).toBe(2);
    expect(again.stdout).toMatch(/Waiting on the human/);
    expect(again.stdout).toMatch(/governor decide review_0001 approve/);
    expect(governor(['reviews', '--dir', demo]).stdout).toMatch(/review_0001\s+plan/);
  });

  it('status and help work while no loop runs', () => {
    const s = governor(['command', '/status', '--dir', demo]);
    expect(s.code).toBe(0);
    expect(s.stdout).toMatch(/📊 System Status/);
    expect(s.stdout).toMatch(/Pending Reviews: 1/);
    expect(governor(['command', '/help', '--dir', demo]).stdout).toMatch(/\/clarify <agent> <question>/);
  });

  it('refuses bad input with a clear message and changes nothing', () => {
    const before = (
      new Database(dbPath(demo), { readonly: true }).prepare('SELECT COUNT(*) n FROM events').get() as { n: number }
    ).n;
    expect(governor(['decide', 'review_0099', 'approve', '--dir', demo]).stderr).toMatch(
      /review "review_0099" not found/,
    );
    expect(governor(['decide', '1', 'changes', '--dir', demo]).stderr).toMatch(/needs a comment/);
    expect(governor(['decide', '1', 'maybe', '--dir', demo]).stderr).toMatch(/unknown decision "maybe"/);
    const unknownAgent = governor(['command', '/pause Optimizer', '--dir', demo]);
    expect(unknownAgent.code).toBe(1);
    expect(unknownAgent.stdout).toMatch(/unknown agent "Optimizer"[\s\S]*Commands:/);
    const after = (
      new Database(dbPath(demo), { readonly: true }).prepare('SELECT COUNT(*) n FROM events').get() as { n: number }
    ).n;
    expect(after).toBe(before);
  });

  it('the first decision wins; a second one is refused', () => {
    const dir = join(tempDir(), 'twice');
    governor(['demo', '--dir', dir]);
    governor(['run', '--dir', dir, '--no-prompt']);
    expect(governor(['decide', '1', 'approve', '--comment', 'first', '--dir', dir]).code).toBe(0);
    const second = governor(['decide', '1', 'reject', '--comment', 'second', '--dir', dir]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(
      /already decided by Human via cli at \d{4}-\d\d-\d\d \d\d:\d\d UTC: approve; the first decision stands/,
    );
    expect(readFileSync(join(dir, 'REQUIREMENTS.md'), 'utf8')).toMatch(/Approved by Human .* first/);
  });

  it('names the file and line of invalid configuration', () => {
    const dir = join(tempDir(), 'badcfg');
    governor(['demo', '--dir', dir]);
    const p = join(dir, 'agents.yaml');
    writeFileSync(p, readFileSync(p, 'utf8').replace('escalates_to: Designer', 'escalates_to: Designr'));
    const r = governor(['run', '--dir', dir, '--no-prompt']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/agents\.yaml:\d+: agents\.Implementer\.escalates_to: .*Designr/);
    writeFileSync(p, 'project: [unclosed\n');
    expect(governor(['status', '--dir', dir]).stderr).toMatch(/agents\.yaml:\d+:/);
  });

  it('refuses a folder that is not a git repository', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'plain'));
    expect(governor(['run', '--dir', join(dir, 'plain')]).stderr).toMatch(/is not a git repository/);
  });

  it('audit verify names a ledger row edited by hand, and a hand-edited export', () => {
    const dir = join(tempDir(), 'tamper');
    governor(['demo', '--dir', dir]);
    governor(['run', '--dir', dir, '--no-prompt']);
    expect(governor(['audit', 'verify', '--dir', dir]).code).toBe(0);
    writeFileSync(join(dir, 'docs/PROJECT_DETAIL.md'), 'edited by hand\n');
    const exp = governor(['audit', 'verify', '--dir', dir]);
    expect(exp.code).toBe(1);
    expect(exp.stdout).toMatch(/docs\/PROJECT_DETAIL\.md: does not match the ledger/);
    const db = new Database(dbPath(dir));
    db.exec('DROP TRIGGER events_no_update');
    db.prepare("UPDATE events SET actor = 'Human' WHERE seq = 4").run();
    db.close();
    const chain = governor(['audit', 'verify', '--dir', dir]);
    expect(chain.code).toBe(1);
    expect(chain.stdout).toMatch(/chain broken at event #4 \(\w+\): hash mismatch/);
  });
});
