import { Client, Events, GatewayIntentBits, type Interaction, type REST, Routes } from 'discord.js';
import type { DiscordFile } from '../../../shared/config.ts';
import { GovernorError } from '../errors.ts';
import { DEFAULT_API } from './config.ts';
import { slashCommands } from './slash-commands.ts';

export interface BotOptions {
  file: DiscordFile;
  token: string;
  onInteraction: (i: Interaction) => Promise<void>;
  onConnection?: (up: boolean) => void;
  log?: (line: string) => void;
}

/** Register the slash commands in the guild, replacing whatever was there (bulk overwrite: idempotent). */
export async function registerCommands(rest: REST, applicationId: string, guildId: string): Promise<number> {
  const body = slashCommands();
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
  client.on(
    Events.InteractionCreate,
    (i) =>
      void o
        .onInteraction(i)
        .catch((err: unknown) =>
          o.log?.(`discord: interaction ${i.id}: ${err instanceof Error ? err.message : String(err)}`),
        ),
  );
  // Quiet while Discord is down: one line when the connection drops, one when it is back (discord.js
  // retries, with its own backoff, many times a minute; each try is not news).
  let downSince: number | null = null;
  const up = () => {
    o.onConnection?.(true);
    if (downSince !== null)
      o.log?.(`discord: gateway connected again after ${Math.round((Date.now() - downSince) / 1000)} s`);
    downSince = null;
  };
  const down = () => {
    o.onConnection?.(false);
    if (downSince === null) o.log?.('discord: gateway connection lost; reconnecting in the background');
    downSince ??= Date.now();
  };
  client.on(Events.ShardReady, up);
  client.on(Events.ShardResume, up);
  client.on(Events.ShardDisconnect, down);
  client.on(Events.ShardReconnecting, down);
  client.on(Events.Error, (err) => o.log?.(`discord: client error: ${err.message}`));
  const ready = new Promise<Client<true>>((resolve) => client.once(Events.ClientReady, resolve));
  await client.login(o.token);
  const c = await ready;
  const count = await registerCommands(client.rest, c.application.id, guild);
  o.log?.(`discord: connected as ${c.user.tag}; ${count} slash commands registered in guild ${guild}`);
  return {
    client,
    async stop() {
      client.removeAllListeners();
      await client.destroy();
    },
  };
}
