import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDiscordBridge } from '../electron/core/discord/bridge.ts';
import { openProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import { raiseConcern } from '../electron/core/workflow/records.ts';
import { startFakeDiscord } from '../test/support/fake-discord/index.ts';
import { type Figure, tempDir } from './util.ts';

const REVIEWER = '300000000000000003';

async function project(fakeApi: string, guild: string) {
  const dir = join(tempDir(), 'backtester');
  await initProject(dir, { sample: true });
  writeFileSync(join(dir, 'discord.yaml'), `mode: bot\nguild_id: "${guild}"\nreviewers:\n  users: ["${REVIEWER}"]\napi: ${fakeApi}\n`);
  return openProject(dir);
}

const pct = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? 0;

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
      p.ledger.transact((tx) => raiseConcern(tx, { phase: 1, from: 'Tester', to: 'ProjectManager', severity: 'warning', category: 'test_failure', summary: `latency ${i}`, details: '' }, new Date().toISOString()));
      await fake.waitFor(() => fake.messages(channel).length > before, 10_000);
      times.push(performance.now() - t0);
      await fake.waitFor(() => p.ledger.db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM discord_outbox WHERE state = 'pending'").get()?.n === 0, 10_000);
    }
    const p95 = pct(times, 0.95);
    figures.push({ name: 'Discord alert → POST on loopback, p50', value: pct(times, 0.5), unit: 'ms' }, { name: 'Discord alert → POST on loopback, p95', value: p95, unit: 'ms', budget: '≤ 1000 ms', ok: p95 <= 1000 });
    await r.bridge.stop();
    p.close();
    await fake.close();
  }
  {
    const limit = 50;
    const windowMs = 1000;
    const n = 500;
    const fake = await startFakeDiscord({ rateLimit: { limit, windowMs } });
    const p = await project(fake.api, fake.guildId);
    const channel = fake.channelId('agent-concerns');
    // Enqueued before the bridge starts, so the burst is all in the outbox at t0.
    p.ledger.transact((tx) => {
      for (let i = 0; i < n; i++) raiseConcern(tx, { phase: 1, from: 'Tester', to: 'ProjectManager', severity: 'info', category: 'test_failure', summary: `burst ${i}`, details: '' }, new Date().toISOString());
    });
    const t0 = performance.now();
    const r = await startDiscordBridge(p, { env: { DISCORD_BOT_TOKEN: fake.token }, inbound: false });
    if (!r.started) throw new Error(r.reason);
    await fake.waitFor(() => fake.messages(channel).length >= n, 120_000);
    const total = performance.now() - t0;
    const got = fake.messages(channel).map((m) => /Summary: burst (\d+)/.exec(JSON.stringify(m.embeds))?.[1]);
    const inOrder = got.every((g, i) => g === String(i));
    const minimum = (Math.ceil(n / limit) - 1) * windowMs;
    figures.push(
      { name: `Discord 500-alert burst at ${limit}/s: delivered, in order, once`, value: got.length, unit: inOrder && got.length === n ? 'msgs ✓' : 'msgs ✗', ok: inOrder && got.length === n },
      { name: 'Discord 500-alert burst: total time', value: total / 1000, unit: 's' },
      { name: 'Discord 500-alert burst: theoretical minimum at the limit', value: minimum / 1000, unit: 's' },
      { name: 'Discord 500-alert burst: total / minimum', value: total / minimum, unit: '×' },
    );
    await r.bridge.stop();
    p.close();
    await fake.close();
  }
  return figures;
}
