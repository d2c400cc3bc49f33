import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createApi, dispatch } from '../electron/core/api.ts';
import { startDiscordBridge } from '../electron/core/discord/bridge.ts';
import { openProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import type { Tx } from '../electron/core/store/ledger.ts';
import { raiseConcern, requestReview } from '../electron/core/workflow/records.ts';
import type { Severity } from '../shared/index.ts';
import { startFakeDiscord } from '../test/support/fake-discord/index.ts';
import { type Figure, tempDir } from './util.ts';

const REVIEWER = '300000000000000003';
/** Discord's global limit per bot, which discord.js's REST queue enforces by default (`globalRequestsPerSecond`). */
const GLOBAL_PER_S = 50;

async function project(fakeApi: string, guild: string) {
  const dir = join(tempDir(), 'backtester');
  await initProject(dir, { sample: true });
  writeFileSync(
    join(dir, 'discord.yaml'),
    `mode: bot\nguild_id: "${guild}"\nreviewers:\n  users: ["${REVIEWER}"]\napi: ${fakeApi}\n`,
  );
  return openProject(dir);
}

/** A test-failure concern from the Tester to the PM, in phase 1: what each figure below posts to Discord. */
const testerConcern = (tx: Tx, severity: Severity, summary: string) =>
  raiseConcern(
    tx,
    { phase: 1, from: 'Tester', to: 'ProjectManager', severity, category: 'test_failure', summary, details: '' },
    new Date().toISOString(),
  );

const pct = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? 0;

/** 500 concerns queued before the bridge starts, delivered under `rateLimit` (none: as fast as the loopback allows). */
async function burst(
  n: number,
  rateLimit?: { limit: number; windowMs: number },
): Promise<{ totalMs: number; got: number; inOrder: boolean; requests: number; violations: number }> {
  const fake = await startFakeDiscord(rateLimit ? { rateLimit } : {});
  const p = await project(fake.api, fake.guildId);
  const channel = fake.channelId('agent-concerns');
  // Enqueued before the bridge starts, so the burst is all in the outbox at t0.
  p.ledger.transact((tx) => {
    for (let i = 0; i < n; i++) testerConcern(tx, 'info', `burst ${i}`);
  });
  const t0 = performance.now();
  const r = await startDiscordBridge(p, { env: { DISCORD_BOT_TOKEN: fake.token }, inbound: false });
  if (!r.started) throw new Error(r.reason);
  await fake.waitFor(() => fake.messages(channel).length >= n, 120_000);
  const totalMs = performance.now() - t0;
  const got = fake.messages(channel).map((m) => /Summary: burst (\d+)/.exec(JSON.stringify(m.embeds))?.[1]);
  const requests = fake.requests().filter((q) => q.method === 'POST').length;
  const violations = fake.violations().length;
  await r.bridge.stop();
  p.close();
  await fake.close();
  return { totalMs, got: got.length, inOrder: got.every((g, i) => g === String(i)), requests, violations };
}

/**
 * The Discord link on loopback against the fake Discord: alert → POST latency (a concern appended to the
 * ledger until the fake has recorded its message), and a 500-alert burst under a fake rate limit of 50 per
 * second, against the theoretical minimum that limit allows.
 */
export async function benchDiscord(): Promise<Figure[]> {
  const figures: Figure[] = [];
  {
    const fake = await startFakeDiscord();
    const p = await project(fake.api, fake.guildId);
    const r = await startDiscordBridge(p, { env: { DISCORD_BOT_TOKEN: fake.token }, inbound: false });
    if (!r.started) throw new Error(r.reason);
    const channel = fake.channelId('agent-concerns');
    const times: number[] = [];
    for (let i = 0; i < 60; i++) {
      const before = fake.messages(channel).length;
      const t0 = performance.now();
      p.ledger.transact((tx) => testerConcern(tx, 'warning', `latency ${i}`));
      await fake.waitFor(() => fake.messages(channel).length > before, 10_000);
      times.push(performance.now() - t0);
      await fake.waitFor(
        () =>
          p.ledger.db
            .prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM discord_outbox WHERE state = 'pending'")
            .get()?.n === 0,
        10_000,
      );
    }
    const p95 = pct(times, 0.95);
    figures.push(
      { name: 'Discord alert → POST on loopback, p50', value: pct(times, 0.5), unit: 'ms' },
      { name: 'Discord alert → POST on loopback, p95', value: p95, unit: 'ms', budget: '≤ 1000 ms', ok: p95 <= 1000 },
    );
    await r.bridge.stop();
    p.close();
    await fake.close();
  }
  figures.push(...(await crossProcess()), ...(await decisionToEdit()));
  {
    const limit = 50;
    const windowMs = 1000;
    const n = 500;
    const limited = await burst(n, { limit, windowMs });
    // The same burst with no channel limit: what is left is Discord's other limit, 50 requests a second per
    // bot, which discord.js keeps to on its own (each concern is two requests: its message and its thread).
    const free = await burst(n);
    const channelMin = (Math.ceil(n / limit) - 1) * windowMs;
    const globalMin = (Math.ceil(limited.requests / GLOBAL_PER_S) - 1) * 1000;
    const minimum = Math.max(channelMin, globalMin);
    const ok = limited.inOrder && limited.got === n;
    figures.push(
      {
        name: `Discord 500-alert burst at ${limit}/s: delivered, in order, once`,
        value: limited.got,
        unit: ok ? 'msgs ✓' : 'msgs ✗',
        ok,
      },
      { name: 'Discord 500-alert burst: REST requests (message + thread each)', value: limited.requests, unit: 'req' },
      {
        name: 'Discord 500-alert burst: requests sent before the announced wait',
        value: limited.violations,
        unit: 'req',
        budget: '0',
        ok: limited.violations === 0,
      },
      { name: 'Discord 500-alert burst: total time', value: limited.totalMs / 1000, unit: 's' },
      { name: `  minimum at ${limit} msgs/s per channel`, value: channelMin / 1000, unit: 's' },
      { name: `  minimum at ${GLOBAL_PER_S} requests/s per bot (global)`, value: globalMin / 1000, unit: 's' },
      { name: 'Discord 500-alert burst: total / theoretical minimum', value: limited.totalMs / minimum, unit: '×' },
      { name: 'Discord 500-alert burst, no channel limit: total', value: free.totalMs / 1000, unit: 's' },
    );
  }
  return figures;
}

/**
 * Alert → POST across processes: the link runs as users start it (`governor discord run`, its own process),
 * and this process commits concerns, as the loop or a CLI would; the link sees the database change
 * (fs.watch) and posts. Timed from this process's commit to the fake's answer to the POST, both on this
 * process's clock (the fake lives here).
 */
export async function crossProcess(): Promise<Figure[]> {
  const fake = await startFakeDiscord();
  const p = await project(fake.api, fake.guildId);
  const channel = fake.channelId('agent-concerns');
  const env = { ...process.env, DISCORD_BOT_TOKEN: fake.token, NO_COLOR: '1', GOVERNOR_HOME: tempDir() };
  const child = spawn(
    process.execPath,
    [resolve(import.meta.dirname, '..', 'bin', 'governor.mjs'), 'discord', 'run', '--no-loop', '--dir', p.dir],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines = createInterface({ input: child.stdout });
  await new Promise<void>((res) => lines.on('line', (l) => l.includes('delivering this project') && res()));
  const posts = () => fake.requests().filter((q) => q.method === 'POST' && q.path === `/channels/${channel}/messages`);
  const times: number[] = [];
  for (let i = 0; i < 40; i++) {
    const before = posts().length;
    const t0 = performance.now();
    p.ledger.transact((tx) => testerConcern(tx, 'warning', `xp ${i}`));
    const post = await fake.waitFor(() => posts()[before], 10_000);
    times.push(post.at - t0);
    await new Promise((res) => setTimeout(res, 50));
  }
  child.kill('SIGTERM');
  await new Promise((res) => child.once('exit', res));
  p.close();
  await fake.close();
  const p95 = pct(times, 0.95);
  return [
    { name: 'Discord alert → POST cross-process (fs.watch), p50', value: pct(times, 0.5), unit: 'ms' },
    {
      name: 'Discord alert → POST cross-process (fs.watch), p95',
      value: p95,
      unit: 'ms',
      budget: '≤ 1000 ms',
      ok: p95 <= 1000,
    },
  ];
}

/** Decision → edit: a review decided through the contract until the fake has the edit of its message. */
export async function decisionToEdit(): Promise<Figure[]> {
  const fake = await startFakeDiscord();
  const p = await project(fake.api, fake.guildId);
  const r = await startDiscordBridge(p, { env: { DISCORD_BOT_TOKEN: fake.token }, inbound: false });
  if (!r.started) throw new Error(r.reason);
  const NO_LOOP = {
    running: false,
    waiting: [],
    start: () => ({ started: false, reason: 'bench' }),
    idle: async () => {},
    stop: async () => {},
  };
  const api = createApi(p, NO_LOOP, { user: 'Human', source: 'ui' });
  const ids: string[] = [];
  p.ledger.transact((tx) => {
    for (let i = 0; i < 40; i++)
      ids.push(
        requestReview(
          tx,
          {
            kind: 'plan',
            phase: 1,
            title: `Plan ${i}`,
            requested_by: 'ProjectManager',
            impact: 'low',
            subject: { path: 'docs/PLAN.md', revision: 1 },
            context: [],
            handoff_id: null,
            summary: 'x',
          },
          new Date().toISOString(),
        ).id,
      );
  });
  await fake.waitFor(
    () =>
      p.ledger.db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM discord_outbox WHERE state = 'pending'").get()
        ?.n === 0,
    60_000,
  );
  const times: number[] = [];
  for (const id of ids) {
    const before = fake.requests().length;
    const t0 = performance.now();
    await dispatch(api, 'reviews.decide', { reviewId: id, decision: 'approve', comment: '', inline: [] });
    const patch = await fake.waitFor(
      () =>
        fake
          .requests()
          .slice(before)
          .find((q) => q.method === 'PATCH' && q.status === 200),
      10_000,
    );
    times.push(patch.at - t0);
  }
  await r.bridge.stop();
  p.close();
  await fake.close();
  const p95 = pct(times, 0.95);
  return [
    { name: 'Discord decision → message edit, p50', value: pct(times, 0.5), unit: 'ms' },
    { name: 'Discord decision → message edit, p95', value: p95, unit: 'ms', budget: '≤ 1000 ms', ok: p95 <= 1000 },
  ];
}
