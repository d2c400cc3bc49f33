/**
 * Token-authenticated routes: interaction callbacks (`POST /interactions/:id/:token/callback`) and the
 * webhook routes that serve both interaction follow-ups/edits (id = application id, token = interaction
 * token) and channel webhooks created with `createWebhook` or `POST /channels/:id/webhooks`.
 *
 * Discord's rules kept here: one callback per interaction (else 40060), `@original` exists only after a
 * message-bearing callback (reply, defer, or the clicked message for components), `with_response=true`
 * returns the callback response object and otherwise 204, `wait=true` on webhook execute returns the message.
 */
import type { APIUser } from 'discord-api-types/v10';
import { checkMessage } from './limits.ts';
import * as p from './payloads.ts';
import { discordError, type Dispatch, type Reply, type Route } from './rest.ts';
import { webhookObject } from './rest-bot.ts';
import type { DiscordState, StoredInteraction, StoredMessage, StoredWebhook } from './state.ts';

const INTENT_GUILD_MESSAGES = 1 << 9;
const ID = '(\\d+)';
const TOKEN = '([\\w.-]+)';
const re = (s: string): RegExp => new RegExp(`^${s}$`);

const CALLBACK = { pong: 1, reply: 4, deferReply: 5, deferUpdate: 6, update: 7, autocomplete: 8, modal: 9 } as const;

