import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { openProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import { startDesktopProjects } from '../electron/main/desktop-projects.ts';
import { type InvokeEventLike, bindContractIpc } from '../electron/main/ipc.ts';
import { rendererIndexUrl } from '../electron/main/security.ts';
import { IPC_CHANNELS, IpcReply } from '../shared/ipc.ts';
import { ensureRendererBuilt } from '../e2e/support/renderer-build.ts';
import { driveSampleToGate } from '../test/support/drive-sample.ts';
import { fillLedger } from './big-ledger.ts';
import { type Figure, startServe, tempDir } from './util.ts';

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
const CPU_ROW = '  CPU the process used in it (the rest: waiting for a core)';
const goal = (ms: number) => ({ budget: `< ${GOAL_MS} ms`, ok: ms < GOAL_MS });

/** Two commits (not on any branch, so no agent's branch moves) changing a 5,000-line file and a multi-MB one. */
export function bigFileCommits(dir: string): { from: string; to: string } {
  const git = (args: string[], input?: string) =>
    execFileSync('git', args, { cwd: dir, input, encoding: 'utf8', maxBuffer: 64 << 20 }).trim();
  // Varied lines (a seeded hash per line), so the objects compress like real source, not like a pattern.
  const token = (i: number) =>
    createHash('sha1')
      .update(String(i))
      .digest('hex')
      .slice(0, 12 + (i % 20));
  const line = (i: number, tag: string) => `${tag} ${i}: const v_${token(i)} = compute(${i}, "${token(i * 7)}");`;
  const lines = (n: number, tag: string, every: number) =>
    Array.from({ length: n }, (_, i) => line(i, i % every === 0 ? tag : 'same')).join('\n');
  const commit = (tag: string, parent: string | null) => {
    const src = git(['hash-object', '-w', '--stdin'], `${lines(5_000, tag, 7)}\n`);
    const big = git(['hash-object', '-w', '--stdin'], `${lines(60_000, tag, 3)}\n`); // ~3 MB
    const tree = git(['mktree'], `100644 blob ${src}\tbig-source.ts\n100644 blob ${big}\tbig-data.txt\n`);
    return git(['commit-tree', tree, '-m', `bench ${tag}`, ...(parent ? ['-p', parent] : [])]);
  };
  const from = commit('old', null);
  return { from, to: commit('new', from) };
}

/**
 * The longest block of this process's event loop while `fn` runs: a 1 ms timer re-armed on every tick, and
 * the longest gap between two ticks, less the timer's own interval. Beside it, the CPU this process used
 * in that gap: on a machine shared with other work, a gap far longer than its CPU was spent waiting for a
 * core, not running our code.
 */
async function longestBlock(fn: () => Promise<unknown>): Promise<Measured> {
  let worst = { gap: 0, cpuMs: 0 };
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  let ticking = true;
  const tick = () => {
    const now = performance.now();
    const cpu = process.cpuUsage();
    const cpuMs = (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000;
    if (now - last > worst.gap) worst = { gap: now - last, cpuMs };
    last = now;
    lastCpu = cpu;
    if (ticking) setTimeout(tick, 1);
  };
  setTimeout(tick, 1);
  const t0 = performance.now();
  await fn();
  const totalMs = performance.now() - t0;
  // Let the timer fire once more, so a block at the very end is counted too.
  await new Promise((r) => setTimeout(r, 10));
  ticking = false;
  return { blockMs: Math.max(0, worst.gap - 1), cpuMs: worst.cpuMs, totalMs };
}

/** The longest block (wall), the CPU the process used during it (null where not measurable), the whole call. */
type Measured = { blockMs: number; cpuMs: number | null; totalMs: number };

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
    const handler = handlers.get(IPC_CHANNELS.call);
    if (!handler) throw new Error('no IPC handler');
    const reply = IpcReply.parse(await handler({ sender: webContents, senderFrame: mainFrame }, { name, params }));
    if (!reply.ok) throw new Error(`${name}: ${reply.error.message}`);
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

/** CPU time (user + system) a process has used, from /proc (Linux, 10 ms steps); null elsewhere. */
function cpuMsOf(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /, '')
      .split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
/** Linux's USER_HZ: /proc counts CPU time in hundredths of a second on every architecture Node runs on. */
const CLOCK_TICKS = 100;

/** A WebSocket to a host, as the CLI connects (no Origin, the CLI header), with promise-returning calls. */
export async function hostSocket(url: string) {
  const u = new URL(url);
  const token = u.searchParams.get('token') ?? '';
  const ws = new WebSocket(`ws://${u.host}/ws?token=${token}`, { headers: { 'x-governor-client': 'cli' } });
  await new Promise((res, rej) => {
    ws.once('open', res);
    ws.once('error', rej);
  });
  let next = 1;
  const waiting = new Map<number, { res: (v: unknown) => void; rej: (e: Error) => void }>();
  ws.on('message', (raw) => {
    type Frame = { id?: number; ok?: boolean; result?: unknown; error?: { message: string } };
    const f = JSON.parse(raw.toString()) as Frame;
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
  const { child, url: served } = startServe(dir, home);
  try {
    const url = await served;
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
      let worst = { wait: 0, cpuMs: null as number | null };
      let running = true;
      const probing = (async () => {
        while (running) {
          const t = performance.now();
          const cpu = cpuMsOf(child.pid);
          await probe.call('projects.current');
          const wait = performance.now() - t;
          const after = cpuMsOf(child.pid);
          if (wait > worst.wait) worst = { wait, cpuMs: cpu === null || after === null ? null : after - cpu };
          await new Promise((r) => setTimeout(r, 2));
        }
      })();
      const t0 = performance.now();
      await fn();
      const totalMs = performance.now() - t0;
      running = false;
      await probing;
      return { blockMs: Math.max(0, worst.wait - usual), cpuMs: worst.cpuMs, totalMs };
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
    await driveSampleToGate(setup, '0 means flat');
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
        ["the loop through a QA gate (the project's tests)", r.gate],
        [`Verify chain, ${n} events`, r.verify],
        ['a diff of a 5,000-line and a 3 MB file', r.diff],
      ] as const
    ).flatMap(([what, m]) => [
      { name: `${where}: longest block during ${what}`, value: m.blockMs, unit: 'ms', ...goal(m.blockMs) },
      ...(m.cpuMs === null ? [] : [{ name: CPU_ROW, value: m.cpuMs, unit: 'ms' }]),
      { name: '  the whole call', value: m.totalMs, unit: 'ms' },
    ]);
  try {
    const load = loadavg()[0] ?? 0;
    const desktop = await inProcess(root, dir, diffRange);
    const host = await servedProcess(served, diffRange, join(root, 'home'));
    const context = { name: 'machine load (1-minute average) when the bench started', value: load, unit: '' };
    return [context, ...rows('desktop main process', desktop), ...rows('governor serve', host)];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
