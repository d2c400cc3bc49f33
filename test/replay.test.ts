import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { initProject } from '../electron/core/project.ts';
import { command, decide } from '../electron/server/cli/human.ts';
import { replayRun } from '../electron/server/cli/recording.ts';
import { runCommand } from '../electron/server/cli/run.ts';
import { governorCli } from './support/discord.ts';
import { folderTemplate } from './support/project-template.ts';
import { git } from './support/tmp.ts';

/**
 * Every `governor run` is recorded, and every recorded run replays to the same ledger, the same refs and the
 * same exports: the one asked at a terminal (a clarification, a decision typed at its prompt, another one
 * made from a second terminal meanwhile), the one through the QA gate (its tests measured once, when it ran)
 * and the one that promotes. The runs are driven in this process as the CLI drives them; the decision from
 * the second terminal is a real second process.
 */

const lines: string[] = [];
// Colours are on under CI=true (picocolors): what the run said is matched as a person reads it.
const logged = () => stripVTControlCharacters(lines.join('\n'));

/** Fired whenever the run says something, at its terminal or on the log: waits react to that, never poll. */
const speech = new EventEmitter();

/** Resolves once `ok()` holds, checked each time the run says something; fails after 150 s of silence. */
function until(what: string, ok: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!ok()) return;
      settle();
      resolve();
    };
    const timer = setTimeout(() => {
      settle();
      reject(new Error(`waited in vain for ${what}; the run said:\n${logged().slice(-3000)}`));
    }, 150_000);
    const settle = () => {
      clearTimeout(timer);
      speech.off('said', check);
    };
    speech.on('said', check);
    check();
  });
}

const count = (text: string, needle: string) => text.split(needle).length - 1;
const cassettes = (dir: string) =>
  readdirSync(join(dir, '.governor', 'cassettes'))
    .map((f) => f.replace(/\.json$/, ''))
    .sort();
const cassetteFile = (dir: string, id: string) => join(dir, '.governor', 'cassettes', `${id}.json`);

/**
 * The sample recorded from its first run to its promotion, driven once; each test replays or edits its own copy.
 * A copy replays as the original does: a cassette names no path, only run ids, events and refs.
 */
const recordedProject = folderTemplate(async (dir) => {
  await initProject(dir, { sample: true });

  // Run 1 asks at a "terminal": a clarification, then approval of the answer; the design is approved from a
  // second terminal while the run asks about it; the run is stopped at the test plan.
  const input = new PassThrough();
  const output = new PassThrough();
  let asked = '';
  output.on('data', (d: Buffer) => {
    asked += stripVTControlCharacters(d.toString('utf8'));
    speech.emit('said');
  });
  const answer = async (nth: number, text: string) => {
    await until(`prompt #${nth}`, () => count(asked, 'Decide [') >= nth);
    input.write(`${text}\n`);
  };
  const run1 = runCommand({ dir, prompt: true, terminal: { input, output } });
  await answer(1, 'clarify');
  await until('the comment prompt', () => count(asked, 'Comment') >= 1);
  input.write('why nine tasks?\n');
  await answer(2, 'approve');
  await until('the second comment prompt', () => count(asked, 'Comment') >= 2);
  input.write('\n');
  await until('the design review', () => /Human gate: review_0003\s+design/.test(logged()));
  const other = await governorCli(['decide', '3', 'approve', '--comment', 'from a second terminal', '--dir', dir], {});
  expect(other.code, other.stderr).toBe(0);
  await until('the run to notice', () => /review_0003 was decided elsewhere: approve by Human via cli/.test(logged()));
  // The design's question was dropped; the next one is the test plan's.
  await answer(4, 'q');
  expect(await run1).toBe(2);

  // Then one run per step, deciding in between as a user does with `governor decide` and `governor command`.
  for (let i = 0; i < 10; i++) {
    const from = lines.length;
    const code = await runCommand({ dir, prompt: false });
    if (code === 0) break;
    expect([2, 3]).toContain(code);
    const said = lines.slice(from).join('\n');
    for (const m of said.matchAll(/governor decide (review_\d+) approve\|/g))
      await decide(dir, m[1] ?? '', 'approve', { comment: 'ok', inline: [] });
    for (const id of new Set([...said.matchAll(/(concern_\d+) \(warning\)/g)].map((m) => m[1] ?? '')))
      await command(dir, `/resolve ${id} handled`);
  }
});

describe('record and replay: every run, the QA gate and promotion included', { timeout: 900_000 }, () => {
  beforeAll(() => {
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
      lines.push(a.map(String).join(' '));
      speech.emit('said');
    });
  });
  afterAll(() => vi.restoreAllMocks());

  it('records a run asked at a terminal, then runs through the gate and the promotion, one run per step', async () => {
    const dir = await recordedProject.copy();
    expect(git(dir, 'tag', '--list')).toMatch(/v0\.1\.0/);
    const recorded = cassettes(dir);
    expect(recorded.length).toBeGreaterThanOrEqual(5);
    const tests = recorded.map(
      (id) => (JSON.parse(readFileSync(cassetteFile(dir, id), 'utf8')) as { tests: unknown[] }).tests.length,
    );
    expect(tests.some((n) => n > 0)).toBe(true);
  });

  it('replays each recorded run to the same events, refs and exports', async () => {
    const dir = await recordedProject.copy();
    for (const id of cassettes(dir)) {
      lines.length = 0;
      const code = await replayRun(dir, id);
      expect(
        code,
        `${id}:\n${logged()
          .split('\n')
          .filter((l) => /[✓✗]/.test(l))
          .join('\n')}`,
      ).toBe(0);
      expect(logged()).toMatch(/✓ ledger: \d+ events identical/);
      expect(logged()).toMatch(/✓ git: \d+ branches and tags at the same commits/);
    }
  });

  it('names the event type and the field when a replay differs', async () => {
    const dir = await recordedProject.copy();
    const gateRun = cassettes(dir).find(
      (id) => (JSON.parse(readFileSync(cassetteFile(dir, id), 'utf8')) as { tests: unknown[] }).tests.length > 0,
    );
    if (!gateRun) throw new Error('no run went through the QA gate');
    const file = cassetteFile(dir, gateRun);
    const original = readFileSync(file, 'utf8');
    const c = JSON.parse(original) as { tests: Array<{ result: { durationMs: number } }> };
    const first = c.tests[0];
    if (!first) throw new Error('no recorded test run');
    first.result.durationMs += 1000;
    writeFileSync(file, JSON.stringify(c));
    try {
      lines.length = 0;
      expect(await replayRun(dir, gateRun)).toBe(1);
      expect(logged()).toMatch(
        /✗ event #\d+ \(test\.run_completed\) differs at payload\.result\.duration_ms: recorded [\d.]+, replayed [\d.]+/,
      );
    } finally {
      writeFileSync(file, original);
    }
  });
});
