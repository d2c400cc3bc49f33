/**
 * Bot-token REST routes: gateway discovery, identity, slash commands, the guild's channels, channel
 * messages (with nonce de-duplication), threads and channel webhooks.
 */
import { checkMessage } from './limits.ts';
import * as p from './payloads.ts';
import { discordError, type Dispatch, type Reply, type Route } from './rest.ts';
import type { DiscordState, StoredMessage } from './state.ts';

const INTENT_GUILDS = 1 << 0;
const INTENT_GUILD_MESSAGES = 1 << 9;
const ID = '(\\d+)';
const re = (s: string): RegExp => new RegExp(`^${s}$`);

export function botRoutes(state: DiscordState, gatewayUrl: () => string, dispatch: Dispatch): Route[] {
  const unknownChannel = (): Reply => discordError(404, 10003, 'Unknown Channel');
  const unknownMessage = (): Reply => discordError(404, 10008, 'Unknown Message');
  const guildOr404 = (id: string | undefined): Reply | null =>
    id === state.guildId ? null : discordError(404, 10004, 'Unknown Guild');
  const appOr404 = (id: string | undefined): Reply | null =>
    id === state.opts.applicationId ? null : discordError(404, 10002, 'Unknown Application');
  const messageIn = (channelId: string | undefined, messageId: string | undefined): StoredMessage | undefined => {
    const m = messageId === undefined ? undefined : state.messageById(messageId);
    return m && m.api.channel_id === channelId ? m : undefined;
  };

  const commandRoutes = (prefix: string, guildOf: (params: string[]) => string | null): Route[] => [
    {
      method: 'GET',
      pattern: re(prefix),
      auth: true,
      handle: ({ params }) =>
        appOr404(params[0]) ?? {
          status: 200,
          body: state.commands.filter((c) => c.guild_id === guildOf(params)).map((c) => state.apiCommand(c)),
        },
    },
    {
      method: 'PUT',
      pattern: re(prefix),
      auth: true,
      handle: ({ params, json }) => appOr404(params[0]) ?? bulkOverwrite(guildOf(params), json),
    },
    {
      method: 'POST',
      pattern: re(prefix),
      auth: true,
      handle: ({ params, body }) =>
        appOr404(params[0]) ?? { status: 201, body: state.apiCommand(state.upsertCommand(guildOf(params), body)) },
    },
    {
      method: 'DELETE',
      pattern: re(`${prefix}/${ID}`),
      auth: true,
      handle: ({ params }) => {
        const i = state.commands.findIndex((c) => c.id === params[params.length - 1]);
        if (i === -1) return discordError(404, 10063, 'Unknown application command');
        state.commands.splice(i, 1);
        return { status: 204 };
      },
    },
  ];

  /** PUT replaces the whole set: commands missing from the list are deleted, the rest upserted by name. */
  const bulkOverwrite = (guildId: string | null, list: unknown): Reply => {
    if (!Array.isArray(list)) return discordError(400, 50035, 'Invalid Form Body');
    for (let i = state.commands.length - 1; i >= 0; i--) {
      const c = state.commands[i];
      if (c && c.guild_id === guildId && !list.some((x) => p.isObject(x) && x.name === c.name))
        state.commands.splice(i, 1);
    }
    const out = list.filter(p.isObject).map((raw) => state.apiCommand(state.upsertCommand(guildId, raw)));
    return { status: 200, body: out };
  };

  const createMessage: Route = {
    method: 'POST',
    pattern: re(`/channels/${ID}/messages`),
    auth: true,
    bucket: (params) => `channel:${params[0] ?? ''}`,
    handle: ({ params, body, files }) => {
      const channel = state.channels.get(params[0] ?? '');
      if (!channel || channel.type === 4) return unknownChannel();
      const nonce = typeof body.nonce === 'string' || typeof body.nonce === 'number' ? body.nonce : null;
      if (nonce !== null && body.enforce_nonce === true && state.nonceCheck) {
        const earlier = state.messageByNonce(channel.id, state.bot.id, nonce);
        if (earlier) return { status: 200, body: earlier.api };
      }
      const invalid = checkMessage(body, files.length, { edit: false });
      if (invalid) return invalid;
      const reference = replyTarget(channel.id, body.message_reference);
      if (reference === 'refused')
        return discordError(400, 50035, 'Invalid Form Body', {
          message_reference: { _errors: [{ code: 'REPLIES_UNKNOWN_MESSAGE', message: 'Unknown message' }] },
        });
      const stored = state.createMessage(channel.id, body, files, {
        via: 'bot',
        author: state.bot,
        ...(reference ? { replyTo: reference } : {}),
      });
      dispatch('MESSAGE_CREATE', { ...stored.api, mentions: [] }, INTENT_GUILD_MESSAGES);
      return { status: 200, body: stored.api };
    },
  };

  /**
   * A reply (`message_reference`) must name a message in the same channel; when it does not, Discord refuses
   * the post unless `fail_if_not_exists` is false, in which case it is posted as a plain message.
   */
  const replyTarget = (channelId: string, ref: unknown): string | null | 'refused' => {
    if (!p.isObject(ref)) return null;
    const target = typeof ref.message_id === 'string' ? state.messageById(ref.message_id) : undefined;
    const sameChannel =
      target !== undefined &&
      target.api.channel_id === channelId &&
      (ref.channel_id === undefined || ref.channel_id === channelId);
    if (sameChannel) return target.api.id;
    return ref.fail_if_not_exists === false ? null : 'refused';
  };

  const startThread = (parentId: string, name: string, type: number, fromMessage?: StoredMessage): Reply => {
    const thread = state.addChannel(name, type, parentId, {
      ownerId: state.bot.id,
      ...(fromMessage ? { id: fromMessage.api.id } : {}),
    });
    if (fromMessage) {
      // A thread started from a message shares the message's id, and the message gains HAS_THREAD.
      state.threadByMessage.set(fromMessage.api.id, thread.id);
      fromMessage.api.flags = (fromMessage.api.flags ?? 0) | 32;
    }
    const api = state.apiChannel(thread);
    dispatch('THREAD_CREATE', { ...api, newly_created: true }, INTENT_GUILDS);
    return { status: 201, body: api };
  };

  return [
    {
      method: 'GET',
      pattern: re('/gateway'),
      auth: false,
      handle: () => ({ status: 200, body: { url: gatewayUrl() } }),
    },
    {
      method: 'GET',
      pattern: re('/gateway/bot'),
      auth: true,
      handle: () => ({
        status: 200,
        body: {
          url: gatewayUrl(),
          shards: 1,
          session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
        },
      }),
    },
    {
      method: 'GET',
      pattern: re('/users/@me'),
      auth: true,
      handle: () => ({ status: 200, body: { ...state.bot, verified: true, mfa_enabled: false } }),
    },
    {
      method: 'GET',
      pattern: re('/applications/@me'),
      auth: true,
      handle: () => ({
        status: 200,
        body: {
          id: state.opts.applicationId,
          name: state.opts.botName,
          icon: null,
          description: '',
          bot_public: false,
          bot_require_code_grant: false,
          verify_key: '0'.repeat(64),
          flags: 0,
          bot: state.bot,
          owner: p.humanUser('300000000000000003'),
          team: null,
          summary: '',
        },
      }),
    },
    ...commandRoutes(`/applications/${ID}/guilds/${ID}/commands`, (params) => params[1] ?? null),
    ...commandRoutes(`/applications/${ID}/commands`, () => null),
    {
      method: 'GET',
      pattern: re(`/guilds/${ID}`),
      auth: true,
      handle: ({ params }) => guildOr404(params[0]) ?? { status: 200, body: guildOnly(state.guildPayload()) },
    },
    {
      method: 'GET',
      pattern: re(`/guilds/${ID}/roles`),
      auth: true,
      handle: ({ params }) => guildOr404(params[0]) ?? { status: 200, body: state.roles },
    },
    {
      method: 'GET',
      pattern: re(`/guilds/${ID}/channels`),
      auth: true,
      handle: ({ params }) =>
        guildOr404(params[0]) ?? {
          status: 200,
          body: [...state.channels.values()]
            .filter((c) => c.type !== 11 && c.type !== 12)
            .map((c) => state.apiChannel(c)),
        },
    },
    {
      method: 'POST',
      pattern: re(`/guilds/${ID}/channels`),
      auth: true,
      handle: ({ params, body }) => {
        const bad = guildOr404(params[0]);
        if (bad) return bad;
        if (typeof body.name !== 'string' || body.name === '') return discordError(400, 50035, 'Invalid Form Body');
        const type = typeof body.type === 'number' ? body.type : 0;
        const parent = typeof body.parent_id === 'string' ? body.parent_id : null;
        const c = state.addChannel(body.name, type, parent, {
          topic: typeof body.topic === 'string' ? body.topic : null,
        });
        const api = state.apiChannel(c);
        dispatch('CHANNEL_CREATE', api, INTENT_GUILDS);
        return { status: 201, body: api };
      },
    },
    {
      method: 'GET',
      pattern: re(`/guilds/${ID}/members/${ID}`),
      auth: true,
      handle: ({ params }) => {
        const bad = guildOr404(params[0]);
        if (bad) return bad;
        if (params[1] === state.bot.id) return { status: 200, body: p.member(state.bot, [], state.joinedAt) };
        const seen = state.members.get(params[1] ?? '');
        return seen
          ? { status: 200, body: p.member(seen.user, seen.roles, state.joinedAt) }
          : discordError(404, 10007, 'Unknown Member');
      },
    },
    {
      method: 'GET',
      pattern: re(`/channels/${ID}`),
      auth: true,
      handle: ({ params }) => {
        const c = state.channels.get(params[0] ?? '');
        return c ? { status: 200, body: state.apiChannel(c) } : unknownChannel();
      },
    },
    createMessage,
    {
      method: 'GET',
      pattern: re(`/channels/${ID}/messages`),
      auth: true,
      handle: ({ params, query }) => {
        if (!state.channels.has(params[0] ?? '')) return unknownChannel();
        const limit = Math.min(100, Number(query.get('limit') ?? 50));
        const after = query.get('after');
        const inChannel = state.messages.filter((m) => m.api.channel_id === params[0]);
        // `after`: the messages right after that id; otherwise the newest. Newest first either way.
        const list =
          after === null
            ? inChannel.reverse().slice(0, limit)
            : inChannel
                .filter((m) => BigInt(m.api.id) > BigInt(after))
                .slice(0, limit)
                .reverse();
        // Message history never carries a nonce: only the create response and the gateway event do.
        return { status: 200, body: list.map((m) => ({ ...m.api, nonce: undefined })) };
      },
    },
    {
      method: 'GET',
      pattern: re(`/channels/${ID}/messages/${ID}`),
      auth: true,
      handle: ({ params }) => {
        const m = messageIn(params[0], params[1]);
        return m ? { status: 200, body: m.api } : unknownMessage();
      },
    },
    {
      method: 'PATCH',
      pattern: re(`/channels/${ID}/messages/${ID}`),
      auth: true,
      handle: ({ params, body, files }) => {
        const m = messageIn(params[0], params[1]);
        if (!m) return unknownMessage();
        if (m.api.author.id !== state.bot.id)
          return discordError(403, 50005, 'Cannot edit a message authored by another user');
        const invalid = checkMessage(body, files.length, { edit: true });
        if (invalid) return invalid;
        state.editMessage(m, body, files);
        dispatch('MESSAGE_UPDATE', m.api, INTENT_GUILD_MESSAGES);
        return { status: 200, body: m.api };
      },
    },
    {
      method: 'DELETE',
      pattern: re(`/channels/${ID}/messages/${ID}`),
      auth: true,
      handle: ({ params }) => {
        const m = messageIn(params[0], params[1]);
        if (!m) return unknownMessage();
        state.messages.splice(state.messages.indexOf(m), 1);
        dispatch(
          'MESSAGE_DELETE',
          { id: m.api.id, channel_id: m.api.channel_id, guild_id: state.guildId },
          INTENT_GUILD_MESSAGES,
        );
        return { status: 204 };
      },
    },
    {
      method: 'POST',
      pattern: re(`/channels/${ID}/messages/${ID}/threads`),
      auth: true,
      handle: ({ params, body }) => {
        const parent = state.channels.get(params[0] ?? '');
        if (!parent) return unknownChannel();
        const m = messageIn(params[0], params[1]);
        if (!m) return unknownMessage();
        if (state.threadByMessage.has(m.api.id))
          return discordError(400, 160004, 'A thread has already been created for this message');
        if (typeof body.name !== 'string' || body.name === '') return discordError(400, 50035, 'Invalid Form Body');
        return startThread(parent.id, body.name, parent.type === 5 ? 10 : 11, m);
      },
    },
    {
      method: 'POST',
      pattern: re(`/channels/${ID}/threads`),
      auth: true,
      handle: ({ params, body }) => {
        const parent = state.channels.get(params[0] ?? '');
        if (!parent) return unknownChannel();
        if (typeof body.name !== 'string' || body.name === '') return discordError(400, 50035, 'Invalid Form Body');
        return startThread(parent.id, body.name, typeof body.type === 'number' ? body.type : 12);
      },
    },
    {
      method: 'PUT',
      pattern: re(`/channels/${ID}/thread-members/@me`),
      auth: true,
      handle: ({ params }) => (state.channels.get(params[0] ?? '')?.type === 11 ? { status: 204 } : unknownChannel()),
    },
    {
      method: 'POST',
      pattern: re(`/channels/${ID}/webhooks`),
      auth: true,
      handle: ({ params, body }) => {
        const c = state.channels.get(params[0] ?? '');
        if (!c) return unknownChannel();
        const hook = {
          id: state.nextId(),
          token: p.discordToken(),
          channelId: c.id,
          name: typeof body.name === 'string' ? body.name : 'Webhook',
        };
        state.webhooks.set(hook.id, hook);
        return { status: 200, body: webhookObject(state, hook, true) };
      },
    },
    {
      method: 'GET',
      pattern: re(`/channels/${ID}/webhooks`),
      auth: true,
      handle: ({ params }) => ({
        status: 200,
        body: [...state.webhooks.values()]
          .filter((h) => h.channelId === params[0])
          .map((h) => webhookObject(state, h, true)),
      }),
    },
  ];
}

export function webhookObject(
  state: DiscordState,
  h: { id: string; token: string; channelId: string; name: string },
  withUser: boolean,
): p.JsonObject {
  return {
    id: h.id,
    type: 1,
    guild_id: state.guildId,
    channel_id: h.channelId,
    name: h.name,
    avatar: null,
    token: h.token,
    application_id: state.opts.applicationId,
    ...(withUser ? { user: state.bot } : {}),
  };
}

/** GET /guilds/:id has no GUILD_CREATE-only fields. */
function guildOnly(g: p.JsonObject): p.JsonObject {
  const {
    joined_at: _j,
    large: _l,
    unavailable: _u,
    member_count: _m,
    voice_states: _v,
    members: _mm,
    channels: _c,
    threads: _t,
    presences: _pp,
    stage_instances: _s,
    guild_scheduled_events: _g,
    soundboard_sounds: _ss,
    ...rest
  } = g;
  return rest;
}
