import type { CommandResult } from '../workflow/commands.ts';
import { slashCommands } from './slash-commands.ts';

/**
 * The help a Discord user sees: the slash commands Governor registers, read from their one definition
 * (slash-commands.ts), with the options Discord shows. The console's help (shared/commands.ts) lists
 * commands Discord does not have (`/escalate`) and its positional syntax, so a phone never sees it.
 * `topic` narrows it to one command (`ack` or `/ack`); an unknown one shows them all.
 */
export function discordHelp(topic: string | null = null): string {
  const all = slashCommands();
  const want = topic?.replace(/^\//, '').toLowerCase() ?? null;
  const picked = all.filter((c) => c.name === want);
  const rows = (picked.length > 0 ? picked : all).map((c) => {
    // `project` is on every command but /help, and autocomplete offers it: listing it each time is noise.
    const options = (c.options ?? [])
      .filter((o) => o.name !== 'project')
      .map((o) => ('required' in o && o.required ? `${o.name}:` : `[${o.name}:]`));
    return `  /${[c.name, ...options].join(' ')} — ${c.description}`;
  });
  return ['Commands:', ...rows].join('\n');
}

/**
 * A refused command as Discord shows it, chosen by its code (never by its text): the reason alone, and for
 * text the grammar did not take, the commands Discord has instead of the console's help the response carries.
 */
export function refusalText(error: NonNullable<CommandResult['error']>): string {
  return error.code === 'unparsed' ? `⚠️ ${error.message}\n\n${discordHelp()}` : `⚠️ ${error.message}`;
}
