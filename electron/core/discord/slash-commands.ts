import { type RESTPostAPIChatInputApplicationCommandsJSONBody, SlashCommandBuilder } from 'discord.js';
import { COMMAND_HELP } from '../../../shared/index.ts';

const summary = (cmd: string) => (COMMAND_HELP.find((h) => h.cmd === cmd)?.summary ?? cmd).slice(0, 100);

/**
 * The slash commands, mirroring the console grammar (shared/commands.ts). Each one is validated and turned
 * back into the text the console would take (inbound.ts), and handed to the same command handler, so
 * Discord cannot drift from it.
 *
 * The same for every project: several projects on one bot register into one guild, and the last one to
 * register wins. So nothing project-specific is baked in: agent names come from autocomplete, which the
 * chosen project answers with its own agents (interactions.ts).
 */
export function slashCommands(): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  const agent = (b: SlashCommandBuilder, allowAll: boolean) =>
    b.addStringOption((o) =>
      o
        .setName('agent')
        .setDescription(allowAll ? 'which agent, or all' : 'which agent')
        .setRequired(true)
        .setAutocomplete(true)
        .setMaxLength(40),
    );
  const commands = [
    new SlashCommandBuilder()
      .setName('status')
      .setDescription(summary('/status'))
      .addStringOption((o) =>
        o.setName('scope').setDescription('"git" for branches and merges').addChoices({ name: 'git', value: 'git' }),
      ),
    agent(new SlashCommandBuilder().setName('clarify').setDescription(summary('/clarify')), false).addStringOption(
      (o) => o.setName('question').setDescription('your question').setRequired(true).setMaxLength(2000),
    ),
    agent(new SlashCommandBuilder().setName('assign').setDescription(summary('/assign')), false).addStringOption((o) =>
      o.setName('task').setDescription('a new task, or a concern id and a note').setRequired(true).setMaxLength(2000),
    ),
    new SlashCommandBuilder()
      .setName('ack')
      .setDescription(summary('/ack'))
      .addStringOption((o) => o.setName('concern').setDescription('e.g. concern_0004 or 4').setRequired(true))
      .addStringOption((o) => o.setName('note').setDescription('optional note').setMaxLength(2000)),
    new SlashCommandBuilder()
      .setName('resolve')
      .setDescription(summary('/resolve'))
      .addStringOption((o) => o.setName('concern').setDescription('e.g. concern_0004 or 4').setRequired(true))
      .addStringOption((o) => o.setName('note').setDescription('optional note').setMaxLength(2000)),
    agent(new SlashCommandBuilder().setName('pause').setDescription(summary('/pause')), true),
    agent(new SlashCommandBuilder().setName('resume').setDescription(summary('/resume')), true),
    new SlashCommandBuilder()
      .setName('approve')
      .setDescription(summary('/approve'))
      .addStringOption((o) => o.setName('review').setDescription('e.g. review_0003 or 3').setRequired(true))
      .addStringOption((o) => o.setName('note').setDescription('optional note').setMaxLength(2000)),
    new SlashCommandBuilder()
      .setName('reject')
      .setDescription(summary('/reject'))
      .addStringOption((o) => o.setName('review').setDescription('e.g. review_0003 or 3').setRequired(true))
      .addStringOption((o) => o.setName('reason').setDescription('why').setRequired(true).setMaxLength(2000)),
    new SlashCommandBuilder()
      .setName('phase')
      .setDescription(summary('/phase'))
      .addStringOption((o) =>
        o
          .setName('action')
          .setDescription('"next" starts the next phase once this one is promoted')
          .addChoices({ name: 'next', value: 'next' }),
      ),
    new SlashCommandBuilder()
      .setName('help')
      .setDescription(summary('/help'))
      .addStringOption((o) => o.setName('command').setDescription('one command')),
  ];
  // Every command but /help can name its project: with several projects on one bot, the one the channel is
  // mapped to is the default, and autocomplete offers the others.
  for (const c of commands) {
    if (c.name === 'help') continue;
    c.addStringOption((o) =>
      o
        .setName('project')
        .setDescription("which project (default: this channel's)")
        .setAutocomplete(true)
        .setMaxLength(100),
    );
  }
  return commands.map((c) => c.toJSON());
}
