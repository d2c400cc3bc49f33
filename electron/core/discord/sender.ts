import {
  type APIChannel,
  type APIMessage,
  REST,
  Routes,
  type RESTPostAPIChannelMessageResult,
  type RESTPostAPIChannelThreadsResult,
} from 'discord.js';
import type { DiscordChannelName, DiscordFile } from '../../../shared/config.ts';
import { GovernorError } from '../errors.ts';
import { DEFAULT_API, channelRefs, type WebhookTarget } from './config.ts';
import type { OutboundMessage } from './message.ts';
import { forWebhook } from './render.ts';

/** Where a message lands: a channel of the map, or a thread in it. */
export interface Posted {
  id: string;
  channel_id: string;
}

/** Where in a channel: a thread (or the channel a command was typed in), and a message to reply to there. */
export interface Where {
  threadId: string | null;
  replyTo: string | null;
}

/** The two ways out: a bot (REST with its token; threads and buttons) or webhooks (outbound only). */
export interface Sender {
  readonly mode: 'bot' | 'webhook';
  /**
   * Post a message; the nonce makes a repeat after a crash return the first message instead of a second one
   * (bot mode).
   */
  post(channel: DiscordChannelName, where: Where, m: OutboundMessage, nonce: string): Promise<Posted>;
  /** Start a thread on a posted message; null where threads are not possible (webhook mode). */
  startThread(channelId: string, messageId: string, name: string): Promise<string | null>;
  /** The channel id each seed channel resolves to (bot mode; webhook mode has none). */
  channels(): Promise<Partial<Record<DiscordChannelName, string>>>;
  /** Edit a message this sender posted (its text, embeds and buttons; attachments stay). */
  edit(channelId: string, messageId: string, m: OutboundMessage): Promise<void>;
  /**
   * The bot's own messages in a channel newer than `after`, oldest first: where a POST that got no answer
   * may have left its message. Null when this sender cannot look (webhooks).
   */
  recent(
    channel: DiscordChannelName,
    where: Where,
    after: string | null,
  ): Promise<Array<{
    id: string;
    channel_id: string;
    nonce: string | null;
    content: string;
    embeds: unknown[];
  }> | null>;
}

const SNOWFLAKE = /^\d{15,22}$/;

/** allowed_mentions always: nobody is pinged unless the message names them in `mentions`, whatever its text says. */
function body(m: OutboundMessage) {
  const allowed = m.mentions ? { parse: [], users: m.mentions.users, roles: m.mentions.roles } : { parse: [] };
  return { content: m.content, embeds: m.embeds, components: m.components, allowed_mentions: allowed };
}
function files(m: OutboundMessage) {
  return m.files.map((f) => ({ name: f.name, data: Buffer.from(f.text, 'utf8'), contentType: 'text/markdown' }));
}

/**
 * discord.js's REST client: it honours 429 `retry_after` and the rate-limit headers by itself; failures
 * (5xx, network) come back to the outbox, which owns retrying with backoff, so `retries` is 0 here.
 */
export function createRest(file: DiscordFile, token: string | null): REST {
  const rest = new REST({ api: file.api ?? DEFAULT_API, retries: 0, timeout: 15_000 });
  if (token) rest.setToken(token);
  return rest;
}

