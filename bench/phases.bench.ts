import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import { decideReview } from '../electron/core/workflow/decisions.ts';
import { runLoop } from '../electron/core/workflow/loop.ts';
import { CSVJSON_BRIEF, csvjsonDecision } from '../test/support/csvjson-human.ts';
import { startFakeLlm } from '../test/support/fake-llm.ts';
import { fakeTeam } from '../test/support/fake-team.ts';
import { type Figure, timeAsync } from './util.ts';

const BIN = resolve(import.meta.dirname, '..', 'bin', 'governor.mjs');

/**
 * Everything a model call costs as the engine sees it (request built, sent, answered, parsed) is LLM time;
 * the fetch every model request goes through times it. The project's own tests (QA gate runs) are test time,
 * read from the ledger. What is left, per handoff, is orchestration: ledger, exports, git, steps.
 */
export async function benchPhases(): Promise<Figure[]> {
  const cache = mkdtempSync(join(tmpdir(), 'governor-bench-cache-'));
  const work = mkdtempSync(join(tmpdir(), 'governor-bench-'));
  const before = process.env.GOVERNOR_CACHE;
  process.env.GOVERNOR_CACHE = cache;
  // The engine as users run it: the desktop app and `governor` run built JavaScript without source-map support.
  // Under tsx every first stack trace (Node's web streams make one each time a model response's reader is
  // released) parsed the inline source maps of the files on the stack: up to 5 ms a handoff in a first run.
  const sourceMaps = process.sourceMapsEnabled;
  process.setSourceMapsEnabled(false);
  try {
    // Two projects, one after the other, in one process. The first pays the process's warm-up once (V8
    // compiling the engine, zod compiling its schemas, the first statements and connections); the second is
    // what the desktop app and `governor serve`, which live for many phases and projects, pay per handoff.
    // A fresh process per command is the CLI figure below.
    const first = await threePhasesInProcess(join(work, 'first'));
    const inProcess = await threePhasesInProcess(join(work, 'in-process'));
    const viaCli = await threePhasesViaCli(join(work, 'cli'));
    return [
      {
        name: 'orchestration per handoff, first run in a fresh process (warm-up included)',
        value: first.perHandoff,
        unit: 'ms',
      },
      {
        name: `three phases in process, the next project (${inProcess.handoffs} handoffs, ${inProcess.steps} steps)`,
        value: inProcess.total,
        unit: 'ms',
      },
      { name: '  of which model calls (fake model on loopback)', value: inProcess.llm, unit: 'ms' },
      { name: '  of which the project’s tests (QA gates)', value: inProcess.tests, unit: 'ms' },
      {
        name: 'orchestration per handoff, in process (LLM and tests out)',
        value: inProcess.perHandoff,
        unit: 'ms',
        budget: '≤ 20 ms',
        ok: inProcess.perHandoff <= 20,
      },
      {
        name: `three phases via the CLI (${viaCli.commands} commands, ${viaCli.handoffs} handoffs)`,
        value: viaCli.total,
        unit: 'ms',
      },
      { name: 'orchestration per handoff, one CLI command per decision', value: viaCli.perHandoff, unit: 'ms' },
      { name: '  of which CLI start-up per command (node + tsx + open)', value: viaCli.startPerCommand, unit: 'ms' },
    ];
  } finally {
    process.setSourceMapsEnabled(sourceMaps);
    if (before === undefined) delete process.env.GOVERNOR_CACHE;
    else process.env.GOVERNOR_CACHE = before;
    rmSync(work, { recursive: true, force: true });
    rmSync(cache, { recursive: true, force: true });
  }
}

