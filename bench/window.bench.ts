import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
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
async function driveToGate(p: OpenedProject): Promise<void> {
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
function bigFileCommits(dir: string): { from: string; to: string } {
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

  // The desktop main process, minus Electron: the project wiring and the IPC handler, a stand-in window.
  const rendererDir = join(root, 'renderer');
  const mainFrame = { url: rendererIndexUrl(rendererDir), parent: null, processId: 1, routingId: 1 };
  const webContents = { mainFrame, send: () => {} };
  const window = { isDestroyed: () => false, webContents };
  const handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>>();
  const projects = await startDesktopProjects(dir, {
    send: (event, data) => webContents.send(),
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
    return reply;
  };

  const figures: Figure[] = [];
  const n = events.toLocaleString('en');
  try {
    const gate = await longestBlock(async () => {
      await call('loop.run');
      await projects.current().loop.idle();
    });
    const stage = projects.current().p.read.project()?.stage;
    const verify = await longestBlock(() => call('ledger.verify'));
    const diff = await longestBlock(() => call('git.diff', diffRange));
    const row = (what: string, r: { blockMs: number; totalMs: number }) => [
      { name: `${what}: longest block of the window's process`, value: r.blockMs, unit: 'ms', budget: `< ${GOAL_MS} ms`, ok: r.blockMs < GOAL_MS },
      { name: `  ${what}: whole call`, value: r.totalMs, unit: 'ms' },
    ];
    figures.push(...row(`loop through the QA gate (to ${stage})`, gate), ...row(`Verify chain, ${n} events`, verify), ...row('diff of a 5,000-line and a 3 MB file', diff));
  } finally {
    ipc.dispose();
    await projects.close();
    rmSync(root, { recursive: true, force: true });
  }
  return figures;
}
