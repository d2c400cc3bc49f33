/**
 * INTERACTION_CREATE payloads as Discord sends them for a guild: slash commands (type 2), button clicks
 * (type 3) and modal submits (type 5), each with a member (user + roles), a fresh 68-character token, the
 * partial channel, app permissions and the other fields discord.js 14.28.1 reads in BaseInteraction.
 */
import * as p from './payloads.ts';
import type { DiscordState, StoredInteraction } from './state.ts';

export interface Invoker {
  userId: string;
  roles?: string[];
  channelId?: string;
}

export interface SlashInput extends Invoker {
  name: string;
  options?: { name: string; type: 3 | 4 | 5 | 10; value: string | number | boolean }[];
  subcommand?: string;
}

export interface AutocompleteInput extends Invoker {
  name: string;
  /** the options filled so far; the one being typed has `focused: true` */
  options: { name: string; type: 3; value: string; focused?: boolean }[];
}

export interface ClickInput extends Invoker {
  customId: string;
  messageId?: string;
}

export interface ModalInput extends Invoker {
  customId: string;
  fields: Record<string, string>;
}

function base(
  state: DiscordState,
  type: number,
  who: Invoker,
  channelId: string,
  data: p.JsonObject,
): StoredInteraction {
  const channel = state.channels.get(channelId);
  if (!channel)
    throw new Error(
      `fake-discord: channel ${channelId} does not exist (channels: ${[...state.channels.values()].map((c) => c.name).join(', ')})`,
    );
  const user = p.humanUser(who.userId);
  const roles = who.roles ?? [];
  state.members.set(user.id, { user, roles });
  const id = state.nextId();
  const token = `aW50ZXJhY3Rpb246${p.discordToken().slice(16)}`; // real interaction tokens start with base64("interaction:")
  const payload: p.JsonObject = {
    id,
    application_id: state.opts.applicationId,
    type,
    data,
    guild: { id: state.guildId, locale: 'en-US', features: [] },
    guild_id: state.guildId,
    channel: p.interactionChannel(channel, state.guildId),
    channel_id: channel.id,
    member: { ...p.member(user, roles, state.joinedAt), permissions: p.ALL_PERMISSIONS },
    token,
    version: 1,
    app_permissions: p.ALL_PERMISSIONS,
    locale: 'en-US',
    guild_locale: 'en-US',
    entitlements: [],
    authorizing_integration_owners: { '0': state.guildId },
    context: 0,
    attachment_size_limit: 10_485_760,
  };
  const stored: StoredInteraction = {
    id,
    token,
    type,
    channelId: channel.id,
    user,
    payload,
    acknowledged: null,
    originalMessageId: null,
  };
  state.interactions.set(id, stored);
  return stored;
}

function defaultChannel(state: DiscordState, who: Invoker): string {
  if (who.channelId !== undefined) return who.channelId;
  const first = [...state.channels.values()].find((c) => c.type === 0);
  if (!first) throw new Error('fake-discord: no text channel to send the interaction from; pass channelId');
  return first.id;
}

export function slashInteraction(state: DiscordState, input: SlashInput): StoredInteraction {
  const command = state.commands.find(
    (c) => c.name === input.name && (c.guild_id === state.guildId || c.guild_id === null),
  );
  if (!command) {
    // Discord never delivers a command that is not registered; failing here catches a missing registration.
    const known = state.commands.map((c) => `/${c.name}`).join(', ') || 'none';
    throw new Error(`fake-discord: /${input.name} is not a registered command (registered: ${known})`);
  }
  const leafOptions = (input.options ?? []).map((o) => ({ name: o.name, type: o.type, value: o.value }));
  const options =
    input.subcommand === undefined ? leafOptions : [{ name: input.subcommand, type: 1, options: leafOptions }];
  const data: p.JsonObject = { id: command.id, name: command.name, type: 1, options };
  if (command.guild_id !== null) data.guild_id = command.guild_id;
  return base(state, 2, input, defaultChannel(state, input), data);
}

export function autocompleteInteraction(state: DiscordState, input: AutocompleteInput): StoredInteraction {
  const command = state.commands.find(
    (c) => c.name === input.name && (c.guild_id === state.guildId || c.guild_id === null),
  );
  if (!command) throw new Error(`fake-discord: /${input.name} is not a registered command`);
  const data: p.JsonObject = {
    id: command.id,
    name: command.name,
    type: 1,
    options: input.options.map((o) => ({ ...o })),
  };
  if (command.guild_id !== null) data.guild_id = command.guild_id;
  return base(state, 4, input, defaultChannel(state, input), data);
}

function hasCustomId(components: unknown, customId: string): boolean {
  if (!Array.isArray(components)) return false;
  return components.some((c) => p.isObject(c) && (c.custom_id === customId || hasCustomId(c.components, customId)));
}

export function clickInteraction(state: DiscordState, input: ClickInput): StoredInteraction {
  // The clicked message: the one named, else the newest message carrying a button with that custom_id.
  const message =
    input.messageId !== undefined
      ? state.messageById(input.messageId)
      : [...state.messages].reverse().find((m) => hasCustomId(m.api.components, input.customId));
  if (!message) {
    throw new Error(
      `fake-discord: no message ${input.messageId === undefined ? `with a button "${input.customId}"` : input.messageId} to click`,
    );
  }
  const stored = base(state, 3, input, input.channelId ?? message.api.channel_id, {
    custom_id: input.customId,
    component_type: 2,
  });
  stored.payload.message = message.api;
  stored.originalMessageId = message.api.id;
  return stored;
}

/**
 * Submitted fields come back in the layout the modal was shown with: inside Label components (type 18)
 * when the shown modal used labels, otherwise one action row (type 1) per text input.
 */
export function modalInteraction(state: DiscordState, input: ModalInput): StoredInteraction {
  const shown = [...state.callbacks]
    .reverse()
    .find((c) => c.type === 9 && p.isObject(c.data) && c.data.custom_id === input.customId);
  const shownComponents =
    shown && p.isObject(shown.data) && Array.isArray(shown.data.components) ? shown.data.components : [];
  const usesLabels = shownComponents.some((c) => p.isObject(c) && c.type === 18);
  const components = Object.entries(input.fields).map(([customId, value]) =>
    usesLabels
      ? { type: 18, component: { type: 4, custom_id: customId, value } }
      : { type: 1, components: [{ type: 4, custom_id: customId, value }] },
  );
  const origin = shown ? state.interactions.get(shown.interaction_id) : undefined;
  const channelId = input.channelId ?? origin?.channelId ?? defaultChannel(state, input);
  const stored = base(state, 5, input, channelId, { custom_id: input.customId, components });
  // A modal opened from a button carries that button's message, so the submit may `update` it.
  const clicked =
    origin?.type === 3 && origin.originalMessageId !== null ? state.messageById(origin.originalMessageId) : undefined;
  if (clicked) {
    stored.payload.message = clicked.api;
    stored.originalMessageId = clicked.api.id;
  }
  return stored;
}
