import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Ledger } from '../electron/core/store/ledger.ts';
import { tempDir } from './support/tmp.ts';

const REPO = resolve(import.meta.dirname, '..');
const alert = (summary: string) =>
  ({ type: 'alert.raised', actor: 'System', payload: { severity: 'info', summary, details: summary } }) as const;

/**
 * better-sqlite3 12 on Node 24.19+ aborts the process when the GC frees one of its statements or databases
 * outside JavaScript (an idle GC, the teardown at exit); the ledger therefore never lets one go
 * (electron/core/store/statement-cache.ts). These are its rules, checked on every Node version.
 */
describe('prepared statements are made once and never left to the GC', () => {
  const open: Ledger[] = [];
  afterEach(() => {
    for (const l of open.splice(0)) l.close();
  });
  const ledger = () => {
    const l = new Ledger(join(tempDir(), 'ledger.db'));
    open.push(l);
    return l;
  };

  it('hands out the same statement for the same SQL, and a second one only while the first is busy', () => {
    const l = ledger();
    l.append([alert('one'), alert('two')]);
    const sql = 'SELECT seq FROM events WHERE seq > ? ORDER BY seq';
    const first = l.db.prepare(sql);
    expect(l.db.prepare(sql)).toBe(first);
    const rows = first.iterate(0);
    expect(rows.next().done).toBe(false);
    expect(first.busy).toBe(true);
    const second = l.db.prepare(sql);
    expect(second).not.toBe(first);
    rows.return?.();
    expect(l.db.prepare(sql)).toBe(first);
    // Another database gets its own statements.
    expect(ledger().db.prepare(sql)).not.toBe(first);
  });

  it('a reused statement starts plain, whatever its last user switched on', () => {
    const l = ledger();
    l.append([alert('one')]);
    const sql = 'SELECT seq, type FROM events ORDER BY seq LIMIT 1';
    expect(l.db.prepare(sql).pluck().get()).toBe(1);
    expect(l.db.prepare(sql).get()).toEqual({ seq: 1, type: 'alert.raised' });
    expect(l.db.prepare(sql).raw().get()).toEqual([1, 'alert.raised']);
    expect(l.db.prepare(sql).get()).toEqual({ seq: 1, type: 'alert.raised' });
    // pragma() prepares through the native call and plucks for `simple`: the cache serves it too.
    expect(l.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(l.db.pragma('journal_mode')).toEqual([{ journal_mode: 'wal' }]);
  });

  it('a process that opened, used and closed ledgers idles and exits cleanly (Node 24 aborted here)', () => {
    const script = join(tempDir(), 'idle.mts');
    writeFileSync(
      script,
      [
        `import { Ledger } from ${JSON.stringify(join(REPO, 'electron', 'core', 'store', 'ledger.ts'))};`,
        `import { join } from 'node:path';`,
        `import { mkdtempSync } from 'node:fs';`,
        `import { tmpdir } from 'node:os';`,
        'for (let n = 0; n < 5; n++) {',
        `  const l = new Ledger(join(mkdtempSync(join(tmpdir(), 'governor-idle-')), 'l.db'));`,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: source text of a child script, run as written.
        '  for (let i = 0; i < 500; i++) l.db.prepare(`SELECT ${i % 50} AS n, count(*) FROM events`).get();',
        '  l.close();',
        '}',
        // Garbage, then idle long enough for V8's idle-time GC tasks; then the teardown at exit.
        'const junk: number[][] = [];',
        'for (let i = 0; i < 300; i++) junk.push(new Array(10_000).fill(i));',
        "setTimeout(() => console.log('idled', junk.length), 2_500);",
      ].join('\n'),
    );
    const runTs = join(REPO, 'bin', 'run-ts.mjs');
    const r = spawnSync(process.execPath, [runTs, script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).not.toMatch(/Assertion failed/);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/idled 300/);
  });
});
