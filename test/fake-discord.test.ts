/**
 * The fake Discord against the REAL discord.js 14.28.1 client: login over the fake gateway, REST sends
 * (JSON, multipart, nonce de-duplication, threads, replies), injected 5xx/429 failures, rate-limit buckets
 * and the violations of them, errors injected on any route, held requests, slash/button/modal interactions
 * and a dropped gateway connection.
 */
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  ChannelType,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  HTTPError,
  LabelBuilder,
  ModalBuilder,
  RateLimitError,
  REST,
  Routes,
  TextInputBuilder,
  TextInputStyle,
  WebhookClient,
  type Interaction,
  type TextChannel,
} from 'discord.js';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord } from './support/fake-discord/index.ts';

const USER = '400000000000000004';
const APPROVER_ROLE = '500000000000000005';

let fake: FakeDiscord;
let client: Client;
/** What the bot saw, in order, for assertions; handler errors go here too so they fail the test. */
const seen: string[] = [];
const handlerErrors: unknown[] = [];

async function onInteraction(i: Interaction): Promise<void> {
  if (i.isChatInputCommand() && i.commandName === 'status') {
    const hasRole = i.inCachedGuild() && i.member.roles.cache.has(APPROVER_ROLE);
    seen.push(`slash:${i.options.getString('project', true)}:${String(hasRole)}:${i.channelId}`);
    await i.deferReply();
    await i.editReply(`status of ${i.options.getString('project', true)}`);
  } else if (i.isChatInputCommand() && i.commandName === 'ping') {
    seen.push(`ping:${i.id}`);
    await i.reply({ content: 'pong' });
  } else if (i.isButton() && i.customId === 'approve:1') {
    seen.push(`button:${i.message.id}`);
    const reason = new TextInputBuilder().setCustomId('reason').setStyle(TextInputStyle.Short);
    await i.showModal(
      new ModalBuilder()
        .setCustomId('approve-modal:1')
        .setTitle('Approve')
        .addLabelComponents(new LabelBuilder().setLabel('Reason').setTextInputComponent(reason)),
    );
  } else if (i.isModalSubmit() && i.customId === 'approve-modal:1') {
    const reason = i.fields.getTextInputValue('reason');
    seen.push(`modal:${reason}`);
    if (i.isFromMessage()) await i.update({ content: `approved: ${reason}`, components: [] });
  } else if (i.isModalSubmit() && i.customId === 'plain-modal') {
    seen.push(`plain-modal:${i.fields.getTextInputValue('note')}`);
    await i.reply({ content: 'noted', flags: 64 });
  }
}

beforeAll(async () => {
  fake = await startFakeDiscord({ roles: [{ id: APPROVER_ROLE, name: 'approver' }] });
  client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.api } });
  client.on(Events.InteractionCreate, (i) => {
    onInteraction(i).catch((e: unknown) => handlerErrors.push(e));
  });
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(fake.token);
  await ready;
  await client.guilds.cache.get(fake.guildId)?.commands.set([
    {
      name: 'status',
      description: 'Project status',
      options: [{ type: 3, name: 'project', description: 'Project', required: true }],
    },
    { name: 'ping', description: 'Ping' },
  ]);
});

afterAll(async () => {
  await client?.destroy();
  await fake?.close();
  expect(handlerErrors).toEqual([]);
});

function channel(name: string): TextChannel {
  const c = client.channels.cache.get(fake.channelId(name));
  if (!c || c.type !== ChannelType.GuildText) throw new Error(`no text channel ${name} in the client cache`);
  return c;
}

