import { REST, Routes, type RESTPostAPIChannelMessageResult, type RESTPostAPIChannelThreadsResult, type APIChannel } from 'discord.js';
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
  /** Post a message; the nonce makes a repeat after a crash return the first message instead of a second one (bot mode). */
  post(channel: DiscordChannelName, where: Where, m: OutboundMessage, nonce: string): Promise<Posted>;
  /** Start a thread on a posted message; null where threads are not possible (webhook mode). */
  startThread(channelId: string, messageId: string, name: string): Promise<string | null>;
  /** The channel id each seed channel resolves to (bot mode; webhook mode has none). */
  channels(): Promise<Partial<Record<DiscordChannelName, string>>>;
}

const SNOWFLAKE = /^\d{15,22}$/;

function body(m: OutboundMessage) {
  return { content: m.content, embeds: m.embeds, components: m.components };
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
    const byName = Object.values(refs).some((r) => !SNOWFLAKE.test(r)) ? ((await rest.get(Routes.guildChannels(guild ?? ''))) as APIChannel[]) : [];
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
  return {
    mode: 'bot',
    channels,
    async post(channel, where, m, nonce) {
      const target = where.threadId ?? (await channels())[channel];
      if (!target) {
        resolved = null; // perhaps `governor discord setup` has created it since
        throw new GovernorError('discord_channel_missing', `no #${channel} channel in the guild; create it or run \`governor discord setup\``);
      }
      // A reply whose message was deleted since is posted as a plain message rather than refused.
      const reply = where.replyTo ? { message_reference: { message_id: where.replyTo, fail_if_not_exists: false } } : {};
      const res = (await rest.post(Routes.channelMessages(target), { body: { ...body(m), ...reply, nonce, enforce_nonce: true }, files: files(m) })) as RESTPostAPIChannelMessageResult;
      return { id: res.id, channel_id: res.channel_id };
    },
    async startThread(channelId, messageId, name) {
      const res = (await rest.post(Routes.threads(channelId, messageId), { body: { name, auto_archive_duration: 10080 } })) as RESTPostAPIChannelThreadsResult;
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
  if (!fallback) throw new GovernorError('discord_config', 'webhook mode: no webhook URL is set (see discord.yaml webhooks and their url_env variables)');
  return {
    mode: 'webhook',
    async channels() {
      return {};
    },
    async post(channel, _where, m) {
      const w = targets[channel] ?? fallback;
      const msg = forWebhook(m);
      const res = (await rest.post(Routes.webhook(w.id, w.token), { body: body(msg), files: files(msg), query: new URLSearchParams({ wait: 'true' }), auth: false })) as RESTPostAPIChannelMessageResult;
      return { id: res.id, channel_id: res.channel_id };
    },
    async startThread() {
      return null;
    },
  };
}
