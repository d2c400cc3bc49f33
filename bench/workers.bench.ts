import { mkdirSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { createApi, createLoopRunner } from '../electron/core/api.ts';
import { agentWorkspaceDir, prepareGitWorkspace } from '../electron/core/agents/workers/git-workspace.ts';
import { startFakeAnthropic } from '../test/support/fake-anthropic.ts';
import { startFakeResponses } from '../test/support/fake-openai-responses.ts';
import { CODEX_TEST_KEY } from '../test/support/codex.ts';
import { TEST_KEY, agentProject } from '../test/support/coding-agent.ts';
import { tempDir } from '../test/support/tmp.ts';
import type { Figure } from './util.ts';
import { benchAgents } from './workers-agents.ts';
import { type Sample, measureSession } from './workers-measure.ts';

const ROUNDS = 2;
const pct = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN;

/**
 * Every coding agent behind the one worker interface, in one run, against the same scripted turn: the
 * model asks for EDITS allowed edits (one per model turn), then one command the policy asks the human
 * about, then says it is done. Each agent meets its own protocol-level fake (Anthropic Messages for
 * Claude Code, the Claude Code ACP adapter and the AI SDK loop; OpenAI Responses for Codex), which
 * answers at once, so the time between one answer and the agent's next request is everything but the
 * model: the agent's own processing, Governor's adapter and gate, and the tool. The agents take turns,
 * ROUNDS times, so load on the machine falls on all of them alike.
 */
export async function benchWorkers(): Promise<Figure[]> {
  const saved = Object.fromEntries(
    [
      'HOME',
      'CLAUDE_CONFIG_DIR',
      'ANTHROPIC_API_KEY',
      'ANTHROPIC_BASE_URL',
      'CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC',
      'OPENAI_API_KEY',
      'CODEX_HOME',
      'TMPDIR',
    ].map((k) => [k, process.env[k]]),
  );
  const home = tempDir('governor-bench-home-');
  const cleanup: string[] = [home];
  // The agents keep sockets and scratch files in TMPDIR (Claude Code's sandbox does): a private one goes too.
  mkdirSync(join(home, 'tmp'));
  process.env.TMPDIR = join(home, 'tmp');
  try {
    return await run(home, cleanup);
  } finally {
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    for (const d of cleanup) rmSync(d, { recursive: true, force: true });
  }
}

async function run(home: string, cleanup: string[]): Promise<Figure[]> {
  mkdirSync(join(home, '.claude'), { recursive: true });
  mkdirSync(join(home, '.codex'), { recursive: true });
  process.env.HOME = home;
  process.env.CLAUDE_CONFIG_DIR = join(home, '.claude');
  process.env.ANTHROPIC_API_KEY = TEST_KEY;
  process.env.OPENAI_API_KEY = CODEX_TEST_KEY;
  process.env.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC = '1';
  delete process.env.CODEX_HOME;
  const anthropic = await startFakeAnthropic();
  const responses = await startFakeResponses();
  process.env.ANTHROPIC_BASE_URL = anthropic.url;
  const proj = await agentProject({ runtime: 'claude-code:claude-sonnet-4-5', base_url: anthropic.url });
  cleanup.push(dirname(proj.dir));
  const p = await proj.open();
  const agents = benchAgents(p, anthropic, responses);

  const api = createApi(
    p,
    createLoopRunner(p, () => {}),
    { user: 'Human', source: 'ui' },
  );
  const task = p.read.task('T4');
  if (!task) throw new Error('the sample plan has no T4');
  const branch = 'phase1/implementer';
  const ws = agentWorkspaceDir(p.dir, branch);
  const tip = (await p.git.resolveRef(branch)) ?? (await p.git.resolveRef('develop')) ?? '';
  const samples = new Map<string, Sample[]>();
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const a of agents) {
        await prepareGitWorkspace({ projectDir: p.dir, dir: ws, branch, tip, fresh: true });
        samples.set(a.name, [...(samples.get(a.name) ?? []), await measureSession(p, api, a, ws, task)]);
      }
    }
  } finally {
    p.close();
    await anthropic.close();
    await responses.close();
  }

  // The goals are for an idle machine; the load says how far from one this run was.
  const figures: Figure[] = [
    { name: `machine load, 1-minute average (${cpus().length} cores)`, value: loadavg()[0] ?? 0, unit: '' },
  ];
  for (const a of agents) {
    const s = samples.get(a.name) ?? [];
    const gaps = s.flatMap((x) => x.gaps);
    const gate = s.flatMap((x) => x.gate);
    const turn = pct(gaps, 0.5);
    figures.push({
      name: `${a.name}: start → first model request (p50)`,
      value: pct(
        s.map((x) => x.start),
        0.5,
      ),
      unit: 'ms',
      budget: '≤ 5,000 ms',
      ok:
        pct(
          s.map((x) => x.start),
          0.5,
        ) <= 5000,
    });
    figures.push({
      name: `${a.name}: overhead per allowed-edit turn, not the model (p50, ${gaps.length})`,
      value: turn,
      unit: 'ms',
      budget: '≤ 500 ms',
      ok: turn <= 500,
    });
    if (gate.length)
      figures.push({
        name: `${a.name}:   of which Governor's gate (p95)`,
        value: pct(gate, 0.95),
        unit: 'ms',
        budget: '≤ 5 ms',
        ok: pct(gate, 0.95) <= 5,
      });
    if (a.asks) {
      // `cp` runs in the agent's sandbox (bubblewrap) before its next request: that start-up is in here.
      const ask = pct(
        s.map((x) => x.ask),
        0.5,
      );
      const cont = pct(
        s.map((x) => x.cont),
        0.5,
      );
      figures.push({
        name: `${a.name}: permission, model asks → in the inbox (p50)`,
        value: ask,
        unit: 'ms',
        budget: '≤ 500 ms',
        ok: ask <= 500,
      });
      figures.push({
        name: `${a.name}: permission, decided → next request (runs cp) p50`,
        value: cont,
        unit: 'ms',
        budget: '≤ 500 ms',
        ok: cont <= 500,
      });
    }
    const rss = Math.max(...s.map((x) => x.rssPeak)) / 2 ** 20;
    if (a.worker.kind !== 'ai-sdk')
      figures.push({
        name: `${a.name}: worker process tree RSS, peak`,
        value: rss,
        unit: 'MB',
        budget: '≤ 600 MB',
        ok: rss <= 600,
      });
    else
      figures.push({
        name: `${a.name}: no worker process; Governor's RSS growth in the run`,
        value: Math.max(...s.map((x) => x.ownRssGrowth)) / 2 ** 20,
        unit: 'MB',
      });
  }
  return figures;
}
