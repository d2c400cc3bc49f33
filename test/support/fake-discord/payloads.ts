/**
 * Discord-shaped objects (users, members, roles, channels, guilds, messages, interactions) built the way
 * the real API returns them, so discord.js can construct its structures from them without special cases.
 * Shapes follow discord-api-types v10 (the types discord.js 14.28.1 itself is written against).
 */
import type { APIAttachment, APIEmbed, APIGuildMember, APIMessage, APIRole, APIUser } from 'discord-api-types/v10';

export type JsonObject = Record<string, unknown>;

/** Discord's epoch (2015-01-01); snowflakes carry milliseconds since then in their top 42 bits. */
const DISCORD_EPOCH = 1_420_070_400_000n;

/** Monotonic snowflakes: real ids sort by creation time, and code may rely on that. */
export function snowflakeFactory(): () => string {
  let increment = 0n;
  let last = 0n;
  return () => {
    let ms = BigInt(Date.now()) - DISCORD_EPOCH;
    if (ms <= last) ms = last; // same millisecond: the increment keeps ids unique and ordered
    if (ms !== last) increment = 0n;
    last = ms;
    increment = (increment + 1n) & 0xfffn;
    return ((ms << 22n) | (1n << 17n) | increment).toString();
  };
}

/** Webhook and interaction tokens: 68 url-safe characters, as Discord issues them (discord.js's URL parser expects that length). */
export function discordToken(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let out = '';
  for (let i = 0; i < 68; i++) out += alphabet[Math.floor(Math.random() * alphabet.length)] ?? 'a';
  return out;
}

/** Every permission bit Discord had in 2025; used for @everyone-less role checks and app_permissions. */
export const ALL_PERMISSIONS = '2251799813685247';

export function botUser(id: string, username: string): APIUser {
  return { id, username, discriminator: '4821', global_name: null, avatar: null, bot: true };
}

export function humanUser(id: string): APIUser {
  return {
    id,
    username: `user_${id.slice(-6)}`,
    discriminator: '0',
    global_name: `User ${id.slice(-4)}`,
    avatar: null,
  };
}

export function role(id: string, name: string, position: number, everyone: boolean): APIRole {
  return {
    id,
    name,
    color: 0,
    colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false,
    icon: null,
    unicode_emoji: null,
    position,
    // @everyone gets the usual defaults; named roles get nothing extra, as freshly created roles do.
    permissions: everyone ? '1071698660929' : '0',
    managed: false,
    mentionable: false,
    flags: 0 as APIRole['flags'], // no flags; the enum has no zero member
  };
}

export function member(user: APIUser, roles: string[], joinedAt: string): APIGuildMember {
  return {
    user,
    nick: null,
    avatar: null,
    banner: null,
    roles,
    joined_at: joinedAt,
    premium_since: null,
    deaf: false,
    mute: false,
    flags: 0 as APIGuildMember['flags'],
    pending: false,
  };
}

export interface ChannelShape {
  id: string;
  name: string;
  type: number;
  parent_id: string | null;
  position: number;
  owner_id?: string;
  topic?: string | null;
  createdAt: string;
  lastMessageId: string | null;
  messageCount: number;
}

export function channel(c: ChannelShape, guildId: string): JsonObject {
  const base: JsonObject = {
    id: c.id,
    type: c.type,
    guild_id: guildId,
    name: c.name,
    parent_id: c.parent_id,
    flags: 0,
  };
  if (c.type === 11 || c.type === 12) {
    return {
      ...base,
      owner_id: c.owner_id,
      last_message_id: c.lastMessageId,
      rate_limit_per_user: 0,
      message_count: c.messageCount,
      member_count: 1,
      total_message_sent: c.messageCount,
      thread_metadata: {
        archived: false,
        auto_archive_duration: 4320,
        archive_timestamp: c.createdAt,
        locked: false,
        create_timestamp: c.createdAt,
      },
    };
  }
  if (c.type === 4) return { ...base, position: c.position, permission_overwrites: [] };
  return {
    ...base,
    position: c.position,
    permission_overwrites: [],
    topic: c.topic ?? null,
    nsfw: false,
    last_message_id: c.lastMessageId,
    rate_limit_per_user: 0,
    default_thread_rate_limit_per_user: 0,
  };
}

