/**
 * Everything the fake Discord remembers: the one guild (channels, threads, roles), messages, slash commands,
 * interactions and webhooks. REST routes and the gateway read and change it; tests read it through index.ts.
 */
import type { APIEmbed, APIMessage, APIRole, APIUser } from 'discord-api-types/v10';
import * as p from './payloads.ts';

export interface RecordedMessage {
  id: string;
  channel_id: string;
  content: string;
  embeds: unknown[];
  components: unknown[];
  /** File parts of multipart posts, decoded as utf8. */
  attachments: { filename: string; content: string }[];
  nonce: string | null;
  /** channel POST, webhook execute, or interaction reply/follow-up/edit */
  via: 'bot' | 'webhook' | 'interaction';
  interaction_id?: string;
  /** 64 = ephemeral, 128 = still "thinking" (deferred reply not yet edited) */
  flags?: number;
  /** how many times the message was edited after creation */
  edits: number;
  /** the message this one replies to (`message_reference`), if any */
  reply_to?: string;
  /** who Discord notified: the `<@id>` / `<@&id>` in the content that `allowed_mentions` let through */
  pinged: { users: string[]; roles: string[] };
}

export interface StoredMessage {
  api: APIMessage;
  via: RecordedMessage['via'];
  interactionId?: string;
  files: p.StoredFile[];
  edits: number;
  pinged: { users: string[]; roles: string[] };
}

/**
 * Discord's mention rules: without `allowed_mentions` every mention in the content notifies; with it, only
 * the types in `parse` and the ids listed in `users` / `roles`.
 */
export function pingedBy(content: string, allowed: unknown): { users: string[]; roles: string[] } {
  const users = [...content.matchAll(/<@!?(\d+)>/g)].map((m) => m[1] ?? '');
  const roles = [...content.matchAll(/<@&(\d+)>/g)].map((m) => m[1] ?? '');
  if (!p.isObject(allowed)) return { users, roles };
  const parse = Array.isArray(allowed.parse) ? allowed.parse : [];
  const list = (k: 'users' | 'roles') => (Array.isArray(allowed[k]) ? (allowed[k] as unknown[]).map(String) : []);
  return {
    users: users.filter((u) => parse.includes('users') || list('users').includes(u)),
    roles: roles.filter((r) => parse.includes('roles') || list('roles').includes(r)),
  };
}

export interface StoredCommand {
  id: string;
  guild_id: string | null;
  name: string;
  description: string;
  options?: unknown[];
  raw: p.JsonObject;
}

export interface StoredInteraction {
  id: string;
  token: string;
  type: number;
  channelId: string;
  user: APIUser;
  payload: p.JsonObject;
  /** the callback type once acknowledged (Discord accepts exactly one callback) */
  acknowledged: number | null;
  /** the message `@original` refers to: the reply, or for components the message clicked */
  originalMessageId: string | null;
}

export interface StoredWebhook {
  id: string;
  token: string;
  channelId: string;
  name: string;
}

export interface ResolvedOptions {
  token: string;
  guildId: string;
  applicationId: string;
  botName: string;
  guildName: string;
  channels: { name: string; type: 0 | 4; parent?: string }[];
  roles: { id: string; name: string }[];
}

export class DiscordState {
  readonly nextId = p.snowflakeFactory();
  readonly bot: APIUser;
  readonly joinedAt = new Date().toISOString();
  readonly channels = new Map<string, p.ChannelShape>();
  readonly roles: APIRole[];
  readonly messages: StoredMessage[] = [];
  readonly threadByMessage = new Map<string, string>();
  readonly commands: StoredCommand[] = [];
  readonly interactions = new Map<string, StoredInteraction>();
  readonly callbacks: { interaction_id: string; type: number; data: unknown }[] = [];
  readonly webhooks = new Map<string, StoredWebhook>();
  /** Members seen in interactions, so GET /guilds/:id/members/:user can answer for them. */
  readonly members = new Map<string, { user: APIUser; roles: string[] }>();
  /** Set by index.ts once the server listens: attachment URLs point at it. */
  baseUrl = '';
  /** Discord's `enforce_nonce` de-duplication of message creates (a test may switch it off). */
  nonceCheck = true;

