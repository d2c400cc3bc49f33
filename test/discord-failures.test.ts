/**
 * What the outbox does when Discord says no. A configuration problem (no such channel, 403, 401) is
 * retried with backoff for as long as it takes, in order, and shown in the status; only a message Discord
 * refuses as malformed, or a row that is not a valid message, is set aside as undeliverable, and the
 * queue moves on. Set-aside rows can be queued again (`governor discord retry`, the `discord.retry` call).
 */
import { REST, Routes } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { createApi, dispatch } from '../electron/core/api.ts';
import { discordStatus, queueTestMessage } from '../electron/core/discord/status.ts';
import { NO_LOOP, botYaml, drained, outboxRows, raise, summaries, stoppedAfterEach } from './support/discord.ts';

const MESSAGES = /^\/channels\/\d+\/messages$/;

describe('Discord delivery failures', () => {
  const rig = stoppedAfterEach();

  it(
    'a missing channel is not a reason to drop an alert: retried past five attempts until setup ' +
      'creates it; other channels go on',
    async () => {
      const f = await rig.fake({
        channels: ['project-updates', 'agent-concerns', 'approvals'].map((name) => ({ name })),
      });
      const proj = (await rig.project(botYaml(f))).p;
      const key = queueTestMessage(proj);
      raise(proj, 'warning', 'Queued behind the test message');
      await rig.bridge(proj, { DISCORD_BOT_TOKEN: f.token });
      await f.waitFor(
        () => (outboxRows(proj).find((r) => r.key === key)?.attempts ?? 0) >= 7,
        15_000,
        'seven failed attempts',
      );
      // In order within a channel; a broken channel holds up only its own messages.
      await f.waitFor(() => outboxRows(proj)[1]?.state === 'sent', 5000, 'the concern in #agent-concerns');
      expect(outboxRows(proj).map((r) => r.state)).toEqual(['pending', 'sent']);
      expect(summaries(f.messages())).toEqual(['Queued behind the test message']);
      const status = discordStatus(proj);
      expect(status).toMatchObject({ pending: 1, dead: 0 });
      expect(status.last_error).toMatch(
        /no #system-health channel in the guild; create it or run `governor discord setup`/,
      );
      // What `governor discord setup` does: create the channel. The bridge finds it on its next attempt.
      const rest = new REST({ api: f.api }).setToken(f.token);
      await rest.post(Routes.guildChannels(f.guildId), { body: { name: 'system-health', type: 0 } });
      await drained(f, proj, 15_000);
      expect(
        f
          .messages(f.channelId('system-health'))
          .some((m) => JSON.stringify(m.embeds).includes('Governor test message')),
      ).toBe(true);
      expect(summaries(f.messages(f.channelId('agent-concerns')))).toEqual(['Queued behind the test message']);
      expect(discordStatus(proj)).toMatchObject({ pending: 0, dead: 0, last_error: null });
    },
  );

  it('a 403 (the bot lacks a permission) is retried without a cap and shows the fix in the status', async () => {
    const f = await rig.fake();
    const proj = (await rig.project(botYaml(f))).p;
    f.failRequests({ method: 'POST', path: MESSAGES, status: 403, code: 50001, message: 'Missing Access', count: 8 });
    raise(proj, 'critical', 'Backtest drift > 3σ');
    await rig.bridge(proj, { DISCORD_BOT_TOKEN: f.token });
    await f.waitFor(() => (outboxRows(proj)[0]?.attempts ?? 0) >= 6, 15_000, 'six refused attempts');
    expect(discordStatus(proj).last_error).toMatch(
      /HTTP 403: Missing Access; the bot lacks a permission there: give it Send Messages/,
    );
    await drained(f, proj, 15_000);
    expect(outboxRows(proj).every((r) => r.state === 'sent')).toBe(true);
    expect(summaries(f.messages(f.channelId('agent-concerns')))).toEqual(['Backtest drift > 3σ']);
    expect(f.requests().filter((r) => r.status === 403)).toHaveLength(8);
  });

  it('an update whose thread is gone (deleted, or not postable) goes to its channel instead of holding up the queue', async () => {
    const f = await rig.fake();
    const proj = (await rig.project(botYaml(f))).p;
    await rig.bridge(proj, { DISCORD_BOT_TOKEN: f.token });
    const id = raise(proj, 'warning', 'A concern whose thread is deleted');
    const concerns = f.channelId('agent-concerns');
    const first = await f.waitFor(() => f.messages(concerns).find((m) => summaries([m]).length > 0));
    const thread = await f.waitFor(() => f.threadOf(first.id));
    await drained(f, proj);
    f.failRequests({
      method: 'POST',
      path: new RegExp(`^/channels/${thread}/messages$`),
      status: 404,
      code: 10003,
      message: 'Unknown Channel',
      count: 100,
    });
    proj.ledger.transact((tx) =>
      tx.append({ type: 'concern.resolved', actor: 'Human', payload: { concern_id: id, by: 'Human', note: 'fixed' } }),
    );
    raise(proj, 'info', 'The next alert');
    await drained(f, proj);
    expect(f.messages(concerns).some((m) => JSON.stringify(m.embeds).includes(`${id} resolved by Human`))).toBe(true);
    expect(summaries(f.messages(concerns))).toEqual(['A concern whose thread is deleted', 'The next alert']);
    expect(outboxRows(proj).every((r) => r.state === 'sent')).toBe(true);
  });

  it('a message Discord calls malformed is set aside after five tries, the queue moves on, and discord.retry queues it again', async () => {
    const f = await rig.fake();
    const proj = (await rig.project(botYaml(f))).p;
    f.failRequests({
      method: 'POST',
      path: MESSAGES,
      status: 400,
      code: 50035,
      message: 'Invalid Form Body',
      count: 5,
    });
    raise(proj, 'warning', 'Refused five times');
    raise(proj, 'warning', 'Right behind it');
    await rig.bridge(proj, { DISCORD_BOT_TOKEN: f.token });
    await drained(f, proj, 15_000);
    const [dead, next] = outboxRows(proj);
    expect(dead).toMatchObject({ state: 'dead', attempts: 5 });
    expect(dead?.last_error).toMatch(/^HTTP 400: Invalid Form Body/);
    expect(next?.state).toBe('sent');
    expect(summaries(f.messages(f.channelId('agent-concerns')))).toEqual(['Right behind it']);
    expect(discordStatus(proj)).toMatchObject({ dead: 1 });

    const api = createApi(proj, NO_LOOP, { user: 'Human', source: 'ui' });
    expect(await dispatch(api, 'discord.retry', {})).toEqual({ requeued: 1 });
    await drained(f, proj, 15_000);
    expect(summaries(f.messages(f.channelId('agent-concerns')))).toEqual(['Right behind it', 'Refused five times']);
    expect(discordStatus(proj)).toMatchObject({ pending: 0, dead: 0 });
    expect(await dispatch(api, 'discord.retry', {})).toEqual({ requeued: 0 });
  });

  it('a stored row that is not a valid message is set aside with the reason instead of blocking the queue', async () => {
    const f = await rig.fake();
    const proj = (await rig.project(botYaml(f))).p;
    const insert = proj.ledger.db.prepare(
      "INSERT INTO discord_outbox (key, channel, payload, created_at) VALUES (?, 'system-health', ?, '2026-11-25T00:00:00Z')",
    );
    insert.run('bad:not-json', '{"content": "cut off');
    insert.run('bad:shape', JSON.stringify({ content: 42, embeds: [], components: [], files: [], thread_name: null }));
    raise(proj, 'info', 'After the bad rows');
    const logs: string[] = [];
    await rig.bridge(proj, { DISCORD_BOT_TOKEN: f.token }, logs);
    await drained(f, proj);
    const rows = outboxRows(proj);
    expect(rows.map((r) => [r.key.split(':')[0] === 'bad' ? r.key : 'concern', r.state])).toEqual([
      ['bad:not-json', 'dead'],
      ['bad:shape', 'dead'],
      ['concern', 'sent'],
    ]);
    expect(rows[0]?.last_error).toMatch(/^the stored message is not JSON/);
    expect(rows[1]?.last_error).toBe(
      'the stored message is not one Governor can send (content: Invalid input: expected string, received number)',
    );
    expect(summaries(f.messages(f.channelId('agent-concerns')))).toEqual(['After the bad rows']);
    expect(f.requests().filter((r) => r.path.startsWith(`/channels/${f.channelId('system-health')}`))).toEqual([]);
    expect(logs.some((l) => l.includes('set aside bad:shape'))).toBe(true);
    expect(discordStatus(proj).last_error).toMatch(/^bad:not-json: the stored message is not JSON/);
  });
});