export function interactionRoutes(state: DiscordState, dispatch: Dispatch): Route[] {
  const unknownWebhook = (): Reply => discordError(404, 10015, 'Unknown Webhook');
  const unknownMessage = (): Reply => discordError(404, 10008, 'Unknown Message');

  /** Interaction tokens double as webhook tokens under the application's id for 15 minutes. */
  const interactionByToken = (appId: string | undefined, token: string | undefined): StoredInteraction | undefined =>
    appId === state.opts.applicationId ? [...state.interactions.values()].find((i) => i.token === token) : undefined;
  const hookByToken = (id: string | undefined, token: string | undefined): StoredWebhook | undefined => {
    const h = state.webhooks.get(id ?? '');
    return h && h.token === token ? h : undefined;
  };
  const messageType = (i: StoredInteraction): number => (i.type === 2 ? 20 : 0);

  const callback = (i: StoredInteraction, type: number, data: p.JsonObject, files: p.StoredFile[]): Reply => {
    const isComponentish = i.type === 3 || (i.type === 5 && i.originalMessageId !== null);
    if (type === CALLBACK.reply) {
      const invalid = checkMessage(data, files.length, { edit: false });
      if (invalid) return invalid;
      const m = state.createMessage(i.channelId, data, files, {
        via: 'interaction',
        author: state.bot,
        type: messageType(i),
        webhookId: state.opts.applicationId,
        interaction: i,
      });
      i.originalMessageId = m.api.id;
      dispatchCreate(m);
    } else if (type === CALLBACK.deferReply) {
      // Discord shows a "thinking…" message straight away (flag 128, LOADING); the first edit fills it in.
      const flags = ((typeof data.flags === 'number' ? data.flags : 0) & 64) | 128;
      const m = state.createMessage(i.channelId, {}, [], {
        via: 'interaction',
        author: state.bot,
        type: messageType(i),
        webhookId: state.opts.applicationId,
        interaction: i,
        flags,
      });
      i.originalMessageId = m.api.id;
      dispatchCreate(m);
    } else if (type === CALLBACK.deferUpdate || type === CALLBACK.update) {
      if (!isComponentish) return discordError(400, 40043, 'This interaction type does not support this response type');
      const m = i.originalMessageId === null ? undefined : state.messageById(i.originalMessageId);
      if (type === CALLBACK.update && m) {
        const invalid = checkMessage(data, files.length, { edit: true });
        if (invalid) return invalid;
        state.editMessage(m, data, files);
        dispatch('MESSAGE_UPDATE', m.api, INTENT_GUILD_MESSAGES);
      }
    } else if (type === CALLBACK.modal) {
      if (i.type === 5) return discordError(400, 40043, 'This interaction type does not support this response type');
    } else if (type !== CALLBACK.autocomplete && type !== CALLBACK.pong) {
      return discordError(400, 50035, 'Invalid Form Body');
    }
    i.acknowledged = type;
    state.callbacks.push({ interaction_id: i.id, type, data: Object.keys(data).length > 0 ? data : undefined });
    return { status: 204 };
  };

  const dispatchCreate = (m: StoredMessage): void => {
    if (((m.api.flags ?? 0) & 64) === 0) dispatch('MESSAGE_CREATE', { ...m.api, mentions: [] }, INTENT_GUILD_MESSAGES);
  };

  const execute = (
    author: APIUser,
    channelId: string,
    body: p.JsonObject,
    files: p.StoredFile[],
    how: { via: 'webhook' | 'interaction'; webhookId: string; interaction?: StoredInteraction },
  ): StoredMessage | Reply => {
    const invalid = checkMessage(body, files.length, { edit: false });
    if (invalid) return invalid;
    const m = state.createMessage(channelId, body, files, {
      via: how.via,
      author,
      webhookId: how.webhookId,
      ...(how.interaction ? { interaction: how.interaction, type: messageType(how.interaction) } : {}),
    });
    dispatchCreate(m);
    return m;
  };

  /** The webhook message `mid` refers to, for an interaction token or a channel webhook. */
  const webhookMessage = (params: string[]): StoredMessage | Reply => {
    const [appId, token, mid] = params;
    const i = interactionByToken(appId, token);
    const hook = i ? undefined : hookByToken(appId, token);
    if (!i && !hook) return unknownWebhook();
    const id = mid === '@original' ? (i?.originalMessageId ?? null) : (mid ?? null);
    const m = id === null ? undefined : state.messageById(id);
    if (!m) return unknownMessage();
    const belongs = i ? m.interactionId === i.id || m.api.id === i.originalMessageId : m.api.webhook_id === hook?.id;
    return belongs ? m : unknownMessage();
  };
  const isReply = (x: StoredMessage | Reply): x is Reply => 'status' in x;

  return [
    {
      method: 'POST',
      pattern: re(`/interactions/${ID}/${TOKEN}/callback`),
      auth: false,
      handle: ({ params, query, body, files }) => {
        const i = state.interactions.get(params[0] ?? '');
        if (!i || i.token !== params[1]) return discordError(404, 10062, 'Unknown interaction');
        if (i.acknowledged !== null) return discordError(400, 40060, 'Interaction has already been acknowledged.');
        const type = typeof body.type === 'number' ? body.type : 0;
        const data = p.isObject(body.data) ? body.data : {};
        const reply = callback(i, type, data, files);
        if (reply.status !== 204 || query.get('with_response') !== 'true') return reply;
        const m = i.originalMessageId === null ? undefined : state.messageById(i.originalMessageId);
        return {
          status: 200,
          body: {
            interaction: {
              id: i.id,
              type: i.type,
              activity_instance_id: null,
              response_message_id: m?.api.id ?? null,
              response_message_loading: type === CALLBACK.deferReply,
              response_message_ephemeral: ((m?.api.flags ?? 0) & 64) !== 0,
            },
            resource: {
              type,
              ...(m && (type === CALLBACK.reply || type === CALLBACK.update) ? { message: m.api } : {}),
            },
          },
        };
      },
    },
    {
      method: 'POST',
      pattern: re(`/webhooks/${ID}/${TOKEN}`),
      auth: false,
      bucket: (params) => `webhook:${params[0] ?? ''}`,
      handle: ({ params, query, body, files }) => {
        const wait = query.get('wait') === 'true';
        const i = interactionByToken(params[0], params[1]);
        let result: StoredMessage | Reply;
        if (i) {
          if (i.acknowledged === null) return unknownWebhook(); // follow-ups need the interaction acknowledged first
          result = execute(state.bot, i.channelId, body, files, {
            via: 'interaction',
            webhookId: state.opts.applicationId,
            interaction: i,
          });
        } else {
          const hook = hookByToken(params[0], params[1]);
          if (!hook) return unknownWebhook();
          const threadId = query.get('thread_id');
          const thread = threadId === null ? undefined : state.channels.get(threadId);
          if (threadId !== null && (!thread || thread.parent_id !== hook.channelId))
            return discordError(400, 10003, 'Unknown Channel');
          const author: APIUser = {
            id: hook.id,
            username: typeof body.username === 'string' ? body.username : hook.name,
            discriminator: '0000',
            global_name: null,
            avatar: null,
            bot: true,
          };
          result = execute(author, thread?.id ?? hook.channelId, body, files, { via: 'webhook', webhookId: hook.id });
        }
        if (isReply(result)) return result;
        // Interaction follow-ups always return the message; channel webhooks only with ?wait=true.
        return wait || i ? { status: 200, body: result.api } : { status: 204 };
      },
    },
    {
      method: 'GET',
      pattern: re(`/webhooks/${ID}/${TOKEN}`),
      auth: false,
      handle: ({ params }) => {
        const hook = hookByToken(params[0], params[1]);
        return hook ? { status: 200, body: webhookObject(state, hook, false) } : unknownWebhook();
      },
    },
    {
      method: 'GET',
      pattern: re(`/webhooks/${ID}/${TOKEN}/messages/(@original|\\d+)`),
      auth: false,
      handle: ({ params }) => {
        const m = webhookMessage(params);
        return isReply(m) ? m : { status: 200, body: m.api };
      },
    },
    {
      method: 'PATCH',
      pattern: re(`/webhooks/${ID}/${TOKEN}/messages/(@original|\\d+)`),
      auth: false,
      handle: ({ params, body, files }) => {
        const m = webhookMessage(params);
        if (isReply(m)) return m;
        const invalid = checkMessage(body, files.length, { edit: true });
        if (invalid) return invalid;
        state.editMessage(m, body, files);
        dispatch('MESSAGE_UPDATE', m.api, INTENT_GUILD_MESSAGES);
        return { status: 200, body: m.api };
      },
    },
    {
      method: 'DELETE',
      pattern: re(`/webhooks/${ID}/${TOKEN}/messages/(@original|\\d+)`),
      auth: false,
      handle: ({ params }) => {
        const m = webhookMessage(params);
        if (isReply(m)) return m;
        state.messages.splice(state.messages.indexOf(m), 1);
        dispatch(
          'MESSAGE_DELETE',
          { id: m.api.id, channel_id: m.api.channel_id, guild_id: state.guildId },
          INTENT_GUILD_MESSAGES,
        );
        return { status: 204 };
      },
    },
  ];
}