describe('fake Discord with the real discord.js client', () => {
  it('logs in and sees the guild, its channels and slash commands', () => {
    const guild = client.guilds.cache.get(fake.guildId);
    expect(guild?.name).toBe('Governor Test Guild');
    expect(guild?.channels.cache.map((c) => c.name).sort()).toEqual([
      'agent-concerns',
      'approvals',
      'project-updates',
      'system-health',
    ]);
    expect(guild?.roles.cache.get(APPROVER_ROLE)?.name).toBe('approver');
    expect(client.user?.id).toBe(fake.applicationId);
    expect(fake.commands().map((c) => c.name)).toEqual(['status', 'ping']);
    expect(fake.gatewayConnections()).toBe(1);
  });

  it('records one message for a repeated nonce with enforceNonce, two without', async () => {
    const ch = channel('project-updates');
    const a = await ch.send({ content: 'phase 1 done', nonce: 'n-1', enforceNonce: true });
    const b = await ch.send({ content: 'phase 1 done', nonce: 'n-1', enforceNonce: true });
    expect(b.id).toBe(a.id);
    expect(fake.messages(ch.id).filter((m) => m.nonce === 'n-1')).toHaveLength(1);
    await ch.send({ content: 'again', nonce: 'n-2' });
    await ch.send({ content: 'again', nonce: 'n-2' });
    expect(fake.messages(ch.id).filter((m) => m.nonce === 'n-2')).toHaveLength(2);
  });

  it('parses multipart sends and records the attachment text', async () => {
    const ch = channel('system-health');
    const sent = await ch.send({
      content: 'report attached',
      files: [{ attachment: Buffer.from('all green\n'), name: 'health.txt' }],
    });
    expect(sent.attachments.first()?.name).toBe('health.txt');
    const rec = fake.messages(ch.id).find((m) => m.id === sent.id);
    expect(rec?.attachments).toEqual([{ filename: 'health.txt', content: 'all green\n' }]);
    expect(rec?.content).toBe('report attached');
  });

  it('starts a thread on a message and posts into it', async () => {
    const ch = channel('agent-concerns');
    const msg = await ch.send('concern C-7: flaky test');
    const thread = await msg.startThread({ name: 'C-7' });
    expect(fake.threadOf(msg.id)).toBe(thread.id);
    expect(fake.channels().find((c) => c.id === thread.id)).toMatchObject({ type: 11, parent_id: ch.id, name: 'C-7' });
    await thread.send('looking into it');
    expect(fake.messages(thread.id).map((m) => m.content)).toEqual(['looking into it']);
    await expect(msg.startThread({ name: 'again' })).rejects.toMatchObject({ code: 160004 });
  });

  it('rejects what Discord rejects: empty and over-long messages', async () => {
    const ch = channel('system-health');
    await expect(ch.send({ content: 'x'.repeat(2001) })).rejects.toMatchObject({ code: 50035, status: 400 });
    await expect(ch.send({ embeds: [{ description: 'y'.repeat(4097) }] })).rejects.toThrow(/embeds\[0\]\.description/);
  });

  it('survives 500s through discord.js retries; retries: 0 surfaces them', async () => {
    const ch = channel('project-updates');
    const before = fake.requests().length;
    fake.failNext(2, 500);
    const sent = await ch.send('after two 500s');
    expect(fake.messages(ch.id).filter((m) => m.content === 'after two 500s')).toHaveLength(1);
    expect(
      fake
        .requests()
        .slice(before)
        .map((r) => r.status),
    ).toEqual([500, 500, 200]);
    expect(sent.content).toBe('after two 500s');

    const strict = new REST({ api: fake.api, retries: 0 }).setToken(fake.token);
    fake.failNext(1, 502);
    await expect(strict.post(Routes.channelMessages(ch.id), { body: { content: 'once' } })).rejects.toBeInstanceOf(
      HTTPError,
    );
    expect(fake.messages(ch.id).filter((m) => m.content === 'once')).toHaveLength(0);
  });

  it('a failure after commit is de-duplicated by enforce_nonce on the retry', async () => {
    const ch = channel('approvals');
    fake.failNext(1, 502, { afterCommit: true });
    await ch.send({ content: 'committed once', nonce: 'commit-1', enforceNonce: true });
    expect(fake.messages(ch.id).filter((m) => m.content === 'committed once')).toHaveLength(1);
    fake.failNext(1, 502, { afterCommit: true });
    await ch.send({ content: 'committed twice' });
    expect(fake.messages(ch.id).filter((m) => m.content === 'committed twice')).toHaveLength(2);
  });

  it('honours an injected 429 (waits, retries) and reports it to rejectOnRateLimit', async () => {
    const ch = channel('project-updates');
    const limited: number[] = [];
    const onLimited = (info: { retryAfter: number }): void => void limited.push(info.retryAfter);
    client.rest.on('rateLimited', onLimited);
    const before = fake.requests().length;
    fake.failNext(1, 429, { retryAfterMs: 300 });
    await ch.send('after a 429');
    client.rest.off('rateLimited', onLimited);
    expect(
      fake
        .requests()
        .slice(before)
        .map((r) => r.status),
    ).toEqual([429, 200]);
    expect(limited.length).toBeGreaterThan(0);
    expect(fake.violations()).toEqual([]); // discord.js waited the retry_after it was told

    const rejecting = new REST({ api: fake.api, rejectOnRateLimit: () => true }).setToken(fake.token);
    fake.failNext(1, 429, { retryAfterMs: 300 });
    const err = await rejecting
      .post(Routes.channelMessages(ch.id), { body: { content: 'no wait' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as RateLimitError).retryAfter).toBeGreaterThanOrEqual(300);
    // Retrying at once, as a client that ignores retry_after would, is recorded as a violation of that bucket.
    await new REST({ api: fake.api })
      .setToken(fake.token)
      .post(Routes.channelMessages(ch.id), { body: { content: 'too early' } });
    expect(fake.violations()).toMatchObject([{ bucket: `channel:${ch.id}`, method: 'POST', announced: 'retry_after' }]);
    expect(fake.violations()[0]?.early_ms).toBeGreaterThan(0);
  });

  it('a rate-limit bucket makes discord.js throttle itself; a blind burst gets real 429s', async () => {
    const limitedFake = await startFakeDiscord({ rateLimit: { limit: 2, windowMs: 150 } });
    try {
      const ch = limitedFake.channelId('approvals');
      const rest = new REST({ api: limitedFake.api }).setToken(limitedFake.token);
      await Promise.all(
        [1, 2, 3, 4, 5].map((n) => rest.post(Routes.channelMessages(ch), { body: { content: `m${n}` } })),
      );
      expect(limitedFake.messages(ch).map((m) => m.content)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
      expect(limitedFake.requests().filter((r) => r.status === 429)).toEqual([]);
      expect(limitedFake.violations()).toEqual([]);

      await new Promise((r) => setTimeout(r, 200)); // let the window pass so the burst starts on a fresh bucket
      const post = (): Promise<Response> =>
        fetch(`${limitedFake.api}/v10/channels/${ch}/messages`, {
          method: 'POST',
          headers: { Authorization: `Bot ${limitedFake.token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ content: 'burst' }),
        });
      const replies = [await post(), await post(), await post()];
      expect(replies.map((r) => r.status)).toEqual([200, 200, 429]);
      expect(replies[0]?.headers.get('x-ratelimit-remaining')).toBe('1');
      expect(replies[2]?.headers.get('retry-after')).not.toBeNull();
      expect(await replies[2]?.json()).toMatchObject({ message: 'You are being rate limited.', global: false });
      // The second answer said "0 remaining until reset": the third request came before it.
      expect(limitedFake.violations()).toMatchObject([{ bucket: `channel:${ch}`, announced: 'reset' }]);
    } finally {
      await limitedFake.close();
    }
  });

  it(
    'records replies (message_reference) in the same channel, and refuses one to a message ' +
      'elsewhere unless told not to fail',
    async () => {
      const ch = channel('project-updates');
      const original = await ch.send('the question');
      const reply = await ch.send({ content: 'the answer', reply: { messageReference: original.id } });
      expect(fake.messages(ch.id).find((m) => m.id === reply.id)?.reply_to).toBe(original.id);
      const rest = new REST({ api: fake.api }).setToken(fake.token);
      const elsewhere = fake.channelId('approvals');
      await expect(
        rest.post(Routes.channelMessages(elsewhere), {
          body: { content: 'x', message_reference: { message_id: original.id } },
        }),
      ).rejects.toMatchObject({ status: 400, code: 50035 });
      const plain = (await rest.post(Routes.channelMessages(elsewhere), {
        body: { content: 'plain', message_reference: { message_id: original.id, fail_if_not_exists: false } },
      })) as { id: string };
      expect(fake.messages(elsewhere).find((m) => m.id === plain.id)?.reply_to).toBeUndefined();
    },
  );

  it('injects Discord errors on any route, and holds requests until released', async () => {
    const rest = new REST({ api: fake.api, retries: 0 }).setToken(fake.token);
    fake.failRequests({
      method: 'GET',
      path: /^\/users\/@me$/,
      status: 403,
      code: 50001,
      message: 'Missing Access',
      count: 2,
    });
    for (let i = 0; i < 2; i++)
      await expect(rest.get(Routes.user())).rejects.toMatchObject({
        status: 403,
        code: 50001,
        message: 'Missing Access',
      });
    await expect(rest.get(Routes.user())).resolves.toMatchObject({ id: fake.applicationId });

    const gate = fake.holdRequests(/^\/channels\/\d+$/, 'GET');
    const pending = [
      rest.get(Routes.channel(fake.channelId('approvals'))),
      rest.get(Routes.channel(fake.channelId('system-health'))),
    ];
    await fake.waitFor(() => gate.held() === 2);
    expect(fake.requests().filter((r) => /^\/channels\/\d+$/.test(r.path))).toEqual([]);
    gate.release();
    expect((await Promise.all(pending)).map((c) => (c as { name: string }).name)).toEqual([
      'approvals',
      'system-health',
    ]);
  });

  it('delivers a slash command with options and records deferReply + editReply', async () => {
    const ch = fake.channelId('approvals');
    const { id } = await fake.slash({
      name: 'status',
      options: [{ name: 'project', type: 3, value: 'alpha' }],
      userId: USER,
      roles: [APPROVER_ROLE],
      channelId: ch,
    });
    const reply = await fake.waitFor(() =>
      fake.messages(ch).find((m) => m.interaction_id === id && m.content === 'status of alpha'),
    );
    expect(reply.via).toBe('interaction');
    expect(seen).toContain(`slash:alpha:true:${ch}`);
    expect(
      fake
        .interactionResponses()
        .filter((r) => r.interaction_id === id)
        .map((r) => r.type),
    ).toEqual([5]);
    await expect(fake.slash({ name: 'nope', userId: USER })).rejects.toThrow(/not a registered command/);
  });

  it('round-trips a button click, showModal and a modal submit that updates the message', async () => {
    const ch = channel('approvals');
    const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
      new ButtonBuilder().setCustomId('approve:1').setLabel('Approve').setStyle(ButtonStyle.Success),
    );
    const msg = await ch.send({ content: 'Design spec r1 awaits review', components: [row] });
    const click = await fake.click({ customId: 'approve:1', userId: USER });
    await fake.waitFor(() => fake.interactionResponses().find((r) => r.interaction_id === click.id && r.type === 9));
    expect(seen).toContain(`button:${msg.id}`);
    await fake.submitModal({ customId: 'approve-modal:1', fields: { reason: 'looks good' }, userId: USER });
    const updated = await fake.waitFor(() =>
      fake.messages(ch.id).find((m) => m.id === msg.id && m.content === 'approved: looks good'),
    );
    expect(updated.components).toEqual([]);
    expect(updated.edits).toBe(1);
  });

  it('builds action-row modal submissions when no labelled modal was shown', async () => {
    const { id } = await fake.submitModal({ customId: 'plain-modal', fields: { note: 'hello' }, userId: USER });
    const reply = await fake.waitFor(() => fake.messages().find((m) => m.interaction_id === id));
    expect(reply).toMatchObject({ content: 'noted', flags: 64 });
    expect(seen).toContain('plain-modal:hello');
  });

  it('refuses a second acknowledgement of a re-delivered interaction (40060)', async () => {
    const { id } = await fake.slash({ name: 'ping', userId: USER });
    await fake.waitFor(() => fake.messages().find((m) => m.interaction_id === id));
    fake.resendInteraction(id);
    await fake.waitFor(() => seen.filter((s) => s === `ping:${id}`).length === 2);
    await fake.waitFor(() => handlerErrors.length > 0);
    const err = handlerErrors.pop();
    expect(err).toBeInstanceOf(DiscordAPIError);
    expect((err as DiscordAPIError).code).toBe(40060);
    expect(fake.messages().filter((m) => m.interaction_id === id)).toHaveLength(1);
  });

  it('resumes after a dropped gateway and still delivers interactions', async () => {
    const resumed = new Promise<void>((resolve) => client.once(Events.ShardResume, () => resolve()));
    fake.dropGateway();
    const { id } = await fake.slash({ name: 'ping', userId: USER }); // dispatched while disconnected: replayed on RESUME
    await resumed;
    await fake.waitFor(() => fake.messages().find((m) => m.interaction_id === id && m.content === 'pong'));
    expect(fake.gatewayConnections()).toBe(2);

    fake.dropGateway({ resumable: false }); // RESUME gets INVALID_SESSION; discord.js identifies afresh
    await fake.waitFor(() => fake.gatewayConnections() === 3, 5000, 'a fresh IDENTIFY');
    const again = await fake.slash({ name: 'ping', userId: USER });
    await fake.waitFor(() => fake.messages().find((m) => m.interaction_id === again.id));
  });

  it('executes channel webhooks through discord.js WebhookClient', async () => {
    const hook = fake.createWebhook('system-health');
    const wh = new WebhookClient({ id: hook.id, token: hook.token }, { rest: { api: fake.api } });
    const sent = await wh.send({ content: 'from the webhook', username: 'Governor Health' });
    wh.destroy();
    expect(fake.messages(fake.channelId('system-health')).find((m) => m.id === sent.id)).toMatchObject({
      via: 'webhook',
      content: 'from the webhook',
    });
    expect(hook.url).toBe(`${fake.api}/webhooks/${hook.id}/${hook.token}`);
  });

  it('refuses a wrong token on REST and on the gateway', async () => {
    const wrong = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.api } });
    await expect(wrong.login('not-the-token')).rejects.toMatchObject({ code: 'TokenInvalid' });
    await wrong.destroy();
    expect((await fetch(`${fake.api}/v10/users/@me`)).status).toBe(401);

    const ws = new WebSocket(`${fake.gatewayUrl}?v=10&encoding=json`);
    ws.on('message', () =>
      ws.send(JSON.stringify({ op: 2, d: { token: 'not-the-token', intents: 1, properties: {} } })),
    );
    const code = await new Promise<number>((resolve) => ws.on('close', (c) => resolve(c)));
    expect(code).toBe(4004);
  });
});
