import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import WebSocket from 'ws';
import { agentNames } from '../shared/index.ts';
import { openProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import type { OpenedProject } from '../electron/core/host.ts';
import { handleCommand } from '../electron/core/workflow/commands.ts';
import { decideReview } from '../electron/core/workflow/decisions.ts';
import { runLoop } from '../electron/core/workflow/loop.ts';
import { CALL_CHANNEL } from '../electron/main/channels.ts';
import { startDesktopProjects } from '../electron/main/desktop-projects.ts';
import { type InvokeEventLike, bindContractIpc } from '../electron/main/ipc.ts';
import { rendererIndexUrl } from '../electron/main/security.ts';
import { ensureRendererBuilt } from '../e2e/support/renderer-build.ts';
import { fillLedger } from './big-ledger.ts';
import { type Figure, tempDir } from './util.ts';

/**
 * Does the window freeze? The desktop app's main process runs the engine in-process: Electron's ipcMain
 * hands each renderer call to `bindContractIpc` → `dispatch(createApi(…))`, and the same event loop paints
 * nothing itself but must answer the window, the tray and the menu. Here that process is rebuilt under
 * plain Node with the real handlers and the real project wiring (`startDesktopProjects`), and only
 * ipcMain and the window replaced by the few members they use. While the window's heaviest calls run —
 * the loop through a QA gate, Verify chain on a big ledger, a diff of big files — the longest event-loop
 * block is what the window (and the tray) would wait at most.
 */

const GOAL_MS = 50;

/** Take the sample to the point where the next loop run builds, tests and evaluates the QA gate. */
export async function driveToGate(p: OpenedProject): Promise<void> {
  const decide = (kind: string, decision: 'approve' | 'reject', comment: string) => {
    const review = p.read.pendingReviews().find((r) => r.kind === kind);
    if (!review) throw new Error(`no pending ${kind} review; stage ${p.read.project()?.stage}`);
    decideReview(p.ledger, p.read, { reviewId: review.id, decision, comment, inline: [], source: 'cli' });
  };
  await runLoop(p);
  decide('plan', 'approve', 'plan ok');
  await runLoop(p);
  decide('design', 'approve', 'design ok');
  await runLoop(p);
  await runLoop(p);
  decide('test_plan', 'approve', 'ok');
  decide('variation', 'reject', 'No runtime dependencies in Phase 1');
  const concern = p.read.openConcerns().find((c) => c.to === 'Human');
  if (concern) await handleCommand({ ledger: p.ledger, read: p.read, agents: agentNames(p.agentsFile), gitStatus: async () => '' }, `/resolve ${concern.id} 0 means flat`, { user: 'Human', source: 'cli' });
}

/** Two commits (not on any branch, so no agent's branch moves) changing a 5,000-line file and a multi-MB one. */
export function bigFileCommits(dir: string): { from: string; to: string } {
  const git = (args: string[], input?: string) => execFileSync('git', args, { cwd: dir, input, encoding: 'utf8', maxBuffer: 64 << 20 }).trim();
  // Varied lines (a seeded hash per line), so the objects compress like real source, not like a pattern.
  const token = (i: number) => createHash('sha1').update(String(i)).digest('hex').slice(0, 12 + (i % 20));
  const lines = (n: number, tag: string, every: number) => Array.from({ length: n }, (_, i) => `${i % every === 0 ? tag : 'same'} ${i}: const v_${token(i)} = compute(${i}, "${token(i * 7)}");`).join('\n');
  const commit = (tag: string, parent: string | null) => {
    const src = git(['hash-object', '-w', '--stdin'], `${lines(5_000, tag, 7)}\n`);
    const big = git(['hash-object', '-w', '--stdin'], `${lines(60_000, tag, 3)}\n`); // ~3 MB
    const tree = git(['mktree'], `100644 blob ${src}\tbig-source.ts\n100644 blob ${big}\tbig-data.txt\n`);
    return git(['commit-tree', tree, '-m', `bench ${tag}`, ...(parent ? ['-p', parent] : [])]);
  };
  const from = commit('old', null);
  return { from, to: commit('new', from) };
}

/** The longest block of this process's event loop while `fn` runs, in ms. */
async function longestBlock(fn: () => Promise<unknown>): Promise<{ blockMs: number; totalMs: number }> {
  const h = monitorEventLoopDelay({ resolution: 2 });
  h.enable();
  const t0 = performance.now();
  await fn();
  const totalMs = performance.now() - t0;
  // The histogram records a block when its timer next fires: let it fire once more after the last one.
  await new Promise((r) => setTimeout(r, 10));
  h.disable();
  return { blockMs: h.max / 1e6, totalMs };
}

type Measured = { blockMs: number; totalMs: number };

/** The three heavy things a user does in the window, in this order, each measured by `measure`. */
interface Scenario {
  gate(): Promise<void>;
  verify(): Promise<void>;
  diff(): Promise<void>;
}

async function runScenarios(s: Scenario, measure: (fn: () => Promise<unknown>) => Promise<Measured>) {
  return { gate: await measure(s.gate), verify: await measure(s.verify), diff: await measure(s.diff) };
}

/** The desktop main process, minus Electron: the project wiring and the IPC handler, a stand-in window. */
async function inProcess(root: string, dir: string, diffRange: { from: string; to: string }) {
  const rendererDir = join(root, 'renderer');
  const mainFrame = { url: rendererIndexUrl(rendererDir), parent: null, processId: 1, routingId: 1 };
  const webContents = { mainFrame, send: () => {} };
  const window = { isDestroyed: () => false, webContents };
  const handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>>();
  const projects = await startDesktopProjects(dir, {
    send: () => webContents.send(),
    open: (d, progress) => openProject(d, { progress }),
    home: join(root, 'home'),
    watchFiles: true,
    onNotifications: () => {},
  });
  const ipc = bindContractIpc({
    ipcMain: { handle: (ch, fn) => void handlers.set(ch, fn), removeHandler: (ch) => void handlers.delete(ch) },
    window: () => window,
    rendererIndexUrl: mainFrame.url,
    api: () => projects.current().api,
  });
  const call = async (name: string, params: unknown = {}) => {
    const handler = handlers.get(CALL_CHANNEL);
    if (!handler) throw new Error('no IPC handler');
    const reply = (await handler({ sender: webContents, senderFrame: mainFrame }, { name, params })) as { ok: boolean; error?: { message: string } };
    if (!reply.ok) throw new Error(`${name}: ${reply.error?.message}`);
  };
  try {
    return await runScenarios(
      {
        gate: async () => {
          await call('loop.run');
          await projects.current().loop.idle();
        },
        verify: () => call('ledger.verify'),
        diff: () => call('git.diff', diffRange),
      },
      longestBlock,
    );
  } finally {
    ipc.dispose();
    await projects.close();
  }
}

/** A WebSocket to a host, as the CLI connects (no Origin, the CLI header), with promise-returning calls. */
export async function hostSocket(url: string) {
  const u = new URL(url);
  const ws = new WebSocket(`ws://${u.host}/ws?token=${u.searchParams.get('token') ?? ''}`, { headers: { 'x-governor-client': 'cli' } });
  await new Promise((res, rej) => {
    ws.once('open', res);
    ws.once('error', rej);
  });
  let next = 1;
  const waiting = new Map<number, { res: (v: unknown) => void; rej: (e: Error) => void }>();
  ws.on('message', (raw) => {
    const f = JSON.parse(raw.toString()) as { id?: number; ok?: boolean; result?: unknown; error?: { message: string } };
    const w = f.id === undefined ? undefined : waiting.get(f.id);
    if (!w || f.id === undefined) return;
    waiting.delete(f.id);
    if (f.ok) w.res(f.result);
    else w.rej(new Error(f.error?.message ?? 'failed'));
  });
  const call = (name: string, params: unknown = {}) =>
    new Promise<unknown>((res, rej) => {
      const id = next++;
      waiting.set(id, { res, rej });
      ws.send(JSON.stringify({ id, call: name, params }));
    });
  return { call, close: () => ws.close() };
}

/**
 * The browser path: `governor serve` as its own process (as `npx governor serve` starts it). Its event
 * loop is watched from outside, as a page meets it: a second connection asks for the cheapest call
 * (`projects.current`) every few milliseconds, and the longest wait for an answer, less the usual
 * answer time, is how long the host held everyone.
 */
async function servedProcess(dir: string, diffRange: { from: string; to: string }, home: string) {
  ensureRendererBuilt();
  const child = spawn(process.execPath, [resolve(import.meta.dirname, '..', 'bin', 'governor.mjs'), 'serve', '--dir', dir, '--port', '0'], { env: { ...process.env, NO_COLOR: '1', GOVERNOR_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let out = '';
    const url = await new Promise<string>((res, rej) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /(http:\/\/\S+\/\?token=\S+)/.exec(out);
        if (m?.[1]) res(m[1]);
      });
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.once('exit', (code) => rej(new Error(`governor serve exited with ${code}: ${out}`)));
    });
    const worker = await hostSocket(url);
    const probe = await hostSocket(url);
    // The usual answer time, on an idle host.
    const idle: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t = performance.now();
      await probe.call('projects.current');
      idle.push(performance.now() - t);
    }
    const usual = idle.sort((a, b) => a - b)[25] ?? 0;
    const measure = async (fn: () => Promise<unknown>): Promise<Measured> => {
      let worst = 0;
      let running = true;
      const probing = (async () => {
        while (running) {
          const t = performance.now();
          await probe.call('projects.current');
          worst = Math.max(worst, performance.now() - t);
          await new Promise((r) => setTimeout(r, 2));
        }
      })();
      const t0 = performance.now();
      await fn();
      const totalMs = performance.now() - t0;
      running = false;
      await probing;
      return { blockMs: Math.max(0, worst - usual), totalMs };
    };
    const status = async () => (await worker.call('project.status')) as { loop: { running: boolean } };
    const results = await runScenarios(
      {
        gate: async () => {
          await worker.call('loop.run');
          while ((await status()).loop.running) await new Promise((r) => setTimeout(r, 20));
        },
        verify: async () => void (await worker.call('ledger.verify')),
        diff: async () => void (await worker.call('git.diff', diffRange)),
      },
      measure,
    );
    worker.close();
    probe.close();
    return results;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

/**
 * The longest block of the process that owns the window, in the desktop app (in-process, as Electron's
 * main process runs the engine) and in the browser path (`governor serve` as a process), while a QA gate
 * runs the project's tests, while Verify chain checks a big ledger, and while a diff of big files loads.
 */
export async function benchWindow(events: number): Promise<Figure[]> {
  const root = tempDir();
  const dir = join(root, 'project');
  await initProject(dir, { sample: true });
  const setup = await openProject(dir);
  try {
    await driveToGate(setup);
    fillLedger(setup.ledger, events);
    await setup.exporter.sync();
  } finally {
    setup.close();
  }
  const diffRange = bigFileCommits(dir);
  // The same project for the host, before the desktop run moves it past its gate.
  const served = join(root, 'served');
  cpSync(dir, served, { recursive: true });

  const n = events.toLocaleString('en');
  const rows = (where: string, r: Awaited<ReturnType<typeof inProcess>>): Figure[] =>
    (
      [
        ['the loop through a QA gate (the project\'s tests)', r.gate],
        [`Verify chain, ${n} events`, r.verify],
        ['a diff of a 5,000-line and a 3 MB file', r.diff],
      ] as const
    ).flatMap(([what, m]) => [
      { name: `${where}: longest block during ${what}`, value: m.blockMs, unit: 'ms', budget: `< ${GOAL_MS} ms`, ok: m.blockMs < GOAL_MS },
      { name: `  (the whole call took)`, value: m.totalMs, unit: 'ms' },
    ]);
  try {
    const desktop = await inProcess(root, dir, diffRange);
    const host = await servedProcess(served, diffRange, join(root, 'home'));
    return [...rows('desktop main process', desktop), ...rows('governor serve', host)];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
