import { Client, Events, GatewayIntentBits, type Interaction, type REST, Routes } from 'discord.js';
import type { DiscordFile } from '../../../shared/config.ts';
import { GovernorError } from '../errors.ts';
import { DEFAULT_API } from './config.ts';
import { slashCommands } from './slash-commands.ts';

export interface BotOptions {
  file: DiscordFile;
  token: string;
  agents: readonly string[];
  onInteraction: (i: Interaction) => Promise<void>;
  onConnection?: (up: boolean) => void;
  log?: (line: string) => void;
}

/** Register the slash commands in the guild, replacing whatever was there (bulk overwrite: idempotent). */
export async function registerCommands(rest: REST, applicationId: string, guildId: string, agents: readonly string[]): Promise<number> {
  const body = slashCommands(agents);
  await rest.put(Routes.applicationGuildCommands(applicationId, guildId), { body });
  return body.length;
}

/**
 * The discord.js client: only the Guilds intent (slash commands, buttons and modals arrive as interactions;
 * we read no message content). discord.js reconnects and resumes the gateway by itself; we only report it.
 */
export async function startBot(o: BotOptions): Promise<{ client: Client; stop(): Promise<void> }> {
  const guild = o.file.guild_id;
  if (!guild) throw new GovernorError('discord_config', 'discord.yaml: bot mode needs guild_id');
  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: o.file.api ?? DEFAULT_API } });
  client.on(Events.InteractionCreate, (i) => void o.onInteraction(i));
  client.on(Events.ShardReady, () => o.onConnection?.(true));
  client.on(Events.ShardResume, () => o.onConnection?.(true));
  client.on(Events.ShardDisconnect, () => o.onConnection?.(false));
  client.on(Events.ShardReconnecting, () => {
    o.onConnection?.(false);
    o.log?.('discord: gateway connection lost; reconnecting');
  });
  client.on(Events.Error, (err) => o.log?.(`discord: client error: ${err.message}`));
  const ready = new Promise<Client<true>>((resolve) => client.once(Events.ClientReady, resolve));
  await client.login(o.token);
  const c = await ready;
  const count = await registerCommands(client.rest, c.application.id, guild, o.agents);
  o.log?.(`discord: connected as ${c.user.tag}; ${count} slash commands registered in guild ${guild}`);
  return {
    client,
    async stop() {
      client.removeAllListeners();
      await client.destroy();
    },
  };
}