  constructor(readonly opts: ResolvedOptions) {
    this.bot = p.botUser(opts.applicationId, opts.botName);
    this.roles = [
      p.role(opts.guildId, '@everyone', 0, true),
      ...opts.roles.map((r, i) => p.role(r.id, r.name, i + 1, false)),
    ];
    for (const c of opts.channels.filter((c) => c.type === 4)) this.addChannel(c.name, 4, null);
    for (const c of opts.channels.filter((c) => c.type !== 4)) {
      const parent = c.parent === undefined ? null : this.channelByName(c.parent)?.id;
      if (parent === undefined)
        throw new Error(
          `fake-discord: channel "${c.name}" names parent "${c.parent ?? ''}", which is not a category in the options`,
        );
      this.addChannel(c.name, c.type, parent);
    }
  }

  get guildId(): string {
    return this.opts.guildId;
  }

  channelByName(name: string): p.ChannelShape | undefined {
    return [...this.channels.values()].find((c) => c.name === name);
  }

  addChannel(
    name: string,
    type: number,
    parentId: string | null,
    extra: { id?: string; ownerId?: string; topic?: string | null } = {},
  ): p.ChannelShape {
    // Discord lower-cases text channel names and turns spaces into dashes.
    const shaped = type === 0 ? name.trim().toLowerCase().replace(/\s+/g, '-') : name;
    const c: p.ChannelShape = {
      id: extra.id ?? this.nextId(),
      name: shaped,
      type,
      parent_id: parentId,
      position: [...this.channels.values()].filter((x) => x.type === type).length,
      topic: extra.topic ?? null,
      createdAt: new Date().toISOString(),
      lastMessageId: null,
      messageCount: 0,
    };
    if (extra.ownerId !== undefined) c.owner_id = extra.ownerId;
    this.channels.set(c.id, c);
    return c;
  }

  apiChannel(c: p.ChannelShape): p.JsonObject {
    return p.channel(c, this.guildId);
  }

  guildPayload(): p.JsonObject {
    const all = [...this.channels.values()];
    return p.guild({
      id: this.guildId,
      name: this.opts.guildName,
      ownerId: this.nextOwnerId,
      applicationId: this.opts.applicationId,
      roles: this.roles,
      channels: all.filter((c) => c.type !== 11 && c.type !== 12).map((c) => this.apiChannel(c)),
      threads: all.filter((c) => c.type === 11 || c.type === 12).map((c) => this.apiChannel(c)),
      members: [p.member(this.bot, [], this.joinedAt)],
      joinedAt: this.joinedAt,
    });
  }

  /** A human owns the guild; the bot merely joined it. */
  private readonly nextOwnerId = '300000000000000003';

  createMessage(
    channelId: string,
    body: p.JsonObject,
    files: p.StoredFile[],
    how: {
      via: RecordedMessage['via'];
      author: APIUser;
      type?: number;
      webhookId?: string;
      interaction?: StoredInteraction;
      flags?: number;
      replyTo?: string;
    },
  ): StoredMessage {
    const id = this.nextId();
    const channel = this.channels.get(channelId);
    const nonce = typeof body.nonce === 'string' || typeof body.nonce === 'number' ? body.nonce : null;
    const api = p.message({
      id,
      channelId,
      guildId: this.guildId,
      author: how.author,
      content: typeof body.content === 'string' ? body.content : '',
      embeds: p.normaliseEmbeds(body.embeds),
      components: Array.isArray(body.components) ? body.components : [],
      attachments: this.attachments(channelId, body, files),
      nonce,
      flags: how.flags ?? (typeof body.flags === 'number' ? body.flags : 0),
      type: how.type ?? (how.replyTo === undefined ? 0 : 19),
      ...(how.replyTo === undefined
        ? {}
        : { messageReference: { message_id: how.replyTo, channel_id: channelId, guild_id: this.guildId } }),
      ...(how.webhookId === undefined ? {} : { webhookId: how.webhookId, applicationId: this.opts.applicationId }),
      ...(how.interaction === undefined
        ? {}
        : { interaction: { id: how.interaction.id, type: how.interaction.type, user: how.interaction.user } }),
    });
    const stored: StoredMessage = {
      api,
      via: how.via,
      files,
      edits: 0,
      pinged: pingedBy(api.content, body.allowed_mentions),
    };
    if (how.interaction) stored.interactionId = how.interaction.id;
    this.messages.push(stored);
    if (channel) {
      channel.lastMessageId = id;
      channel.messageCount++;
    }
    return stored;
  }