export function botSender(file: DiscordFile, rest: REST): Sender {
  const guild = file.guild_id;
  if (!guild) throw new GovernorError('discord_config', 'discord.yaml: bot mode needs guild_id');
  let resolved: Partial<Record<DiscordChannelName, string>> | null = null;
  async function channels(): Promise<Partial<Record<DiscordChannelName, string>>> {
    if (resolved) return resolved;
    const refs = channelRefs(file);
    const out: Partial<Record<DiscordChannelName, string>> = {};
    const byName = Object.values(refs).some((r) => !SNOWFLAKE.test(r))
      ? ((await rest.get(Routes.guildChannels(guild ?? ''))) as APIChannel[])
      : [];
    for (const [name, ref] of Object.entries(refs) as Array<[DiscordChannelName, string]>) {
      if (SNOWFLAKE.test(ref)) out[name] = ref;
      else {
        const hit = byName.find((c) => 'name' in c && c.name === ref && c.type === 0);
        if (hit) out[name] = hit.id;
      }
    }
    resolved = out;
    return out;
  }
  async function targetOf(channel: DiscordChannelName, where: Where): Promise<string> {
    const target = where.threadId ?? (await channels())[channel];
    if (!target) {
      resolved = null; // perhaps `governor discord setup` has created it since
      throw new GovernorError(
        'discord_channel_missing',
        `no #${channel} channel in the guild; create it or run \`governor discord setup\``,
      );
    }
    return target;
  }
  const me = { id: null as string | null };
  return {
    mode: 'bot',
    channels,
    async edit(channelId, messageId, m) {
      await rest.patch(Routes.channelMessage(channelId, messageId), {
        body: { ...body(m), allowed_mentions: { parse: [] } },
      });
    },
    async recent(channel, where, after) {
      const target = await targetOf(channel, where);
      me.id ??= ((await rest.get(Routes.user())) as { id: string }).id;
      const query = new URLSearchParams({ limit: '50', ...(after ? { after } : {}) });
      const list = (await rest.get(Routes.channelMessages(target), { query })) as APIMessage[];
      return list
        .filter((x) => x.author.id === me.id)
        .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1))
        .map((x) => ({
          id: x.id,
          channel_id: x.channel_id,
          nonce: x.nonce === undefined ? null : String(x.nonce),
          content: x.content,
          embeds: x.embeds,
        }));
    },
    async post(channel, where, m, nonce) {
      const target = await targetOf(channel, where);
      // A reply whose message was deleted since is posted as a plain message rather than refused.
      const reply = where.replyTo
        ? { message_reference: { message_id: where.replyTo, fail_if_not_exists: false } }
        : {};
      const res = (await rest.post(Routes.channelMessages(target), {
        body: { ...body(m), ...reply, nonce, enforce_nonce: true },
        files: files(m),
      })) as RESTPostAPIChannelMessageResult;
      return { id: res.id, channel_id: res.channel_id };
    },
    async startThread(channelId, messageId, name) {
      const res = (await rest.post(Routes.threads(channelId, messageId), {
        body: { name, auto_archive_duration: 10080 },
      })) as RESTPostAPIChannelThreadsResult;
      return res.id;
    },
  };
}

/**
 * Webhook mode. A channel without its own webhook uses #system-health's, or the first configured one, so
 * nothing is dropped for want of a URL. Webhook executes take no nonce: delivery is at-least-once here.
 */
export function webhookSender(rest: REST, targets: Partial<Record<DiscordChannelName, WebhookTarget>>): Sender {
  const fallback = targets['system-health'] ?? Object.values(targets)[0];
  if (!fallback)
    throw new GovernorError(
      'discord_config',
      'webhook mode: no webhook URL is set (see discord.yaml webhooks and their url_env variables)',
    );
  return {
    mode: 'webhook',
    async channels() {
      return {};
    },
    async edit(_channelId, messageId, m) {
      // A webhook edits only its own messages; which webhook posted it is not recorded, so try each.
      let last: unknown = null;
      for (const w of new Set(Object.values(targets))) {
        try {
          await rest.patch(Routes.webhookMessage(w.id, w.token, messageId), {
            body: { ...body(forWebhook(m)), allowed_mentions: { parse: [] } },
            auth: false,
          });
          return;
        } catch (err) {
          last = err;
        }
      }
      throw last ?? new GovernorError('discord_config', 'no webhook to edit the message with');
    },
    async recent() {
      return null;
    },
    async post(channel, _where, m) {
      const w = targets[channel] ?? fallback;
      const msg = forWebhook(m);
      const res = (await rest.post(Routes.webhook(w.id, w.token), {
        body: body(msg),
        files: files(msg),
        query: new URLSearchParams({ wait: 'true' }),
        auth: false,
      })) as RESTPostAPIChannelMessageResult;
      return { id: res.id, channel_id: res.channel_id };
    },
    async startThread() {
      return null;
    },
  };
}
