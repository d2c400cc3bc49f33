import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { OUTPUT_TAIL_CHARS, runCommand, type OutputStream } from '../electron/core/qa/run-command.ts';

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'qa-run-command-')));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A zombie (dead, not yet reaped by init) counts as gone: it runs nothing. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Polls because reaping is asynchronous; the bound only stops a hung test, it asserts no timing. */
async function waitUntilGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (!isAlive(pid)) return true;
    await sleep(50);
  }
  return false;
}

function collector() {
  const lines: { line: string; stream: OutputStream }[] = [];
  return {
    lines,
    onOutput: (line: string, stream: OutputStream) => lines.push({ line, stream }),
    of: (stream: OutputStream) => lines.filter((l) => l.stream === stream).map((l) => l.line),
  };
}

describe('runCommand', () => {
  it('reports exit codes without throwing', async () => {
    const ok = await runCommand({ command: 'true', cwd: dir });
    expect(ok).toMatchObject({ exitCode: 0, signal: null, timedOut: false, notFound: false });

    const failing = await runCommand({ command: 'echo about to fail; exit 3', cwd: dir });
    expect(failing).toMatchObject({ exitCode: 3, signal: null, timedOut: false, notFound: false });
    expect(failing.outputTail).toBe('about to fail\n');
    expect(failing.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('streams lines per stream in order, including an unterminated last line', async () => {
    const out = collector();
    const result = await runCommand({
      command: "printf 'first\\nsecond\\r\\n'; printf 'oops\\n' >&2; sleep 0.1; printf 'third\\nno newline'",
      cwd: dir,
      onOutput: out.onOutput,
    });
    expect(result.exitCode).toBe(0);
    expect(out.of('stdout')).toEqual(['first', 'second', 'third', 'no newline']);
    expect(out.of('stderr')).toEqual(['oops']);
    expect(result.outputTail).toContain('no newline');
  });

  it('keeps multi-byte characters whole across chunk boundaries', async () => {
    const out = collector();
    // "é" is C3 A9; the pause makes the two bytes arrive in separate chunks.
    await runCommand({
      command: "printf '\\303'; sleep 0.1; printf '\\251t\\303\\251\\n'",
      cwd: dir,
      onOutput: out.onOutput,
    });
    expect(out.of('stdout')).toEqual(['été']);
  });

  it('delivers every line of a long output and keeps only the tail', async () => {
    const out = collector();
    const result = await runCommand({ command: 'seq 1 20000', cwd: dir, onOutput: out.onOutput });
    const lines = out.of('stdout');
    expect(lines).toHaveLength(20000);
    expect(lines[0]).toBe('1');
    expect(lines[19999]).toBe('20000');
    expect(result.outputTail.length).toBeLessThanOrEqual(OUTPUT_TAIL_CHARS);
    expect(result.outputTail.length).toBeGreaterThan(OUTPUT_TAIL_CHARS - 10);
    expect(result.outputTail.endsWith('19999\n20000\n')).toBe(true);
  });

  it('passes env over process.env and can unset variables', async () => {
    const result = await runCommand({
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a JS template.
      command: 'printf "%s|%s|%s" "$GOV_QA_VALUE" "${HOME-unset}" "${PATH:+path-kept}"',
      cwd: dir,
      env: { GOV_QA_VALUE: 'hello world', HOME: undefined },
    });
    expect(result.outputTail).toBe('hello world|unset|path-kept');
  });

  it('runs in cwd and rejects clearly when cwd is missing', async () => {
    const result = await runCommand({ command: 'pwd', cwd: dir });
    expect(result.outputTail.trim()).toBe(dir);

    const missing = join(dir, 'does-not-exist');
    await expect(runCommand({ command: 'true', cwd: missing })).rejects.toThrow(missing);
  });

  it('flags a command that is not found', async () => {
    const result = await runCommand({ command: 'governor-no-such-command-xyz --flag', cwd: dir });
    expect(result.notFound).toBe(true);
    expect(result.exitCode).toBe(127);
    expect(result.outputTail).toMatch(/governor-no-such-command-xyz.*not found/);
  });

  it('kills the whole process tree on timeout, grandchildren included', async () => {
    const out = collector();
    const result = await runCommand({
      command: 'sleep 100 & echo "bg $!"; sleep 100',
      cwd: dir,
      timeoutMs: 300,
      killGraceMs: 300,
      onOutput: out.onOutput,
    });
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBeNull();
    expect(result.signal).toBe('SIGTERM');
    expect(result.notFound).toBe(false);
    const pid = Number(out.of('stdout')[0]?.replace('bg ', ''));
    expect(pid).toBeGreaterThan(0);
    expect(await waitUntilGone(pid)).toBe(true);
  });

  it('escalates to SIGKILL for processes that ignore SIGTERM', async () => {
    const out = collector();
    const result = await runCommand({
      // The background subshell and its sleep ignore SIGTERM.
      command: `sh -c 'trap "" TERM; sleep 100; :' & echo "bg $!"; sleep 100`,
      cwd: dir,
      timeoutMs: 300,
      killGraceMs: 300,
      onOutput: out.onOutput,
    });
    expect(result.timedOut).toBe(true);
    const pid = Number(out.of('stdout')[0]?.replace('bg ', ''));
    expect(pid).toBeGreaterThan(0);
    expect(await waitUntilGone(pid)).toBe(true);
  });

  it('does not hang on background processes left holding the pipes, and stops them', async () => {
    const out = collector();
    const result = await runCommand({ command: 'sleep 100 & echo "bg $!"', cwd: dir, onOutput: out.onOutput });
    expect(result).toMatchObject({ exitCode: 0, timedOut: false });
    const pid = Number(out.of('stdout')[0]?.replace('bg ', ''));
    expect(await waitUntilGone(pid)).toBe(true);
  });

  it('rejects after the run when onOutput throws', async () => {
    await expect(
      runCommand({
        command: 'echo one; echo two',
        cwd: dir,
        onOutput: () => {
          throw new Error('ledger is closed');
        },
      }),
    ).rejects.toThrow('ledger is closed');
  });
});
