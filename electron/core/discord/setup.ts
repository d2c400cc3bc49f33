import { type APIChannel, type APIGuild, type APIUser, ChannelType, type REST, Routes } from 'discord.js';
import type { DiscordChannelName, DiscordFile } from '../../../shared/config.ts';
import { errorMessage } from '../errors.ts';
import { registerCommands } from './bot.ts';
import { channelRefs, webhookTargets } from './config.ts';

export interface SetupLine {
  ok: boolean;
  text: string;
}

const SNOWFLAKE = /^\d{15,22}$/;

/**
 * `governor discord setup`, bot mode: the token works, the bot is in the guild, the four channels exist
 * (creating missing ones by name when the bot may), and the slash commands are registered.
 */
export async function setupBot(file: DiscordFile, rest: REST): Promise<SetupLine[]> {
  const out: SetupLine[] = [];
  const guildId = file.guild_id ?? '';
  let me: APIUser;
  try {
    me = (await rest.get(Routes.user())) as APIUser;
    out.push({ ok: true, text: `token works: the bot is ${me.username}` });
  } catch (err) {
    return [
      {
        ok: false,
        text:
          `the token was refused (${errorMessage(err)}): reset it in the developer portal ` +
          `(your app → Bot → Reset Token) and set ${file.token_env} again`,
      },
    ];
  }
  try {
    const g = (await rest.get(Routes.guild(guildId))) as APIGuild;
    out.push({ ok: true, text: `guild: ${g.name} (${guildId})` });
  } catch (err) {
    out.push({
      ok: false,
      text: `guild ${guildId}: ${errorMessage(err)}; invite the bot with the applications.commands and bot scopes`,
    });
    return out;
  }
  const existing = (await rest.get(Routes.guildChannels(guildId))) as APIChannel[];
  for (const [name, ref] of Object.entries(channelRefs(file)) as Array<[DiscordChannelName, string]>) {
    const found = existing.find((c) =>
      SNOWFLAKE.test(ref) ? c.id === ref : 'name' in c && c.name === ref && c.type === ChannelType.GuildText,
    );
    if (found) {
      out.push({ ok: true, text: `#${name} → ${'name' in found ? `#${found.name}` : ''} (${found.id})` });
      continue;
    }
    if (SNOWFLAKE.test(ref)) {
      out.push({ ok: false, text: `#${name}: no channel with id ${ref} in the guild` });
      continue;
    }
    try {
      const made = (await rest.post(Routes.guildChannels(guildId), {
        body: { name: ref, type: ChannelType.GuildText },
      })) as APIChannel;
      out.push({ ok: true, text: `#${name}: created #${ref} (${made.id})` });
    } catch (err) {
      out.push({
        ok: false,
        text:
          `#${name}: #${ref} is missing and could not be created (${errorMessage(err)}); ` +
          'create it, or give the bot Manage Channels',
      });
    }
  }
  try {
    const n = await registerCommands(rest, me.id, guildId);
    out.push({ ok: true, text: `${n} slash commands registered in the guild` });
  } catch (err) {
    out.push({
      ok: false,
      text: `slash commands: ${errorMessage(err)}; the bot needs the applications.commands scope`,
    });
  }
  const who = [...file.reviewers.users.map((u) => `user ${u}`), ...file.reviewers.roles.map((r) => `role ${r}`)];
  out.push({ ok: who.length > 0, text: `reviewers allowed to act: ${who.join(', ') || 'nobody'}` });
  return out;
}

/** Webhook mode: each configured webhook URL is set and answers. */
export async function setupWebhooks(
  file: DiscordFile,
  rest: REST,
  env: NodeJS.ProcessEnv = process.env,
): Promise<SetupLine[]> {
  const { targets, missing } = webhookTargets(file, env);
  const out: SetupLine[] = missing.map((m) => ({ ok: false, text: m }));
  for (const [channel, t] of Object.entries(targets)) {
    try {
      await rest.get(Routes.webhook(t.id, t.token), { auth: false });
      out.push({ ok: true, text: `#${channel}: webhook ${t.id} answers` });
    } catch (err) {
      out.push({ ok: false, text: `#${channel}: webhook ${t.id}: ${errorMessage(err)}` });
    }
  }
  out.push({
    ok: true,
    text: 'webhook mode is outbound only: no buttons or slash commands (decide in the app or with the CLI)',
  });
  return out;
}
