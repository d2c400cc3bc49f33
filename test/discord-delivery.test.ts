import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createOutbox } from '../electron/core/discord/outbox.ts';
import { enqueueDailyIfDue } from '../electron/core/discord/daily.ts';
import { discordStatus, queueTestMessage } from '../electron/core/discord/status.ts';
import type { RecordedMessage } from './support/fake-discord/index.ts';
import { createApi, dispatch } from '../electron/core/api.ts';
import {
  LINKS_HOME,
  NO_LOOP,
  REVIEWER,
  askReview,
  botYaml,
  drained,
  raise,
  summaries,
  stoppedAfterEach,
} from './support/discord.ts';

const BIN = resolve(import.meta.dirname, '..', 'bin', 'governor.mjs');

describe('Discord delivery guarantees', () => {
  // Registered first, so its stops run after the kills below (vitest runs afterEach hooks latest first).
  const rig = stoppedAfterEach();
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  });

  it('through 500s, a send that failed after Discord stored it, 429s and a dropped gateway: every message once, in order', async () => {
    const f = await rig.fake();
    const proj = (await rig.project(botYaml(f))).p;
    await rig.bridge(proj, { DISCORD_BOT_TOKEN: f.token });
    const want: string[] = [];
    const add = (n: number, tag: string) => {
      for (let i = 1; i <= n; i++) {
        const s = `${tag} alert ${i}`;
        want.push(s);
        raise(proj, 'warning', s);
      }
    };
    f.failNext(3, 500);
    add(3, 'five-hundred');
    f.failNext(1, 500, { afterCommit: true }); // Discord stored it, then the answer was lost: the nonce must prevent a copy
    add(2, 'lost-answer');
    f.failNext(2, 429, { retryAfterMs: 1000 }); // longer than the outbox's own backoff (≤ 400 ms here): only honouring it waits that long
    add(3, 'rate-limited');
    const before = f.gatewayConnections();
    f.dropGateway();
    add(3, 'gateway-dropped');
    await drained(f, proj, 30_000);
    expect(summaries(f.messages(f.channelId('agent-concerns')))).toEqual(want);
    // The gateway came back and interactions work again.
    await f.waitFor(() => f.gatewayConnections() > before, 15_000);
    const { id } = await f.slash({ name: 'help', userId: REVIEWER });
    await f.waitFor(() => f.messages().find((m) => m.interaction_id === id && m.content.includes('Commands:')), 10_000);
    const failed = f.requests().filter((r) => r.method === 'POST' && r.path.endsWith('/messages') && r.status >= 429);
    expect(failed.map((r) => r.status)).toEqual([500, 500, 500, 500, 429, 429]);
    // Every retry after a 429 waited the retry_after it announced: no request reached that bucket early.
    expect(f.violations()).toEqual([]);
    expect(discordStatus(proj)).toMatchObject({ configured: true, mode: 'bot', pending: 0, dead: 0, last_error: null });
  });

  it('a bridge killed with -9 while rows are queued is restarted: no loss, no duplicates, in order', async () => {
    const f = await rig.fake({ rateLimit: { limit: 2, windowMs: 300 } });
    const proj = (await rig.project(botYaml(f))).p;
    const want = Array.from({ length: 14 }, (_, i) => `queued alert ${i + 1}`);
    for (const s of want) raise(proj, 'info', s);
    expect(createOutbox(proj.ledger.db).counts().pending).toBe(14);
    const env = { ...process.env, DISCORD_BOT_TOKEN: f.token, NO_COLOR: '1' };
    const run = () => {
      const c = spawn(process.execPath, [BIN, 'discord', 'run', '--dir', proj.dir], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(c);
      return c;
    };
    const concerns = f.channelId('agent-concerns');
    const first = run();
    await f.waitFor(() => summaries(f.messages(concerns)).length >= 4, 60_000);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const delivered = summaries(f.messages(concerns)).length;
    expect(delivered).toBeLessThan(14);
    const second = run();
    await drained(f, proj, 60_000);
    expect(summaries(f.messages(concerns))).toEqual(want);
    second.kill('SIGTERM');
    await new Promise((r) => second.once('exit', r));
  }, 120_000);

  it("kill -9 while a POST is in flight, with Discord's nonce check off: the restarted bridge finds " +
    'the message, 0 duplicates', async () => {
    const f = await rig.fake({ enforceNonce: false });
    const proj = (await rig.project(botYaml(f))).p;
    const want = Array.from({ length: 30 }, (_, i) => `burst alert ${i + 1}`);
    for (const s of want) raise(proj, 'info', s);
    const env = { ...process.env, DISCORD_BOT_TOKEN: f.token, NO_COLOR: '1', GOVERNOR_HOME: LINKS_HOME };
    const run = () => {
      const c = spawn(process.execPath, [BIN, 'discord', 'run', '--no-loop', '--dir', proj.dir], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(c);
      return c;
    };
    const concerns = f.channelId('agent-concerns');
    const first = run();
    await f.waitFor(() => summaries(f.messages(concerns)).length >= 5, 60_000);
    // Park the next message POST: Discord has it, the bridge waits for the answer, and is killed meanwhile.
    const gate = f.holdRequests(/^\/channels\/\d+\/messages$/, 'POST');
    await f.waitFor(() => gate.held() === 1, 30_000, 'a POST in flight');
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    gate.release(); // Discord stores it; the answer goes nowhere
    const stored = summaries(f.messages(concerns)).length;
    expect(stored).toBeLessThan(30);
    const second = run();
    await drained(f, proj, 60_000);
    expect(summaries(f.messages(concerns))).toEqual(want);
    second.kill('SIGTERM');
    await new Promise((r) => second.once('exit', r));
  }, 120_000);

  it('webhook-only mode: outbound through webhooks, no buttons, a test message and one daily status a day', async () => {
    const f = await rig.fake();
    const concernsHook = f.createWebhook('agent-concerns');
    const healthHook = f.createWebhook('system-health');
    const yaml = [
      'mode: webhook',
      'webhooks:',
      '  agent-concerns: { url_env: HOOK_CONCERNS }',
      '  system-health: { url_env: HOOK_HEALTH }',
      'daily_status: { at: "09:00", timezone: UTC }',
      `api: ${f.api}`,
    ].join('\n');
    const proj = (await rig.project(yaml)).p;
    const env = { HOOK_CONCERNS: concernsHook.url, HOOK_HEALTH: healthHook.url };
    f.failNext(1, 502);
    raise(proj, 'critical', 'Backtest drift > 3σ');
    const review = askReview(proj);
    const key = queueTestMessage(proj);
    // The bridge's own scheduler, at 10:00 on a day whose post is due at 09:00: it queues that day's status.
    const morning = () => new Date('2026-11-25T10:00:00Z');
    let b = await rig.bridge(proj, env, [], morning);
    expect(createOutbox(proj.ledger.db).byKey('daily:2026-11-25')).toBeTruthy();
    expect(
      enqueueDailyIfDue(createOutbox(proj.ledger.db), proj.read, '09:00', 'UTC', new Date('2026-11-25T18:00:00Z')),
    ).toBe(false);
    expect(
      enqueueDailyIfDue(createOutbox(proj.ledger.db), proj.read, '09:00', 'UTC', new Date('2026-11-26T08:59:00Z')),
    ).toBe(false);
    b.poke();
    await drained(f, proj);
    const all = f.messages();
    expect(all.every((m) => m.via === 'webhook')).toBe(true);
    expect(summaries(f.messages(f.channelId('agent-concerns')))).toEqual(['Backtest drift > 3σ']);
    const health = f.messages(f.channelId('system-health'));
    // #approvals has no webhook: the review request goes to #system-health, without buttons, saying where to decide.
    const req = health.find((m) => JSON.stringify(m.embeds).includes(review.id));
    expect(req?.components).toEqual([]);
    expect(JSON.stringify(req?.embeds)).toContain('Decide this review in the Governor app (Reviews).');
    expect(JSON.stringify(req?.embeds)).not.toContain('governor decide');
    expect(health.some((m) => JSON.stringify(m.embeds).includes('Governor test message'))).toBe(true);
    const daily = health.filter((m) => JSON.stringify(m.embeds).includes('Daily status'));
    expect(daily).toHaveLength(1);
    expect(JSON.stringify(daily[0]?.embeds)).toMatch(/Tasks: \d+ \/ \d+ Complete.*Open Concerns: 1 \(1 critical\)/);
    expect(createOutbox(proj.ledger.db).byKey(key)?.state).toBe('sent');
    expect(f.channels().filter((c) => c.type === 11)).toEqual([]);
    // A restart the same day does not post it again.
    await b.stop();
    b = await rig.bridge(proj, env, [], morning);
    b.poke();
    await drained(f, proj);
    expect(
      f.messages(f.channelId('system-health')).filter((m) => JSON.stringify(m.embeds).includes('Daily status')),
    ).toHaveLength(1);
  });

  it('webhook mode: the messages follow each decision too, edited through the webhook that posted them', async () => {
    const f = await rig.fake();
    const concernsHook = f.createWebhook('agent-concerns');
    const approvalsHook = f.createWebhook('approvals');
    const yaml = [
      'mode: webhook',
      'webhooks:',
      '  agent-concerns: { url_env: HOOK_CONCERNS }',
      '  approvals: { url_env: HOOK_APPROVALS }',
      `api: ${f.api}`,
    ].join('\n');
    const proj = (await rig.project(yaml)).p;
    await rig.bridge(proj, { HOOK_CONCERNS: concernsHook.url, HOOK_APPROVALS: approvalsHook.url });
    const concern = raise(proj, 'warning', 'Flaky fixture in the 2019 data');
    const review = askReview(proj, 'Plan for the optimizer');
    await drained(f, proj);
    const posted = (channel: string, id: string) =>
      f.messages(f.channelId(channel)).find((m) => m.via === 'webhook' && JSON.stringify(m.embeds).includes(id));
    const alert = posted('agent-concerns', concern);
    const request = posted('approvals', review.id);
    expect(alert?.edits).toBe(0);
    expect(request?.edits).toBe(0);

    const api = createApi(proj, NO_LOOP, { user: 'Human', source: 'ui' });
    await dispatch(api, 'reviews.decide', { reviewId: review.id, decision: 'approve', comment: '', inline: [] });
    await dispatch(api, 'concerns.act', { concernId: concern, action: 'resolve', note: 'pinned the seed' });
    await f.waitFor(
      () => posted('agent-concerns', concern)?.edits && posted('approvals', review.id)?.edits,
      10_000,
      'both edits',
    );
    await drained(f, proj);
    const text = (m: RecordedMessage | undefined) =>
      ((m?.embeds[0] ?? {}) as { description?: string }).description ?? '';
    expect(text(posted('approvals', review.id))).toMatch(/^\*\*Status:\*\* ✅ Approved by Human via ui · .* UTC\n/);
    expect(text(posted('agent-concerns', concern))).toMatch(
      /^\*\*Status:\*\* ✅ Resolved by Human via ui · .* UTC\n> pinned the seed/,
    );
    // The protocol: PATCH /webhooks/{id}/{token}/messages/{message_id}, with the webhook's token and no bot
    // token; which webhook posted a message is not stored, so a wrong one may answer 404 before the right one.
    const patches = f.requests().filter((r) => r.method === 'PATCH');
    const ok = (hook: { id: string; token: string }, m: RecordedMessage | undefined) =>
      patches.some((r) => r.path === `/webhooks/${hook.id}/${hook.token}/messages/${m?.id}` && r.status === 200);
    expect(ok(approvalsHook, request)).toBe(true);
    expect(ok(concernsHook, alert)).toBe(true);
    expect(patches.every((r) => r.path.startsWith('/webhooks/') && (r.status === 200 || r.status === 404))).toBe(true);
    // Edited, not posted again: one review request (its update, "Approved", follows in the channel: no threads).
    const requests = f.messages().filter((m) => JSON.stringify(m.embeds).includes('📝 Review requested'));
    expect(requests.map((m) => m.id)).toEqual([request?.id]);
  });
});