  editMessage(stored: StoredMessage, body: p.JsonObject, files: p.StoredFile[]): void {
    const api = stored.api;
    if (typeof body.content === 'string') api.content = body.content;
    if (Array.isArray(body.embeds)) api.embeds = p.normaliseEmbeds(body.embeds);
    if (Array.isArray(body.components)) api.components = body.components as APIMessage['components'];
    if (files.length > 0 || Array.isArray(body.attachments)) {
      stored.files = [...stored.files.filter((f) => keptAttachment(body, api, f)), ...files];
      api.attachments = [
        ...api.attachments.filter((a) => keptAttachmentId(body, a.id)),
        ...this.attachments(api.channel_id, body, files),
      ];
    }
    if (typeof body.flags === 'number') api.flags = body.flags;
    // A deferred reply stops "thinking" at its first edit.
    if (api.flags !== undefined) api.flags = api.flags & ~128;
    api.edited_timestamp = new Date().toISOString();
    stored.edits++;
  }

  private attachments(channelId: string, body: p.JsonObject, files: p.StoredFile[]): APIMessage['attachments'] {
    const declared = Array.isArray(body.attachments) ? body.attachments.filter(p.isObject) : [];
    return files.map((f, i) => {
      const description = declared.find((a) => String(a.id) === String(i))?.description;
      return p.attachment(
        this.nextId(),
        f,
        this.baseUrl,
        channelId,
        typeof description === 'string' ? description : undefined,
      );
    });
  }

  messageById(id: string): StoredMessage | undefined {
    return this.messages.find((m) => m.api.id === id);
  }

  /** `enforce_nonce`: the same author posting the same nonce in the same channel gets the first message back. */
  messageByNonce(channelId: string, authorId: string, nonce: string | number): StoredMessage | undefined {
    return this.messages.find(
      (m) => m.api.channel_id === channelId && m.api.author.id === authorId && m.api.nonce === nonce,
    );
  }

  recorded(m: StoredMessage): RecordedMessage {
    const out: RecordedMessage = {
      id: m.api.id,
      channel_id: m.api.channel_id,
      content: m.api.content,
      embeds: m.api.embeds as APIEmbed[],
      components: m.api.components ?? [],
      attachments: m.files.map((f) => ({ filename: f.filename, content: f.content.toString('utf8') })),
      nonce: m.api.nonce === undefined ? null : String(m.api.nonce),
      via: m.via,
      edits: m.edits,
      pinged: { users: [...m.pinged.users], roles: [...m.pinged.roles] },
    };
    if (m.interactionId !== undefined) out.interaction_id = m.interactionId;
    if (m.api.message_reference?.message_id !== undefined) out.reply_to = m.api.message_reference.message_id;
    if (m.api.flags) out.flags = m.api.flags;
    return out;
  }

  upsertCommand(guildId: string | null, raw: p.JsonObject): StoredCommand {
    const name = typeof raw.name === 'string' ? raw.name : '';
    const existing = this.commands.find((c) => c.guild_id === guildId && c.name === name);
    const cmd: StoredCommand = {
      id: existing?.id ?? this.nextId(),
      guild_id: guildId,
      name,
      description: typeof raw.description === 'string' ? raw.description : '',
      raw,
    };
    if (Array.isArray(raw.options)) cmd.options = raw.options;
    if (existing) this.commands.splice(this.commands.indexOf(existing), 1, cmd);
    else this.commands.push(cmd);
    return cmd;
  }

  apiCommand(c: StoredCommand): p.JsonObject {
    return {
      type: 1,
      default_member_permissions: null,
      nsfw: false,
      contexts: null,
      integration_types: [0],
      ...c.raw,
      id: c.id,
      application_id: this.opts.applicationId,
      ...(c.guild_id === null ? {} : { guild_id: c.guild_id }),
      name: c.name,
      description: c.description,
      version: c.id,
    };
  }
}

function keptAttachmentId(body: p.JsonObject, id: string): boolean {
  // On edit, `attachments` lists the existing attachments to keep (by id); new files come as files[n].
  if (!Array.isArray(body.attachments)) return true;
  return body.attachments.some((a) => p.isObject(a) && String(a.id) === id);
}

function keptAttachment(body: p.JsonObject, api: APIMessage, f: p.StoredFile): boolean {
  const a = api.attachments.find((x) => x.filename === f.filename);
  return a === undefined ? false : keptAttachmentId(body, a.id);
}