/** The partial channel Discord puts in `interaction.channel`: the channel plus the member's computed permissions. */
export function interactionChannel(c: ChannelShape, guildId: string): JsonObject {
  return { ...channel(c, guildId), permissions: ALL_PERMISSIONS };
}

export function guild(p: {
  id: string;
  name: string;
  ownerId: string;
  applicationId: string;
  roles: APIRole[];
  channels: JsonObject[];
  threads: JsonObject[];
  members: APIGuildMember[];
  joinedAt: string;
}): JsonObject {
  return {
    id: p.id,
    name: p.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    banner: null,
    description: null,
    owner_id: p.ownerId,
    application_id: null,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 1,
    explicit_content_filter: 0,
    mfa_level: 0,
    nsfw_level: 0,
    premium_tier: 0,
    premium_subscription_count: 0,
    premium_progress_bar_enabled: false,
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    public_updates_channel_id: null,
    safety_alerts_channel_id: null,
    vanity_url_code: null,
    preferred_locale: 'en-US',
    features: [],
    max_members: 500000,
    max_video_channel_users: 25,
    max_stage_video_channel_users: 50,
    roles: p.roles,
    emojis: [],
    stickers: [],
    // GUILD_CREATE-only fields:
    joined_at: p.joinedAt,
    large: false,
    unavailable: false,
    member_count: p.members.length + 1,
    voice_states: [],
    members: p.members,
    channels: p.channels,
    threads: p.threads,
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
    incidents_data: null,
  };
}

export interface StoredFile {
  filename: string;
  content: Buffer;
  contentType: string;
}

export function attachment(
  id: string,
  file: StoredFile,
  baseUrl: string,
  channelId: string,
  description?: string,
): APIAttachment {
  const url = `${baseUrl}/attachments/${channelId}/${id}/${encodeURIComponent(file.filename)}`;
  const out: APIAttachment = {
    id,
    filename: file.filename,
    size: file.content.length,
    url,
    proxy_url: url,
    content_type: file.contentType,
  };
  if (description !== undefined) out.description = description;
  return out;
}

/** Discord fills in `type: "rich"` for embeds a bot sends. */
export function normaliseEmbeds(embeds: unknown): APIEmbed[] {
  if (!Array.isArray(embeds)) return [];
  return embeds.filter(isObject).map((e) => ({ type: 'rich', ...e }) as APIEmbed);
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function message(p: {
  id: string;
  channelId: string;
  guildId: string;
  author: APIUser;
  content: string;
  embeds: APIEmbed[];
  components: unknown[];
  attachments: APIAttachment[];
  nonce: string | number | null;
  flags: number;
  type: number;
  webhookId?: string;
  applicationId?: string;
  interaction?: { id: string; type: number; user: APIUser };
  /** a reply (type 19) */
  messageReference?: { message_id: string; channel_id: string; guild_id: string };
}): APIMessage {
  const out = {
    id: p.id,
    type: p.type,
    channel_id: p.channelId,
    guild_id: p.guildId,
    author: p.author,
    content: p.content,
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: p.attachments,
    embeds: p.embeds,
    components: p.components,
    pinned: false,
    flags: p.flags,
    ...(p.nonce === null ? {} : { nonce: p.nonce }),
    ...(p.messageReference === undefined ? {} : { message_reference: { type: 0, ...p.messageReference } }),
    ...(p.webhookId === undefined ? {} : { webhook_id: p.webhookId }),
    ...(p.applicationId === undefined ? {} : { application_id: p.applicationId }),
    ...(p.interaction === undefined
      ? {}
      : {
          interaction_metadata: {
            id: p.interaction.id,
            type: p.interaction.type,
            user: p.interaction.user,
            authorizing_integration_owners: { '0': p.guildId },
          },
        }),
  };
  return out as APIMessage;
}