async function threePhasesInProcess(dir: string) {
  const team = fakeTeam({ runTests: false });
  const fake = await startFakeLlm({ respond: (r) => team.respond(r) });
  let llm = 0;
  const timedFetch: typeof fetch = async (input, init) => {
    const t = performance.now();
    try {
      const res = await fetch(input, init);
      await res.clone().arrayBuffer();
      return res;
    } finally {
      llm += performance.now() - t;
    }
  };
  await initProject(dir, {
    name: 'csvjson',
    brief: CSVJSON_BRIEF,
    runtime: 'openai-compatible:fake-model',
    baseUrl: `${fake.url}/v1`,
  });
  const p = await openProject(dir, { fetch: timedFetch });
  let steps = 0;
  try {
    const asked = new Map<string, number>();
    const total = await timeAsync(async () => {
      for (let i = 0; i < 60 && p.read.project()?.stage !== 'released'; i++) {
        const out = await runLoop(p);
        steps += out.steps;
        if (out.state === 'done') break;
        for (const r of p.read.pendingReviews()) {
          const key = `${r.phase}/${r.kind}`;
          asked.set(key, (asked.get(key) ?? 0) + 1);
          decideReview(p.ledger, p.read, { reviewId: r.id, ...csvjsonDecision(r, asked.get(key) ?? 1), source: 'cli' });
        }
      }
    });
    if (p.read.project()?.stage !== 'released')
      throw new Error(`the three-phase bench stopped at ${p.read.project()?.stage}`);
    const tests = p.read.testRuns().reduce((s, r) => s + r.result.duration_ms, 0);
    const handoffs = p.read.handoffs().length;
    return { total, llm, tests, handoffs, steps, perHandoff: (total - llm - tests) / handoffs };
  } finally {
    p.close();
    await fake.close();
  }
}

/** One CLI command in its own process, as a user runs it; its output for the pending reviews it lists. */
function governor(args: string[], cwd?: string): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += String(d)));
  return new Promise((res) => child.once('close', (code) => res({ code, out })));
}

const pendingIn = (out: string) =>
  [...out.matchAll(/^(review_\d{4})\s+(\w+)\s+(.+?)\s{2}impact/gm)].map((m) => ({
    id: m[1] ?? '',
    kind: m[2] ?? '',
    phase: Number(/phase (\d+)/i.exec(m[3] ?? '')?.[1] ?? 0),
  }));
const WORD = {
  approve: 'approve',
  approve_with_conditions: 'conditions',
  request_clarification: 'clarify',
  request_changes: 'changes',
  defer: 'defer',
  reject: 'reject',
} as const;

/** The same story as a user runs it: `governor run`, then one `governor decide` per decision, each a new process. */
async function threePhasesViaCli(dir: string) {
  const team = fakeTeam({ runTests: false });
  let llm = 0;
  const fake = await startFakeLlm({
    respond: (r) => {
      const t = performance.now();
      try {
        return team.respond(r);
      } finally {
        llm += performance.now() - t;
      }
    },
  });
  let commands = 0;
  try {
    await initProject(dir, {
      name: 'csvjson',
      brief: CSVJSON_BRIEF,
      runtime: 'openai-compatible:fake-model',
      baseUrl: `${fake.url}/v1`,
    });
    // What starting the CLI costs, for reading the figure: a read-only command on the same project.
    const start = await timeAsync(async () => void (await governor(['reviews', '--dir', dir])));
    const asked = new Map<string, number>();
    const total = await timeAsync(async () => {
      for (let i = 0; i < 60; i++) {
        const run = await governor(['run', '--dir', dir, '--no-prompt']);
        commands++;
        if (run.code !== 2) break;
        for (const r of pendingIn(run.out)) {
          const key = `${r.phase}/${r.kind}`;
          asked.set(key, (asked.get(key) ?? 0) + 1);
          const d = csvjsonDecision(r, asked.get(key) ?? 1);
          await governor([
            'decide',
            r.id,
            WORD[d.decision],
            '--dir',
            dir,
            ...(d.comment ? ['--comment', d.comment] : []),
          ]);
          commands++;
        }
      }
    });
    const p = await openProject(dir);
    try {
      if (p.read.project()?.stage !== 'released')
        throw new Error(`the CLI bench stopped at ${p.read.project()?.stage}`);
      const tests = p.read.testRuns().reduce((s, r) => s + r.result.duration_ms, 0);
      const handoffs = p.read.handoffs().length;
      return { total, handoffs, commands, perHandoff: (total - llm - tests) / handoffs, startPerCommand: start };
    } finally {
      p.close();
    }
  } finally {
    await fake.close();
  }
}
