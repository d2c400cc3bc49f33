import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from '../electron/core/qa/run-command.ts';
import { sandboxAvailability } from '../electron/core/sandbox/index.ts';
import { Redactor } from '../electron/core/secrets/redact.ts';
import { type Figure, tempDir } from './util.ts';

const RUNS = 20;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};

/**
 * What the sandbox adds to each test command, as the QA gate and run_tests pay it: runCommand of the same
 * command in the same workspace, unsandboxed and in bubblewrap, interleaved (one of each per round) so
 * machine load falls on both alike. Two commands: `true` (the sandbox's whole cost on a no-op) and a node
 * start (what a JS test runner pays at least).
 */
async function sandboxOverhead(): Promise<Figure[]> {
  const avail = sandboxAvailability();
  if (!avail.tool) return [{ name: `sandbox overhead: skipped (${avail.detail.slice(0, 60)})`, value: 0, unit: '' }];
  const root = tempDir();
  const ws = join(root, 'ws');
  mkdirSync(ws);
  const figures: Figure[] = [];
  try {
    for (const [label, command] of [
      ['`true`', 'true'],
      ['`node -e 0`', `${JSON.stringify(process.execPath)} -e 0`],
    ] as const) {
      const plain: number[] = [];
      const boxed: number[] = [];
      for (let i = 0; i < RUNS + 1; i++) {
        const a = await runCommand({ command, cwd: ws });
        const b = await runCommand({ command, cwd: ws, sandbox: { writable: [ws], network: false } });
        if (a.exitCode !== 0 || b.exitCode !== 0) throw new Error(`${label} failed: ${a.outputTail}${b.outputTail}`);
        if (i === 0) continue; // warm-up: page cache, first bwrap exec
        plain.push(a.durationMs);
        boxed.push(b.durationMs);
      }
      const p = median(plain);
      const b = median(boxed);
      figures.push({ name: `${label} unsandboxed (median of ${RUNS})`, value: p, unit: 'ms' });
      figures.push({ name: `${label} in ${avail.tool} (median, interleaved)`, value: b, unit: 'ms' });
      // A namespace per command (the network one alone is ~25 ms): small beside a test run of seconds.
      figures.push({
        name: `${label} sandbox overhead per command`,
        value: b - p,
        unit: 'ms',
        budget: '≤ 100 ms',
        ok: b - p <= 100,
      });
      figures.push({ name: `${label} sandboxed / unsandboxed`, value: b / p, unit: '×' });
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return figures;
}

/**
 * The redactor on 10 MB of test output, line by line as runCommand feeds it: the project's secrets (the
 * environment's and a dozen loaded keys) plus the key shapes, with a key printed every ~1,000 lines.
 */
function redactorThroughput(): Figure[] {
  const r = new Redactor();
  r.addFromEnv(process.env);
  for (let i = 0; i < 12; i++) r.add(`loaded-key-${i}-${'x'.repeat(24)}${i}`);
  const lines: string[] = [];
  let bytes = 0;
  for (let i = 0; bytes < 10 * 1024 * 1024; i++) {
    const line =
      i % 997 === 0
        ? `  debug: using key sk-ant-api03-${String(i).padStart(30, '0')} for the request`
        : i % 13 === 0
          ? `    at Object.<anonymous> (/work/project/tests/backtest-${i % 50}.test.js:${i % 400}:17)`
          : `✔ computes the ${i}th crossover signal on a 250-bar series (${(i % 90) / 10} ms)`;
    lines.push(line);
    bytes += Buffer.byteLength(line) + 1;
  }
  // The first pass is what a gate's first output pays (regexes compiled and JIT-warmed on the way); later
  // passes are the steady state of a long run.
  const passes: number[] = [];
  for (let pass = 0; pass < 4; pass++) {
    let redacted = 0;
    const t0 = performance.now();
    for (const line of lines) if (r.redact(line) !== line) redacted += 1;
    passes.push(performance.now() - t0);
    if (redacted === 0) throw new Error('the bench output carried keys, and none was redacted');
  }
  const mb = bytes / (1024 * 1024);
  const first = passes[0] ?? 0;
  const steady = median(passes.slice(1));
  return [
    {
      name: `redact 10 MB of test output (${lines.length.toLocaleString('en')} lines), first pass`,
      value: first,
      unit: 'ms',
    },
    {
      name: 'redactor throughput, first pass',
      value: mb / (first / 1000),
      unit: 'MB/s',
      budget: '≥ 20 MB/s',
      ok: mb / (first / 1000) >= 20,
    },
    {
      name: 'redactor throughput, steady (median of 3 more passes)',
      value: mb / (steady / 1000),
      unit: 'MB/s',
      budget: '≥ 50 MB/s',
      ok: mb / (steady / 1000) >= 50,
    },
  ];
}

export async function benchSecurity(): Promise<Figure[]> {
  return [...(await sandboxOverhead()), ...redactorThroughput()];
}
